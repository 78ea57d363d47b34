"""Real initiatives and schemes named in the 2019 ESS strategy, with only the facts given there.

Source: ../shared/reference/est-ensemble.md (press report of 11 March 2019 on Est
Ensemble's ESS strategy). Nothing else is asserted: no dates, budgets, figures or energy
review. Their lifecycle status and energy review are for the ESS team to fill in, so they
are loaded as drafts (not shown to the public until staff complete and publish them).

`load_reference_initiatives()` is idempotent: records are matched on their slug.
"""

from django.db import transaction

from directory.models import Actor, Commune, PublicationStatus
from projects.models import Initiative, Involvement, Objective, Source, StrategyAxis

SOURCE_NOTE = "Source : présentation de la stratégie ESS d'Est Ensemble (compte rendu de presse du 11 mars 2019)."

# SIREN of Est Ensemble, the authority that runs its own schemes (reference file).
EST_ENSEMBLE_SIREN = "200057875"

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
        "partners": ["Les Canaux", "Paris 2024", "Solideo"],
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


def _find_actor(name_or_key: str) -> Actor | None:
    """A real organisation already in the directory, or None (it is never created here)."""
    if name_or_key == "est-ensemble":
        return Actor.objects.filter(siren=EST_ENSEMBLE_SIREN, is_fictional=False).order_by("pk").first()
    return Actor.objects.filter(name__iexact=name_or_key, is_fictional=False).order_by("pk").first()


@transaction.atomic
def load_reference_initiatives() -> int:
    """Create or update the real initiatives of the 2019 strategy; return how many were created.

    Fields staff may have completed since (status, health, dates, publication…) are left alone
    on existing records; only the facts of the reference file are refreshed.
    """
    territory = list(Commune.objects.in_territory())
    created_count = 0
    for spec in INITIATIVES:
        axis = StrategyAxis.objects.get(slug=spec["axis"])
        objective = Objective.objects.get(slug=spec["objective"]) if spec["objective"] else None
        initiative = Initiative.objects.filter(slug=spec["slug"]).first()
        created = initiative is None
        if created:
            initiative = Initiative(
                slug=spec["slug"], publication_status=PublicationStatus.DRAFT, source=Source.REFERENCE
            )
        initiative.title = spec["title"]
        initiative.axis = axis
        initiative.objective = objective
        initiative.kind = spec["kind"]
        initiative.summary = spec["summary"]
        initiative.description = f"{spec['description']}\n\n{SOURCE_NOTE}"
        lead = _find_actor(spec["lead"])
        if lead is not None:
            initiative.lead_actor = lead
        initiative.full_clean()
        initiative.save()
        if created:
            created_count += 1
            initiative.communes.set(territory)
        for name in ([spec["lead"]] if lead else []) + spec["partners"]:
            actor = lead if name == spec["lead"] else _find_actor(name)
            if actor is None:
                continue
            role = Involvement.Role.LEAD if actor == lead else Involvement.Role.PARTNER
            Involvement.objects.get_or_create(initiative=initiative, actor=actor, role=role)
    return created_count
