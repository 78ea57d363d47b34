"""Territory reference data and the directory's vocabularies.

Idempotent: rows are matched on their public key (INSEE code, slug) and updated in place.
Sources: ../shared/reference/est-ensemble.md (communes, INSEE and postal codes, NPNRU
neighbourhoods named in public sources; QPV codes left empty as they are not given there).
"""

from django.db import migrations

COMMUNES = [
    # (INSEE code, name, slug, postal codes)
    ("93006", "Bagnolet", "bagnolet", ["93170"]),
    ("93008", "Bobigny", "bobigny", ["93000"]),
    ("93010", "Bondy", "bondy", ["93140"]),
    ("93045", "Les Lilas", "les-lilas", ["93260"]),
    ("93048", "Montreuil", "montreuil", ["93100"]),
    ("93053", "Noisy-le-Sec", "noisy-le-sec", ["93130"]),
    ("93055", "Pantin", "pantin", ["93500"]),
    ("93061", "Le Pré-Saint-Gervais", "le-pre-saint-gervais", ["93310"]),
    ("93063", "Romainville", "romainville", ["93230"]),
]

NEIGHBOURHOODS = [
    # (slug, name, NPNRU status, commune INSEE codes, description)
    (
        "la-noue-malassis-le-plateau",
        "La Noue – Malassis – Le Plateau",
        "national",
        ["93048", "93006"],
        "Quartier retenu au NPNRU (intérêt national), à cheval sur Montreuil et Bagnolet.",
    ),
    (
        "quatre-chemins",
        "Quatre-Chemins",
        "national",
        ["93055"],
        "Quartier retenu au NPNRU (intérêt national), partagé avec Aubervilliers, hors du territoire.",
    ),
    (
        "bondy-nord",
        "Bondy Nord",
        "national",
        ["93010"],
        "Noue Caillet, Terre Saint-Blaise, Merisiers, Pont de Bondy, De Lattre de Tassigny : "
        "projet NPNRU d'intérêt national.",
    ),
    ("bondy-blanqui", "Bondy-Blanqui", "regional", ["93010"], "Projet NPNRU d'intérêt régional."),
    (
        "bondy-villemomble",
        "Bondy-Villemomble",
        "regional",
        ["93010"],
        "Projet NPNRU d'intérêt régional, partagé avec Villemomble, hors du territoire.",
    ),
    (
        "l-abreuvoir",
        "L'Abreuvoir",
        "national",
        ["93008"],
        "Quartier retenu au NPNRU (intérêt national, arrêté du 29 avril 2015).",
    ),
    ("le-londeau", "Le Londeau", "unspecified", ["93053"], "Cité comme quartier NPNRU par une source tierce."),
    (
        "centre-ville-bethisy",
        "Centre-ville Béthisy",
        "unspecified",
        ["93053"],
        "Cité comme quartier NPNRU par une source tierce.",
    ),
    ("gagarine", "Gagarine", "unspecified", ["93063"], "Cité comme quartier NPNRU dans les sources publiques."),
]

SECTORS = [
    # (slug, name, children [(slug, name)])
    (
        "alimentation",
        "Alimentation durable",
        [
            ("epicerie-solidaire", "Épicerie solidaire"),
            ("agriculture-urbaine", "Agriculture urbaine"),
            ("restauration-solidaire", "Restauration et traiteur solidaires"),
        ],
    ),
    (
        "reemploi-economie-circulaire",
        "Réemploi et économie circulaire",
        [
            ("ressourcerie", "Ressourcerie et recyclerie"),
            ("reparation", "Réparation"),
            ("textile", "Textile"),
            ("materiaux-construction", "Réemploi des matériaux de construction"),
        ],
    ),
    ("insertion", "Insertion par l'activité économique", []),
    ("culture", "Culture et création", [("arts-vivants", "Arts vivants"), ("artisanat-art", "Artisanat d'art")]),
    ("sport", "Sport", []),
    ("education-populaire", "Éducation populaire et jeunesse", []),
    ("habitat", "Logement et habitat", []),
    ("mobilite", "Mobilité", [("velo", "Vélo")]),
    ("energie", "Énergie et transition énergétique", []),
    ("inclusion-numerique", "Inclusion numérique", []),
    ("finance-solidaire", "Finance solidaire", []),
    ("services-personne", "Services à la personne et santé", []),
    ("commerce-equitable", "Commerce équitable", []),
]

