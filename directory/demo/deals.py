"""A handful of fictional deals between demo ESS actors and demo businesses or public buyers.

Loaded by `python manage.py load_demo` after the demo directory. Every deal and programme is marked
`is_fictional=True` and says « (fictif) »; both parties are demo actors of the directory (so no
SIRET is needed: a made-up one could belong to a real company). Idempotent: deals are matched on
their programme, parties, kind and year; only what is missing is created. Deals go through
`services.record_deal`, so they obey the ledger's rules like any other.
"""

from decimal import Decimal

from django.db import transaction

from directory import services
from directory.models import Actor, Deal, DealProgramme, PublicationStatus

PROGRAMMES = [
    (
        "demo-impact-2024",
        "Impact 2024 (fictif)",
        2024,
        "Programme de démonstration : rencontres entre acheteurs et ESS.",
    ),
    ("demo-club-achats", "Club des achats responsables (fictif)", None, "Programme de démonstration."),
]
K, P, R = Deal.Kind, Deal.PartnerKind, Deal.Outcome
# (programme slug or None, kind, partner kind, amount, year, integration hours, jobs, outcome, note)
DEALS = [
    (
        "demo-impact-2024",
        K.PROCUREMENT,
        P.PUBLIC_BUYER,
        48000,
        2024,
        1200,
        2,
        R.COMPLETED,
        "Entretien d'espaces verts.",
    ),
    ("demo-impact-2024", K.PROCUREMENT, P.PUBLIC_BUYER, 125000, 2024, 3400, 4, R.RENEWED, "Restauration collective."),
    ("demo-impact-2024", K.SUBCONTRACTING, P.BUSINESS, 32000, 2024, 800, 1, R.COMPLETED, "Logistique d'événement."),
    ("demo-impact-2024", K.SKILLS_SPONSORSHIP, P.BUSINESS, None, 2024, None, None, R.COMPLETED, "Appui comptable."),
    ("demo-club-achats", K.SUBCONTRACTING, P.BUSINESS, 18500, 2023, 450, 1, R.ONGOING, "Tri et réemploi de mobilier."),
    ("demo-club-achats", K.CO_DEVELOPMENT, P.BUSINESS, 12000, 2023, None, 1, R.ONGOING, "Offre de traiteur commune."),
    ("demo-club-achats", K.MENTORING, P.BUSINESS, None, 2023, None, None, R.COMPLETED, "Mentorat de la direction."),
    (None, K.PROCUREMENT, P.PUBLIC_BUYER, 76000, 2022, 2100, 3, R.COMPLETED, "Nettoyage de locaux."),
    (None, K.CO_DEVELOPMENT, P.BUSINESS, 9000, 2022, None, None, R.STOPPED, "Prototype interrompu."),
    (None, K.SKILLS_SPONSORSHIP, P.BUSINESS, None, 2025, None, None, R.ONGOING, "Appui juridique."),
]


def _demo_actors(role: str) -> list[Actor]:
    actors = Actor.objects.filter(
        source=Actor.Source.DEMO,
        source_id__startswith="demo:actor:",
        roles__slug=role,
        status=PublicationStatus.PUBLISHED,
    )
    if role == "structure-ess":
        actors = actors.exclude(ess_status=Actor.EssStatus.PARTNER)
    return list(actors.order_by("pk"))


@transaction.atomic
def load_deals_demo() -> dict[str, int]:
    """Create the fictional programmes and deals where missing; return {what: how many were created}."""
    ess = _demo_actors("structure-ess")
    partners = {P.BUSINESS: _demo_actors("entreprise-classique"), P.PUBLIC_BUYER: _demo_actors("acteur-public")}
    if not ess or not all(partners.values()):
        return {"transactions fictives": 0}
    programmes = {}
    for slug, name, year, description in PROGRAMMES:
        programmes[slug], _created = DealProgramme.objects.get_or_create(
            slug=slug, defaults={"name": name, "year": year, "description": description, "is_fictional": True}
        )
    created = 0
    for n, (programme, kind, partner_kind, amount, year, hours, jobs, outcome, note) in enumerate(DEALS):
        ess_actor = ess[(n * 7) % len(ess)]
        pool = partners[partner_kind]
        partner = pool[n % len(pool)]
        match = {
            "programme": programmes.get(programme),
            "kind": kind,
            "ess_actor": ess_actor,
            "partner_actor": partner,
            "year": year,
        }
        if Deal.objects.filter(**match).exists():
            continue
        services.record_deal(
            deal=Deal(
                **match,
                partner_kind=partner_kind,
                amount=Decimal(amount) if amount is not None else None,
                integration_hours=hours,
                jobs_created=jobs,
                outcome=outcome,
                outcome_note=f"{note} (fictif)",
                is_fictional=True,
            ),
            reason="Jeu de démonstration",
        )
        created += 1
    return {"transactions fictives": created}
