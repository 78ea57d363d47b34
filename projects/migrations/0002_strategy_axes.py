"""The lines of the 2019 ESS strategy, their objectives, and the criteria of the energy review.

Idempotent: rows are matched on their slug and updated in place.
Source of the axes: ../shared/reference/est-ensemble.md (press report of 11 March 2019
on Est Ensemble's ESS strategy). The energy criteria are the review's own vocabulary.
"""

from django.db import migrations

AXES = [
    # (number, slug, title, summary)
    (
        1,
        "initiatives-a-impact",
        "Développer les initiatives à impact social et environnemental",
        "Aider au développement d'initiatives à impact social et environnemental.",
    ),
    (
        2,
        "accompagnement-entrepreneurial",
        "Renforcer l'accompagnement entrepreneurial et le rendre plus visible",
        "Renforcer l'accompagnement entrepreneurial et le rendre plus lisible pour les acteurs.",
    ),
    (
        3,
        "cooperation-entreprises",
        "Favoriser la coopération avec les entreprises classiques",
        "Encourager la coopération entre les acteurs de l'ESS et les entreprises classiques du territoire.",
    ),
    (
        4,
        "structurer-offre-politiques-publiques-jeux-2024",
        "Structurer l'offre des acteurs pour les politiques publiques et les Jeux de 2024",
        "Communiquer avec les acteurs de l'ESS pour qu'ils structurent leur offre en réponse aux politiques "
        "publiques du territoire et aux Jeux olympiques et paralympiques de Paris 2024.",
    ),
    (
        5,
        "ess-outil-urbanisme",
        "Faire de l'ESS un outil d'aménagement et de promotion du territoire",
        "Occupations temporaires, ESS dans le renouvellement urbain (NPNRU) et la revitalisation, "
        "immobilier négocié et rez-de-chaussée actifs.",
    ),
]

OBJECTIVES = [
    # (axis slug, position, slug, title, description)
    (
        "ess-outil-urbanisme",
        1,
        "occupations-temporaires",
        "Occupations temporaires",
        "Les occupations éphémères comme laboratoire et vitrine de l'innovation sociale pendant la préparation "
        "des projets urbains.",
    ),
    (
        "ess-outil-urbanisme",
        2,
        "ess-npnru-revitalisation",
        "ESS dans le renouvellement urbain et la revitalisation",
        "Des projets d'ESS dans les programmes NPNRU (en dialogue avec les bailleurs sociaux) et dans les "
        "stratégies de revitalisation urbaine.",
    ),
    (
        "ess-outil-urbanisme",
        3,
        "immobilier-negocie-rez-de-chaussee-actifs",
        "Immobilier négocié et rez-de-chaussée actifs",
        "Des rez-de-chaussée actifs et de l'immobilier négocié, en dialogue avec les promoteurs.",
    ),
]

ENERGY_CRITERIA = [
    # (slug, name, description)
    ("sobriete-energetique", "Sobriété énergétique", "Réduire les besoins d'énergie de l'activité et des usages."),
    (
        "performance-batiment",
        "Performance du bâtiment",
        "Isolation, chauffage, ventilation : état et amélioration des locaux occupés.",
    ),
    ("energies-renouvelables", "Énergies renouvelables", "Part d'énergie renouvelable produite ou achetée."),
    ("mobilite-bas-carbone", "Mobilité bas carbone", "Accès en transports en commun, vélo, logistique décarbonée."),
    ("reemploi-circularite", "Réemploi et économie circulaire", "Matériaux de réemploi, réduction et tri des déchets."),
    ("alimentation-durable", "Alimentation durable", "Circuits courts, produits de saison, lutte contre le gaspillage."),
    ("adaptation-climat", "Adaptation au changement climatique", "Îlots de fraîcheur, végétalisation, gestion de l'eau."),
]


def seed(apps, schema_editor):
    StrategyAxis = apps.get_model("projects", "StrategyAxis")
    Objective = apps.get_model("projects", "Objective")
    EnergyCriterion = apps.get_model("projects", "EnergyCriterion")
    for number, slug, title, summary in AXES:
        StrategyAxis.objects.update_or_create(slug=slug, defaults={"number": number, "title": title, "summary": summary})
    for axis_slug, position, slug, title, description in OBJECTIVES:
        Objective.objects.update_or_create(
            slug=slug,
            defaults={
                "axis": StrategyAxis.objects.get(slug=axis_slug),
                "position": position,
                "title": title,
                "description": description,
            },
        )
    for position, (slug, name, description) in enumerate(ENERGY_CRITERIA):
        EnergyCriterion.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position, "description": description}
        )


def unseed(apps, schema_editor):
    apps.get_model("projects", "EnergyCriterion").objects.filter(slug__in=[c[0] for c in ENERGY_CRITERIA]).delete()
    apps.get_model("projects", "Objective").objects.filter(slug__in=[o[2] for o in OBJECTIVES]).delete()
    apps.get_model("projects", "StrategyAxis").objects.filter(slug__in=[a[1] for a in AXES]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
