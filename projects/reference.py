"""Real initiatives and schemes named in the 2019 ESS strategy, with only the facts given there.

Source: ../shared/reference/est-ensemble.md (press report of 11 March 2019 on Est
Ensemble's ESS strategy). Nothing else is asserted: no dates, budgets, figures or energy
review. Their lifecycle status and energy review are for the ESS team to fill in, so they
are loaded as drafts (not shown to the public until staff complete and publish them).

`load_reference_initiatives()` is idempotent and safe in production: records are matched on their
slug, created when missing and otherwise left alone, so a later run never overwrites what staff
have edited since. Actors are the real organisations seeded by `directory.reference`.
"""

from django.db import transaction

from directory.models import Actor, Commune, PublicationStatus
from projects.models import Initiative, Involvement, Objective, Source, StrategyAxis

SOURCE_NOTE = "Source : présentation de la stratégie ESS d'Est Ensemble (compte rendu de presse du 11 mars 2019)."


INITIATIVES = [
    {
        "slug": "trophees-de-l-ess",
        "title": "Trophées de l'ESS",
        "axis": "accompagnement-entrepreneurial",
        "objective": None,
        "kind": Initiative.Kind.SUPPORT_SCHEME,
        "summary": "Les prix de l'ESS d'Est Ensemble, dispositif phare connu des acteurs du territoire.",
        "description": (
            "Le diagnostic de la stratégie ESS de 2019 compte les Trophées de l'ESS parmi les dispositifs phares "
            "connus des acteurs, signe du soutien reconnu de l'établissement public territorial à l'ESS."
        ),
        "lead": "est-ensemble",
        "partners": [],
    },
    {
        "slug": "est-ploration",
        "title": "Est'ploration",
        "axis": "accompagnement-entrepreneurial",
        "objective": None,
        "kind": Initiative.Kind.SUPPORT_SCHEME,
        "summary": "Dispositif phare d'Est Ensemble connu des acteurs de l'ESS.",
        "description": (
            "Le diagnostic de la stratégie ESS de 2019 compte Est'ploration parmi les dispositifs phares connus "
            "des acteurs du territoire."
        ),
        "lead": "est-ensemble",
        "partners": [],
    },
    {
        "slug": "participation-impact-2024",
        "title": "Participation à Impact 2024",
        "axis": "structurer-offre-politiques-publiques-jeux-2024",
        "objective": None,
        "kind": Initiative.Kind.RESPONSIBLE_PURCHASING,
        "summary": (
            "Aider les acteurs de l'ESS à structurer leur offre pour les Jeux olympiques et paralympiques de "
            "Paris 2024, avec la plateforme Impact 2024."
        ),
        "description": (
            "La stratégie ESS de 2019 prévoit de communiquer avec les acteurs de l'ESS pour qu'ils structurent "
            "leur offre en réponse aux politiques publiques du territoire et aux Jeux de Paris 2024. La "
            "plateforme Impact 2024, animée par Les Canaux avec Paris 2024 et la Solideo, vise les premiers "
            "Jeux inclusifs."
        ),
        "lead": "est-ensemble",
        "partners": ["les-canaux", "paris-2024", "solideo"],
    },
    {
        "slug": "occupations-temporaires-laboratoire",
        "title": "Occupations temporaires, laboratoire de l'innovation sociale",
        "axis": "ess-outil-urbanisme",
        "objective": "occupations-temporaires",
        "kind": Initiative.Kind.TEMPORARY_OCCUPATION,
        "summary": (
            "Des occupations éphémères comme laboratoire et vitrine de l'innovation sociale pendant la "
            "préparation des projets urbains."
        ),
        "description": (
            "La stratégie ESS de 2019 fait de l'ESS un outil d'aménagement et de promotion du territoire, "
            "notamment par des occupations éphémères, laboratoire et vitrine de l'innovation sociale le temps "
            "que les projets urbains se préparent."
        ),
        "lead": "est-ensemble",
        "partners": [],
    },
    {
        "slug": "ess-dans-le-npnru",
        "title": "L'ESS dans le renouvellement urbain (NPNRU)",
        "axis": "ess-outil-urbanisme",
        "objective": "ess-npnru-revitalisation",
        "kind": Initiative.Kind.NPNRU,
        "summary": (
            "Des projets d'ESS dans les programmes de renouvellement urbain, en dialogue avec les bailleurs "
            "sociaux, et dans les stratégies de revitalisation urbaine."
        ),
        "description": (
            "La stratégie ESS de 2019 prévoit d'intégrer des projets d'ESS aux programmes du NPNRU, en dialogue "
            "avec les bailleurs sociaux, et aux stratégies de revitalisation urbaine. Est Ensemble indique que "
            "12 de ses 19 quartiers prioritaires ont été retenus au NPNRU (protocole approuvé le 13 décembre 2016)."
        ),
        "lead": "est-ensemble",
        "partners": [],
    },
    {
        "slug": "rez-de-chaussee-actifs",
        "title": "Rez-de-chaussée actifs et immobilier négocié",
        "axis": "ess-outil-urbanisme",
        "objective": "immobilier-negocie-rez-de-chaussee-actifs",
        "kind": Initiative.Kind.ACTIVE_GROUND_FLOOR,
        "summary": "Des rez-de-chaussée actifs et de l'immobilier négocié pour l'ESS, en dialogue avec les promoteurs.",
        "description": (
            "La stratégie ESS de 2019 prévoit de développer l'immobilier négocié et les « rez-de-chaussée "
            "actifs » en dialogue avec les promoteurs immobiliers."
        ),
        "lead": "est-ensemble",
        "partners": [],
    },
]


def _reference_actor(source_id: str) -> Actor | None:
    """A real organisation seeded by `directory.reference`, or None (it is never created here)."""
    return Actor.objects.filter(source=Actor.Source.REFERENCE, source_id=source_id).first()


@transaction.atomic
def load_reference_initiatives() -> dict[str, int]:
    """Create the real initiatives of the 2019 strategy where missing; return {what: how many created}."""
    existing = set(Initiative.objects.filter(slug__in=[s["slug"] for s in INITIATIVES]).values_list("slug", flat=True))
    territory = list(Commune.objects.in_territory())
    created = 0
    for spec in INITIATIVES:
        if spec["slug"] in existing:
            continue
        lead = _reference_actor(spec["lead"])
        initiative = Initiative(
            slug=spec["slug"],
            title=spec["title"],
            axis=StrategyAxis.objects.get(slug=spec["axis"]),
            objective=Objective.objects.get(slug=spec["objective"]) if spec["objective"] else None,
            kind=spec["kind"],
            summary=spec["summary"],
            description=f"{spec['description']}\n\n{SOURCE_NOTE}",
            lead_actor=lead,
            publication_status=PublicationStatus.DRAFT,
            source=Source.REFERENCE,
        )
        initiative.full_clean()
        initiative._change_reason = SOURCE_NOTE
        initiative.save()
        initiative.communes.set(territory)
        if lead is not None:
            Involvement.objects.create(initiative=initiative, actor=lead, role=Involvement.Role.LEAD)
        for source_id in spec["partners"]:
            partner = _reference_actor(source_id)
            if partner is not None:
                Involvement.objects.create(initiative=initiative, actor=partner, role=Involvement.Role.PARTNER)
        created += 1
    return {"projets de la stratégie 2019": created}