LABELS = [
    # (slug, name, kind)
    ("esus", "Agrément ESUS (entreprise solidaire d'utilité sociale)", "approval"),
    ("aci", "Atelier et chantier d'insertion (ACI)", "work_integration"),
    ("ei", "Entreprise d'insertion (EI)", "work_integration"),
    ("etti", "Entreprise de travail temporaire d'insertion (ETTI)", "work_integration"),
    ("ai", "Association intermédiaire (AI)", "work_integration"),
    ("ea", "Entreprise adaptée (EA)", "other"),
    ("tiers-lieu", "Tiers-lieu", "place"),
    ("laureat-trophees-ess", "Lauréat des Trophées de l'ESS", "award"),
]

ROLES = [
    ("structure-ess", "Structure de l'ESS"),
    ("accompagnateur", "Structure d'accompagnement"),
    ("financeur", "Financeur"),
    ("reseau", "Réseau"),
    ("acteur-public", "Acteur public"),
    ("bailleur-social", "Bailleur social"),
    ("promoteur", "Promoteur immobilier"),
    ("entreprise-classique", "Entreprise classique"),
]

STAGES = [
    ("emergence", "Émergence", "L'idée prend forme : étude de besoins, premières rencontres."),
    ("creation", "Création", "Immatriculation, premiers financements, premiers clients."),
    ("developpement", "Développement", "L'activité grandit : recrutements, nouveaux marchés."),
    ("consolidation", "Consolidation", "Stabiliser le modèle économique et l'équipe."),
    ("changement-echelle", "Changement d'échelle", "Essaimer, se regrouper, changer de dimension."),
]


def load(apps, schema_editor):
    Commune = apps.get_model("directory", "Commune")
    Neighbourhood = apps.get_model("directory", "Neighbourhood")
    Sector = apps.get_model("directory", "Sector")
    Label = apps.get_model("directory", "Label")
    Role = apps.get_model("directory", "Role")
    Stage = apps.get_model("directory", "Stage")

    communes = {}
    for insee, name, slug, postal_codes in COMMUNES:
        communes[insee], _ = Commune.objects.update_or_create(
            insee_code=insee,
            defaults={
                "name": name,
                "slug": slug,
                "postal_codes": postal_codes,
                "department_code": "93",
                "in_territory": True,
            },
        )
    for slug, name, status, insee_codes, description in NEIGHBOURHOODS:
        neighbourhood, _ = Neighbourhood.objects.update_or_create(
            slug=slug, defaults={"name": name, "npnru_status": status, "description": description}
        )
        neighbourhood.communes.set([communes[code] for code in insee_codes])
    for position, (slug, name, children) in enumerate(SECTORS):
        parent, _ = Sector.objects.update_or_create(
            slug=slug, defaults={"name": name, "parent": None, "position": position}
        )
        for child_position, (child_slug, child_name) in enumerate(children):
            Sector.objects.update_or_create(
                slug=child_slug, defaults={"name": child_name, "parent": parent, "position": child_position}
            )
    for slug, name, kind in LABELS:
        Label.objects.update_or_create(slug=slug, defaults={"name": name, "kind": kind})
    for position, (slug, name) in enumerate(ROLES):
        Role.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})
    for position, (slug, name, description) in enumerate(STAGES):
        Stage.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position, "description": description}
        )


def unload(apps, schema_editor):
    apps.get_model("directory", "Stage").objects.filter(slug__in=[s[0] for s in STAGES]).delete()
    apps.get_model("directory", "Role").objects.filter(slug__in=[r[0] for r in ROLES]).delete()
    apps.get_model("directory", "Label").objects.filter(slug__in=[label[0] for label in LABELS]).delete()
    Sector = apps.get_model("directory", "Sector")
    Sector.objects.filter(parent__isnull=False, slug__in=[c[0] for s in SECTORS for c in s[2]]).delete()
    Sector.objects.filter(slug__in=[s[0] for s in SECTORS]).delete()
    apps.get_model("directory", "Neighbourhood").objects.filter(slug__in=[n[0] for n in NEIGHBOURHOODS]).delete()
    apps.get_model("directory", "Commune").objects.filter(insee_code__in=[c[0] for c in COMMUNES]).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
