"""Fictional offers of demo actors to buyers, and a few fictional needs on the board.

Loaded by `python manage.py load_demo` after the demo directory. Every offer and need is marked
`is_fictional=True` and its title says « (fictif) »; offers go to published demo actors (`demo:actor:`),
in a fixed order, so that two runs give the same data. Needs leave their contact e-mail empty (no
message is sent) and their deadlines are counted from the day of loading. Idempotent: offers are
matched on actor and title, needs on title; only what is missing is created.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from directory.history import Origin, provenance
from directory.models import Actor, Commune, PublicationStatus
from purchasing.models import BuyerNeed, CpvCode, SupplierOffer

REASON = "Jeu de démonstration"

# (title, CPV code, communes (INSEE) or None for the whole territory, max order amount, capacity, references)
OFFERS = [
    (
        "Traiteur pour réceptions et séminaires",
        "55300000-3",
        None,
        15000,
        "Jusqu'à 300 couverts par jour.",
        "Mairie (fictif), 2024.",
    ),
    ("Restauration collective bio et locale", "55500000-5", ["93048", "93006"], 120000, "800 repas par jour.", ""),
    (
        "Entretien d'espaces verts",
        "77300000-3",
        ["93055", "93061", "93045"],
        60000,
        "Deux équipes de six personnes.",
        "Bailleur social (fictif), 2023.",
    ),
    ("Nettoyage de bureaux et de locaux", "90900000-6", None, 80000, "Interventions de nuit possibles.", ""),
    ("Collecte et tri de déchets de bureau", "90500000-2", ["93008", "93010"], 25000, "", ""),
    ("Impression et façonnage de documents", "79800000-2", None, 10000, "Tirages jusqu'à 20 000 exemplaires.", ""),
    ("Formation aux gestes numériques", "80500000-9", None, None, "Groupes de 12 personnes.", ""),
    (
        "Petits travaux de second œuvre",
        "45400000-1",
        ["93048", "93063", "93053"],
        40000,
        "Peinture, sols, menuiserie.",
        "",
    ),
    ("Vêtements de travail en coton recyclé", "18100000-0", None, 20000, "500 pièces par mois.", ""),
    ("Mobilier de bureau reconditionné", "39100000-3", None, 30000, "", "Entreprise (fictif), 2024."),
    ("Animations sportives pour événements", "92600000-7", None, 8000, "", ""),
    (
        "Transport de personnes à mobilité réduite",
        "60100000-9",
        ["93055", "93048"],
        None,
        "Trois véhicules adaptés.",
        "",
    ),
]

# (title, CPV code, communes, days until the deadline, buyer, buyer kind, status)
NEEDS = [
    (
        "Repas pour une journée de rencontres (fictif)",
        "55300000-3",
        ["93048"],
        45,
        "Ville de démonstration (fictif)",
        BuyerNeed.BuyerKind.PUBLIC,
        PublicationStatus.PUBLISHED,
    ),
    (
        "Entretien des espaces verts d'une résidence (fictif)",
        "77000000-0",
        ["93055"],
        60,
        "Bailleur de démonstration (fictif)",
        BuyerNeed.BuyerKind.OTHER,
        PublicationStatus.PUBLISHED,
    ),
    (
        "Nettoyage de locaux d'entreprise (fictif)",
        "90000000-7",
        ["93006", "93048"],
        30,
        "Entreprise de démonstration (fictif)",
        BuyerNeed.BuyerKind.BUSINESS,
        PublicationStatus.PUBLISHED,
    ),
    (
        "Impression de brochures (fictif)",
        "79800000-2",
        ["93063"],
        20,
        "Entreprise de démonstration (fictif)",
        BuyerNeed.BuyerKind.BUSINESS,
        PublicationStatus.PENDING,
    ),
]


def _suppliers() -> list[Actor]:
    actors = Actor.objects.filter(
        source=Actor.Source.DEMO,
        source_id__startswith="demo:actor:",
        roles__slug="structure-ess",
        status=PublicationStatus.PUBLISHED,
    ).exclude(ess_status=Actor.EssStatus.PARTNER)
    return list(actors.order_by("pk"))


@transaction.atomic
def load_purchasing_demo() -> dict[str, int]:
    """Create the fictional offers and needs where missing; return {what: how many were created}."""
    suppliers = _suppliers()
    codes = {code.code: code for code in CpvCode.objects.all()}
    communes = {commune.insee_code: commune for commune in Commune.objects.in_territory()}
    offers = 0
    with provenance(Origin.COMMAND, "load_demo"):
        for n, (title, code, served, amount, capacity, references) in enumerate(OFFERS if suppliers else []):
            actor = suppliers[(n * 5) % len(suppliers)]
            title = f"{title} (fictif)"
            if SupplierOffer.objects.filter(actor=actor, title=title).exists():
                continue
            offer = SupplierOffer(
                actor=actor,
                title=title,
                description=f"Offre de démonstration de {actor.name}.",
                cpv=codes[code],
                whole_territory=served is None,
                capacity=capacity,
                max_order_amount=Decimal(amount) if amount is not None else None,
                references=references,
                status=PublicationStatus.PUBLISHED,
                is_fictional=True,
            )
            offer.full_clean()
            offer._change_reason = REASON
            offer.save()
            offer.communes.set([communes[insee] for insee in served or []])
            offers += 1
        needs = 0
        today = timezone.localdate()
        for title, code, delivered, days, buyer, kind, status in NEEDS:
            if BuyerNeed.objects.filter(title=title).exists():
                continue
            need = BuyerNeed(
                title=title,
                description="Besoin de démonstration : il n'existe pas.",
                cpv=codes[code],
                deadline=today + timedelta(days=days),
                buyer_name=buyer,
                buyer_kind=kind,
                status=status,
                is_fictional=True,
            )
            need.full_clean()
            need._change_reason = REASON
            need.save()
            need.communes.set([communes[insee] for insee in delivered])
            needs += 1
    return {"offres fictives aux acheteurs": offers, "besoins fictifs d'acheteurs": needs}
