"""The search's first synonym groups: variants of the field's vocabulary (editable in the admin).

Idempotent: a group is matched on its terms; the reverse removes only these groups.
"""

from django.db import migrations

GROUPS = [
    ("recyclerie, ressourcerie", "Deux noms d'usage pour le même type de structure."),
    ("épicerie solidaire, épicerie sociale", "L'épicerie sociale est le nom d'usage des CCAS."),
    (
        "insertion, IAE, SIAE, insertion par l'activité économique, structure d'insertion, chantier d'insertion",
        "Insertion par l'activité économique et ses sigles.",
    ),
    ("réemploi, réutilisation, seconde main, occasion", "Donner une seconde vie aux objets."),
    ("tiers-lieu, tiers lieu, third place, lieu hybride", "Lieux partagés ouverts au public."),
    ("coopérative, scop, scic, coop", "Les formes coopératives."),
    ("réparation, repair café, repair cafe", "Ateliers de réparation."),
    ("vélo, cycle, bicyclette", "Mobilité à vélo."),
    ("agriculture urbaine, jardin partagé, ferme urbaine", "Jardiner et produire en ville."),
    ("inclusion numérique, médiation numérique", "Accompagner aux usages du numérique."),
    ("ESUS, entreprise solidaire d'utilité sociale", "L'agrément et son sigle."),
    ("friperie, vêtements d'occasion, textile", "Le textile de seconde main."),
]


def seed(apps, schema_editor):
    SearchSynonym = apps.get_model("directory", "SearchSynonym")
    for terms, note in GROUPS:
        SearchSynonym.objects.get_or_create(terms=terms, defaults={"note": note})


def unseed(apps, schema_editor):
    apps.get_model("directory", "SearchSynonym").objects.filter(terms__in=[terms for terms, _note in GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0018_search_synonyms"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
