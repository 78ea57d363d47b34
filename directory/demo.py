"""A deterministic, visibly fictional demo directory: about 300 actors, 60 support offers, 150 cooperations.

Loaded by `python manage.py load_demo` (development only, never by migrations or in production).
Everything here is invented and says so: `is_fictional=True`, `source="demo"`, « (fictif) » in every
name and title, addresses such as « 12 rue de l'Exemple », e-mails at example.org, phone numbers in
the 01 99 00 xx xx range that ARCEP reserves for fiction, and no SIRET, SIREN or RNA number (a
made-up one could belong to a real organisation).

The same seed always gives the same data set. Loading is idempotent: actors are matched on
`source_id` (« demo:actor:17 »), offers on their slug, cooperations on (source, target, kind);
only what is missing is created, and nothing existing is changed.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from directory.history import Origin, provenance
from directory.models import (
    Actor,
    Commune,
    Contact,
    Cooperation,
    Label,
    Neighbourhood,
    PublicationStatus,
    Role,
    Sector,
    Stage,
    SupportOffer,
    Typology,
    base_slug,
)
from directory.reference import create_with_history

REASON = "Données de démonstration (fictives)"
SOURCE_ID = "demo:actor:{}"
FICTIONAL = " (fictif)"
ESS_STRUCTURES = 233

# INSEE code → (latitude, longitude of an approximate centre, spread in degrees, weight ~ population).
COMMUNES = {
    "93006": (48.8692, 2.4183, 0.004, 36),  # Bagnolet
    "93008": (48.9086, 2.4397, 0.006, 55),  # Bobigny
    "93010": (48.9022, 2.4828, 0.006, 54),  # Bondy
    "93045": (48.8800, 2.4190, 0.003, 23),  # Les Lilas
    "93048": (48.8611, 2.4437, 0.008, 111),  # Montreuil
    "93053": (48.8917, 2.4600, 0.005, 44),  # Noisy-le-Sec
    "93055": (48.8950, 2.4093, 0.005, 59),  # Pantin
    "93061": (48.8853, 2.4047, 0.002, 18),  # Le Pré-Saint-Gervais
    "93063": (48.8850, 2.4350, 0.004, 30),  # Romainville
}

STREETS = [
    "rue de l'Exemple",
    "avenue Imaginaire",
    "allée du Fictif",
    "place de la Démonstration",
    "impasse de l'Essai",
    "rue du Modèle",
    "boulevard de la Maquette",
    "sentier de l'Échantillon",
    "passage du Prototype",
    "rue de la Fiction",
]

QUALIFIERS = [
    "des Coteaux",
    "du Grand Chêne",
    "des Tilleuls",
    "de l'Aubépine",
    "des Lucioles",
    "du Colibri",
    "de la Passerelle",
    "des Hirondelles",
    "de la Fourmilière",
    "du Petit Pont",
    "des Glycines",
    "de la Source",
    "du Vieux Lavoir",
    "des Quatre Vents",
    "de la Clairière",
    "du Belvédère",
    "des Marronniers",
    "de la Ruche",
    "du Trèfle",
    "des Cerisiers",
    "de l'Îlot",
    "du Moulinet",
    "de la Boussole",
    "des Mésanges",
    "de la Sente",
    "des Rosiers",
    "du Préau",
    "de la Lanterne",
    "du Lierre",
    "de la Charmille",
    "du Sablier",
    "des Alouettes",
    "du Jardin d'hiver",
    "des Possibles",
    "de l'Horizon",
    "de la Courte Échelle",
    "du Fil rouge",
]

OPENING_HOURS = [
    "Mo-Fr 09:00-18:00",
    "Tu-Sa 10:00-19:00",
    "Mo-Fr 09:00-12:00,14:00-17:30",
    "We,Sa 14:00-18:00",
    "Mo-Fr 08:30-17:00; Sa 09:00-12:00",
    "Tu-Fr 10:00-18:00; Sa 10:00-17:00",
    "Th 18:00-21:00",
    "Sa 09:00-13:00",
    "Mo-Su 08:00-20:00",
    "Mo,Tu,Th,Fr 09:30-12:30",
]

FIRST_NAMES = [
    "Camille",
    "Dominique",
    "Claude",
    "Alex",
    "Sacha",
    "Charlie",
    "Morgan",
    "Lou",
    "Noa",
    "Andréa",
    "Yanis",
    "Inès",
    "Aminata",
    "Karim",
    "Mei",
    "Jordan",
]
LAST_NAMES = ["Exemple", "Fictif", "Démo", "Essai", "Modèle", "Prototype", "Maquette", "Échantillon"]
JOB_TITLES = [
    "Directrice",
    "Coordinateur",
    "Chargée de mission",
    "Président",
    "Trésorière",
    "Responsable d'atelier",
    "Gérant",
]


@dataclass(frozen=True)
class Profile:
    """What an ESS structure of a sector looks like: name stems, one-line summary, what it sells."""

    sector: str
    stems: tuple[str, ...]
    summary: str
    offer: str
    labels: tuple[str, ...] = ()


PROFILES = [
    Profile(
        "epicerie-solidaire",
        ("Épicerie solidaire", "Épicerie sociale"),
        "Épicerie où chacun paie selon ses moyens, avec des ateliers cuisine.",
        "Produits alimentaires et d'hygiène à prix solidaires ; paniers de saison ; ateliers cuisine.",
    ),
    Profile(
        "agriculture-urbaine",
        ("Ferme urbaine", "Jardin partagé", "Potager collectif"),
        "Culture de légumes en ville et animation d'un jardin ouvert aux habitants.",
        "Légumes et plants de saison ; ateliers de jardinage ; entretien d'espaces verts.",
    ),
    Profile(
        "restauration-solidaire",
        ("Traiteur solidaire", "Cantine de quartier", "Restaurant d'insertion"),
        "Cuisine de quartier qui forme et emploie des habitants.",
        "Plateaux-repas, buffets et cocktails pour entreprises et collectivités ; restauration sur place.",
        ("ei", "aci"),
    ),
    Profile(
        "ressourcerie",
        ("Ressourcerie", "Recyclerie"),
        "Collecte, remise en état et revente d'objets pour réduire les déchets.",
        "Collecte d'objets, boutique d'occasion, débarras, sensibilisation au réemploi.",
        ("aci",),
    ),
    Profile(
        "reparation",
        ("Repair café", "Atelier de réparation"),
        "Réparer ensemble plutôt que jeter.",
        "Réparation de petit électroménager et d'objets du quotidien ; ateliers d'autoréparation.",
    ),
    Profile(
        "textile",
        ("Atelier couture", "Friperie solidaire"),
        "Atelier textile qui donne une seconde vie aux vêtements.",
        "Retouches, confection de petites séries, vêtements de seconde main, linge professionnel.",
        ("aci", "ei"),
    ),
    Profile(
        "materiaux-construction",
        ("Matériauthèque", "Plateforme de réemploi"),
        "Récupération et revente de matériaux de construction de réemploi.",
        "Matériaux de réemploi ; diagnostics ressources avant démolition ; dépose soignée.",
        ("ei",),
    ),
    Profile(
        "insertion",
        ("Chantier d'insertion", "Régie de quartier", "Entreprise d'insertion"),
        "Emplois d'insertion et accompagnement vers l'emploi durable.",
        "Entretien d'espaces verts, nettoyage, petits travaux du bâtiment, avec des salariés en insertion.",
        ("aci", "ei", "ai", "etti"),
    ),
    Profile(
        "arts-vivants",
        ("Compagnie", "Collectif artistique", "Théâtre de poche"),
        "Création de spectacles et ateliers de pratique artistique.",
        "Spectacles, ateliers de pratique artistique, interventions en milieu scolaire.",
    ),
    Profile(
        "artisanat-art",
        ("Atelier d'artisans", "Céramistes associés"),
        "Artisans d'art réunis dans un atelier partagé.",
        "Objets d'artisanat, cours et stages, commandes sur mesure pour entreprises.",
    ),
    Profile(
        "sport",
        ("Club sportif", "Association sportive", "École de boxe"),
        "Sport pour tous, au pied des immeubles et en salle.",
        "Cours et stages sportifs, sport-santé, animations sportives dans les quartiers.",
    ),
    Profile(
        "education-populaire",
        ("Maison des jeunes", "Ludothèque", "Centre d'animation"),
        "Loisirs éducatifs, jeux et accompagnement des jeunes.",
        "Accueil de loisirs, accompagnement scolaire, prêt de jeux, animations de rue.",
    ),
    Profile(
        "habitat",
        ("Coopérative d'habitants", "Habitat participatif", "Auto-réhabilitation accompagnée"),
        "Habiter autrement : projets d'habitat coopératif et chantiers d'entraide.",
        "Accompagnement de projets d'habitat participatif ; chantiers d'auto-réhabilitation.",
    ),
    Profile(
        "velo",
        ("Atelier vélo", "Vélo-école"),
        "Atelier participatif de réparation et apprentissage du vélo.",
        "Réparation et vente de vélos d'occasion, apprentissage du vélo, livraisons à vélo.",
    ),
    Profile(
        "energie",
        ("Coopérative énergétique", "Collectif énergie citoyenne"),
        "Production d'énergie renouvelable par et pour les habitants.",
        "Installations photovoltaïques citoyennes, conseils en sobriété énergétique.",
    ),
    Profile(
        "inclusion-numerique",
        ("Espace numérique", "Fabrique numérique", "Atelier informatique solidaire"),
        "Accompagner chacun dans les usages numériques.",
        "Aide aux démarches en ligne, ordinateurs reconditionnés, formations au numérique.",
    ),
    Profile(
        "finance-solidaire",
        ("Club d'épargnants solidaires", "Tontine associative"),
        "Épargne de proximité au service des projets du quartier.",
        "Épargne solidaire investie dans les entreprises locales ; microcrédit entre membres.",
    ),
    Profile(
        "services-personne",
        ("Aide à domicile", "Crèche associative", "Centre de santé communautaire"),
        "Services de proximité pour les familles et les personnes âgées.",
        "Aide à domicile, garde d'enfants, prévention santé.",
        ("ea",),
    ),
    Profile(
        "commerce-equitable",
        ("Boutique équitable", "Torréfaction équitable"),
        "Produits issus du commerce équitable, vendus en circuit court.",
        "Café, thé, artisanat issus du commerce équitable ; coffrets pour entreprises.",
    ),
]


@dataclass(frozen=True)
class RoleProfile:
    """Actors that are not ESS structures themselves: support providers, funders, partners."""

    role: str
    count: int
    stems: tuple[str, ...]
    legal_forms: tuple[str, ...]
    ess_status: str
    summary: str
    offer: str
    size: tuple[int, int]


L = Actor.LegalForm
ROLE_PROFILES = [
    RoleProfile(
        "accompagnateur",
        18,
        (
            "Couveuse d'entreprises",
            "Incubateur",
            "Boutique de gestion",
            "Pôle d'accompagnement",
            "Fabrique à projets",
            "Coopérative d'activité et d'emploi",
        ),
        (L.ASSOCIATION, L.SCIC, L.CAE, L.COOPERATIVE),
        Actor.EssStatus.STATUTORY,
        "Accompagne les porteurs de projet de l'idée au changement d'échelle.",
        "Accompagnement individuel et collectif, formations, hébergement de projets.",
        (3, 25),
    ),
    RoleProfile(
        "financeur",
        8,
        (
            "Fonds de confiance",
            "Caisse solidaire",
            "Fondation",
            "Plateforme de prêts d'honneur",
            "Fonds territorial d'investissement",
            "Mutuelle de garantie",
        ),
        (L.ASSOCIATION, L.COOPERATIVE, L.FOUNDATION, L.MUTUAL),
        Actor.EssStatus.STATUTORY,
        "Finance les structures de l'ESS du territoire.",
        "Subventions, prêts d'honneur, garanties et apports en fonds propres.",
        (2, 30),
    ),
    RoleProfile(
        "reseau",
        8,
        (
            "Réseau des ressourceries",
            "Collectif des épiceries solidaires",
            "Pôle territorial de coopération",
            "Fédération des compagnies",
            "Union des structures d'insertion",
            "Réseau des tiers-lieux",
            "Collectif des jardins partagés",
            "Groupement d'employeurs",
        ),
        (L.ASSOCIATION,),
        Actor.EssStatus.STATUTORY,
        "Réseau qui fédère des structures de l'ESS et porte leur voix.",
        "Animation de réseau, mutualisation, représentation, veille sur les marchés publics.",
        (1, 8),
    ),
    RoleProfile(
        "acteur-public",
        4,
        (
            "Mission locale",
            "Maison de l'emploi",
            "Service municipal du développement économique",
            "Pépinière municipale d'entreprises",
        ),
        (L.PUBLIC_BODY,),
        Actor.EssStatus.PARTNER,
        "Service public local au contact des entreprises et des habitants.",
        "Orientation, aides locales, locaux, clauses sociales dans la commande publique.",
        (10, 80),
    ),
    RoleProfile(
        "bailleur-social",
        5,
        (
            "Office public de l'habitat",
            "Société coopérative d'HLM",
            "Foyer d'habitat social",
            "Entreprise sociale pour l'habitat",
            "Résidences sociales",
        ),
        (L.PUBLIC_BODY, L.COOPERATIVE, L.OTHER),
        Actor.EssStatus.PARTNER,
        "Bailleur social du territoire, qui loue des rez-de-chaussée à des structures de l'ESS.",
        "Logements sociaux ; locaux d'activité en pied d'immeuble ; occupations temporaires.",
        (50, 400),
    ),
    RoleProfile(
        "promoteur",
        4,
        ("Promotion immobilière", "Aménageur", "Foncière", "Constructeur"),
        (L.OTHER,),
        Actor.EssStatus.PARTNER,
        "Opérateur immobilier qui prévoit des rez-de-chaussée actifs dans ses programmes.",
        "Programmes immobiliers ; rez-de-chaussée actifs ; occupations temporaires de chantiers.",
        (5, 60),
    ),
    RoleProfile(
        "entreprise-classique",
        20,
        (
            "Boulangerie",
            "Imprimerie",
            "Garage",
            "Cabinet comptable",
            "Supérette",
            "Menuiserie",
            "Transports",
            "Agence de communication",
            "Laverie",
            "Bureau d'études",
        ),
        (L.OTHER,),
        Actor.EssStatus.PARTNER,
        "Entreprise du territoire qui travaille avec des structures de l'ESS.",
        "Produits et services aux particuliers et aux entreprises.",
        (1, 50),
    ),
]

K = SupportOffer.Kind
T = SupportOffer.TargetTypology
C = SupportOffer.Cost
# (kind, stages, provider role, title stem, target, cost, how many). Some stage × kind cells are
# left empty or thin on purpose: the support chain page shows them as gaps.
OFFER_PLAN = [
    (K.COACHING, ("emergence", "creation"), "accompagnateur", "Parcours d'émergence", T.ALL, C.FREE, 4),
    (K.COACHING, ("emergence",), "accompagnateur", "Permanence des porteurs de projet", T.MILITANT, C.FREE, 2),
    (K.COACHING, ("emergence", "creation"), "accompagnateur", "Incubation", T.ENTREPRENEURIAL, C.MIXED, 2),
    (K.COACHING, ("creation", "developpement"), "accompagnateur", "Accompagnement à la création", T.ALL, C.MIXED, 3),
    (
        K.COACHING,
        ("developpement", "consolidation"),
        "accompagnateur",
        "Diagnostic et plan de consolidation",
        T.ENTREPRENEURIAL,
        C.MIXED,
        2,
    ),
    (K.COACHING, ("consolidation",), "accompagnateur", "Appui aux structures en difficulté", T.ALL, C.FREE, 1),
    (K.COACHING, ("changement-echelle",), "accompagnateur", "Programme d'essaimage", T.ENTREPRENEURIAL, C.PAID, 1),
    (K.TRAINING, ("emergence",), "accompagnateur", "Formation « Tester son idée »", T.ALL, C.FREE, 2),
    (K.TRAINING, ("creation",), "reseau", "Formation à la gestion associative", T.MILITANT, C.FREE, 2),
    (K.TRAINING, ("developpement",), "reseau", "Formation à la fonction employeur", T.ALL, C.MIXED, 2),
    (K.TRAINING, ("consolidation",), "reseau", "Cycle de formation des dirigeants", T.ENTREPRENEURIAL, C.PAID, 1),
    (K.GRANT, ("emergence",), "financeur", "Bourse d'amorçage", T.ALL, C.FREE, 3),
    (K.GRANT, ("creation",), "financeur", "Subvention de démarrage", T.ALL, C.FREE, 3),
    (K.GRANT, ("developpement",), "acteur-public", "Aide au premier emploi", T.MILITANT, C.FREE, 3),
    (K.LOAN, ("creation",), "financeur", "Prêt d'honneur à taux zéro", T.ALL, C.FREE, 3),
    (K.LOAN, ("developpement",), "financeur", "Prêt participatif", T.ENTREPRENEURIAL, C.PAID, 2),
    (K.LOAN, ("consolidation",), "financeur", "Prêt de trésorerie", T.ALL, C.PAID, 1),
    (K.GUARANTEE, ("creation", "developpement"), "financeur", "Garantie de prêt bancaire", T.ALL, C.PAID, 2),
    (K.EQUITY, ("developpement",), "financeur", "Apport en fonds propres", T.ENTREPRENEURIAL, C.PAID, 1),
    (K.EQUITY, ("changement-echelle",), "financeur", "Fonds de changement d'échelle", T.ENTREPRENEURIAL, C.PAID, 1),
    (K.PREMISES, ("creation",), "bailleur-social", "Local en pied d'immeuble à loyer modéré", T.ALL, C.PAID, 3),
    (K.PREMISES, ("creation", "developpement"), "acteur-public", "Bureau en pépinière", T.ALL, C.PAID, 1),
    (K.PREMISES, ("creation",), "accompagnateur", "Poste de travail en tiers-lieu", T.ALL, C.PAID, 1),
    (K.PREMISES, ("developpement",), "promoteur", "Rez-de-chaussée actif", T.ALL, C.PAID, 2),
    (K.PREMISES, ("consolidation",), "bailleur-social", "Bail de longue durée", T.ALL, C.PAID, 1),
    (K.NETWORKING, ("emergence",), "reseau", "Café des porteurs de projet", T.MILITANT, C.FREE, 2),
    (K.NETWORKING, ("creation",), "reseau", "Rencontres des jeunes structures", T.ALL, C.FREE, 1),
    (K.NETWORKING, ("developpement",), "reseau", "Club des dirigeants", T.ENTREPRENEURIAL, C.MIXED, 2),
    (K.NETWORKING, ("consolidation",), "reseau", "Groupe d'entraide entre pairs", T.ALL, C.FREE, 1),
    (K.NETWORKING, ("changement-echelle",), "reseau", "Rencontres de la coopération", T.ALL, C.FREE, 1),
    (K.PUBLIC_PURCHASING, ("developpement",), "acteur-public", "Clauses sociales des marchés", T.ALL, C.FREE, 2),
    (
        K.PUBLIC_PURCHASING,
        ("consolidation",),
        "reseau",
        "Groupement pour répondre aux marchés publics",
        T.ENTREPRENEURIAL,
        C.FREE,
        2,
    ),
]

KIND_TEXT = {
    K.COACHING: "Un accompagnement par un ou une chargée de mission, en rendez-vous individuels et en ateliers.",
    K.TRAINING: "Des sessions de formation collective, en petits groupes.",
    K.GRANT: "Une subvention pour financer les premières dépenses du projet.",
    K.LOAN: "Un prêt pour financer l'investissement ou le besoin en fonds de roulement.",
    K.GUARANTEE: "Une garantie qui facilite l'obtention d'un prêt bancaire.",
    K.EQUITY: "Un apport en fonds propres ou quasi-fonds propres.",
    K.PREMISES: "Des locaux d'activité à loyer adapté.",
    K.NETWORKING: "Des rencontres régulières entre structures pour se connaître et coopérer.",
    K.PUBLIC_PURCHASING: "Un appui pour accéder à la commande publique.",
}

COOPERATION_TEXT = {
    Cooperation.Kind.PARTNERSHIP: "Partenariat fictif autour d'actions communes dans le quartier.",
    Cooperation.Kind.MEMBERSHIP: "Adhésion fictive au réseau.",
    Cooperation.Kind.SUPPLY: "Relation commerciale fictive : achats réguliers de produits ou de services.",
    Cooperation.Kind.SHARED_PROJECT: "Projet commun fictif, monté pour répondre à un appel à projets.",
    Cooperation.Kind.POOLING: "Mutualisation fictive d'un local, d'un véhicule ou d'un poste.",
}


@dataclass
class PlannedActor:
    n: int
    name: str
    role: str
    fields: dict
    sectors: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    commune: str | None = None
    neighbourhood: str | None = None
    communes_served: list[str] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _phone(number: int) -> str:
    # ARCEP reserves 01 99 00 00 00 to 01 99 00 99 99 for works of fiction.
    return f"01 99 00 {number // 100 % 100:02d} {number % 100:02d}"


def _plan_actors(rng: random.Random, neighbourhoods: dict[str, list[str]]) -> list[PlannedActor]:
    """Decide every demo actor from the seed alone (no database state), so the set is reproducible."""
    communes = sorted(COMMUNES)
    commune_weights = {code: COMMUNES[code][3] for code in communes}
    names: set[str] = set()

    def new_name(stems) -> str:
        while True:
            name = f"{rng.choice(stems)} {rng.choice(QUALIFIERS)}{FICTIONAL}"
            if name not in names:
                names.add(name)
                return name

    plans: list[PlannedActor] = []

    def locate(plan: PlannedActor, *, whole_territory: bool, without_premises: bool = False) -> None:
        f = plan.fields
        f["serves_whole_territory"] = whole_territory
        if without_premises:
            return
        code = _weighted(rng, commune_weights)
        lat, lon, spread, _weight = COMMUNES[code]
        plan.commune = code
        f["address"] = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        f["latitude"] = Decimal(f"{lat + rng.uniform(-spread, spread):.6f}")
        f["longitude"] = Decimal(f"{lon + rng.uniform(-spread, spread):.6f}")
        if neighbourhoods.get(code) and rng.random() < 0.25:
            plan.neighbourhood = rng.choice(neighbourhoods[code])
        if not whole_territory:
            served = {code}
            if rng.random() < 0.3:
                served.update(rng.sample(communes, rng.randint(1, 2)))
            plan.communes_served = sorted(served)

    def describe(plan: PlannedActor, summary: str, offer: str) -> None:
        f = plan.fields
        f["short_description"] = f"{summary} Structure fictive de démonstration."
        f["description"] = (
            f"{plan.name} n'existe pas : c'est une fiche fictive qui illustre le portail de l'ESS d'Est Ensemble. "
            f"{summary}\n\nToute ressemblance avec une structure existante serait fortuite."
        )
        f["offer"] = offer

    def contact_points(plan: PlannedActor) -> None:
        f = plan.fields
        slug = base_slug(plan.name, max_length=40)
        if rng.random() < 0.8:
            f["email"] = f"{slug}@example.org"
        if rng.random() < 0.7:
            f["phone"] = _phone(plan.n)
        if rng.random() < 0.6:
            f["website"] = f"https://example.org/{slug}/"
        if rng.random() < 0.7:
            f["opening_hours"] = rng.choice(OPENING_HOURS)
        if rng.random() < 0.6:
            f["last_verified_at"] = date(2025, 1, 1) + timedelta(days=rng.randint(0, 540))
        for k in range(rng.choice([0, 1, 1, 2])):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            public = rng.random() < 0.4
            plan.contacts.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "job_title": rng.choice(JOB_TITLES),
                    "email": f"{_ascii(first)}.{_ascii(last)}.{plan.n}-{k}@example.org",
                    "phone": _phone(5000 + plan.n * 2 + k) if rng.random() < 0.5 else "",
                    "is_public": public,
                    "consent_date": date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)) if public else None,
                }
            )

    def status(plan: PlannedActor, weights: dict) -> None:
        plan.fields["status"] = _weighted(rng, weights)

    # ESS structures, the bulk of the directory.
    for _ in range(ESS_STRUCTURES):
        n = len(plans) + 1
        profile = rng.choice(PROFILES)
        typology = _weighted(rng, {Typology.ENTREPRENEURIAL: 45, Typology.MILITANT: 45, Typology.UNDETERMINED: 10})
        if typology == Typology.ENTREPRENEURIAL:
            forms = {L.ASSOCIATION: 30, L.SCOP: 15, L.SCIC: 12, L.CAE: 3, L.COOPERATIVE: 6, L.MUTUAL: 3}
            forms |= {L.FOUNDATION: 3, L.ESS_COMPANY: 18}
        elif typology == Typology.MILITANT:
            forms = {L.ASSOCIATION: 85, L.SCIC: 3, L.COOPERATIVE: 4, L.FOUNDATION: 2, L.SCOP: 3, L.ESS_COMPANY: 3}
        else:
            forms = {L.ASSOCIATION: 60, L.SCOP: 10, L.SCIC: 10, L.COOPERATIVE: 10, L.ESS_COMPANY: 10}
        legal_form = _weighted(rng, forms)
        if legal_form == L.ESS_COMPANY:
            ess_status = Actor.EssStatus.ESUS if rng.random() < 0.6 else Actor.EssStatus.STATUTORY
        else:
            ess_status = Actor.EssStatus.ESUS if rng.random() < 0.12 else Actor.EssStatus.STATUTORY
        plan = PlannedActor(
            n=n,
            name=new_name(profile.stems),
            role="structure-ess",
            fields={"legal_form": legal_form, "ess_status": ess_status, "typology": typology},
        )
        plan.sectors = [profile.sector]
        if rng.random() < 0.3:
            other = rng.choice(PROFILES).sector
            if other != profile.sector:
                plan.sectors.append(other)
        if ess_status == Actor.EssStatus.ESUS:
            plan.labels.append("esus")
        if profile.labels and (profile.sector == "insertion" or rng.random() < 0.3):
            plan.labels.append(rng.choice(profile.labels))
        if rng.random() < 0.06:
            plan.labels.append("tiers-lieu")
        if rng.random() < 0.05:
            plan.labels.append("laureat-trophees-ess")
        f = plan.fields
        if rng.random() < 0.9:
            if typology == Typology.ENTREPRENEURIAL:
                employees = rng.randint(3, 60)
                f["volunteers"] = rng.randint(0, 15)
            else:
                employees = rng.choice([0, 0, 1, 1, 2, 3, 4, 6])
                f["volunteers"] = rng.randint(5, 80)
            f["employees"] = employees
            f["fte"] = Decimal(f"{employees * rng.uniform(0.5, 0.95):.1f}")
            f["founded_year"] = rng.randint(1975, 2024)
        locate(plan, whole_territory=rng.random() < 0.08)
        describe(plan, profile.summary, profile.offer)
        contact_points(plan)
        status(
            plan,
            {
                PublicationStatus.PUBLISHED: 85,
                PublicationStatus.PENDING: 6,
                PublicationStatus.DRAFT: 5,
                PublicationStatus.ARCHIVED: 4,
            },
        )
        if f["status"] == PublicationStatus.DRAFT and rng.random() < 0.5:
            # An unfinished draft: the admin shows what is missing before it may be published.
            f["short_description"] = f["description"] = ""
        plans.append(plan)

    # Support providers, funders, networks and the ESS's partners.
    for profile in ROLE_PROFILES:
        for i in range(profile.count):
            n = len(plans) + 1
            plan = PlannedActor(
                n=n,
                name=new_name(profile.stems),
                role=profile.role,
                fields={
                    "legal_form": profile.legal_forms[i % len(profile.legal_forms)],
                    "ess_status": profile.ess_status,
                    "typology": Typology.UNDETERMINED,
                    "status": PublicationStatus.PUBLISHED,
                },
            )
            if plan.fields["legal_form"] == L.CAE:
                plan.name = plan.name.replace("Coopérative d'activité et d'emploi", "CAE")
            low, high = profile.size
            plan.fields["employees"] = rng.randint(low, high)
            plan.fields["fte"] = Decimal(f"{plan.fields['employees'] * rng.uniform(0.7, 0.95):.1f}")
            plan.fields["founded_year"] = rng.randint(1950, 2020)
            if profile.role in ("reseau", "accompagnateur"):
                plan.fields["volunteers"] = rng.randint(0, 20)
            partner = profile.role in ("bailleur-social", "promoteur", "entreprise-classique")
            if partner:
                plan.sectors = [] if rng.random() < 0.5 else [rng.choice(PROFILES).sector]
            elif profile.role == "financeur":
                plan.sectors = ["finance-solidaire"]
            # A few networks and funders have no premises of their own: no commune, the whole territory.
            without_premises = profile.role in ("reseau", "financeur") and i < 2
            locate(
                plan,
                whole_territory=profile.role in ("accompagnateur", "financeur", "reseau", "bailleur-social"),
                without_premises=without_premises,
            )
            describe(plan, profile.summary, profile.offer)
            contact_points(plan)
            plans.append(plan)
    return plans


def _plan_cooperations(rng: random.Random, plans: list[PlannedActor]) -> list[tuple[int, int, str, bool, date, str]]:
    by_role: dict[str, list[PlannedActor]] = {}
    for plan in plans:
        by_role.setdefault(plan.role, []).append(plan)
    ess = by_role["structure-ess"]
    K2 = Cooperation.Kind
    quotas = [
        # (kind, how many, source pool, target pool, share formalised)
        (K2.MEMBERSHIP, 40, ess, by_role["reseau"], 0.8),
        (K2.SUPPLY, 25, ess, by_role["entreprise-classique"], 0.6),
        (K2.SUPPLY, 10, ess, ess, 0.5),
        (K2.PARTNERSHIP, 25, ess, ess, 0.4),
        (K2.PARTNERSHIP, 10, ess, by_role["acteur-public"] + by_role["bailleur-social"], 0.7),
        (K2.SHARED_PROJECT, 15, ess, ess, 0.5),
        (K2.SHARED_PROJECT, 10, ess, by_role["promoteur"] + by_role["bailleur-social"], 0.6),
        (K2.POOLING, 15, ess, ess, 0.25),
    ]
    seen: set[tuple[int, int, str]] = set()
    planned = []
    for kind, count, sources, targets, formal_share in quotas:
        made = 0
        while made < count:
            source, target = rng.choice(sources), rng.choice(targets)
            if kind == K2.POOLING:
                # Pooling premises or staff happens between neighbours.
                target = rng.choice([p for p in ess if p.commune == source.commune] or ess)
            key = (source.n, target.n, kind)
            if source.n == target.n or key in seen or (target.n, source.n, kind) in seen:
                continue
            seen.add(key)
            since = date(rng.randint(2008, 2025), rng.randint(1, 12), 1)
            planned.append((source.n, target.n, kind, rng.random() < formal_share, since, COOPERATION_TEXT[kind]))
            made += 1
    return planned


def _plan_offers(rng: random.Random, plans: list[PlannedActor]) -> list[dict]:
    pools: dict[str, list[PlannedActor]] = {}
    for plan in plans:
        pools.setdefault(plan.role, []).append(plan)
    cursors = dict.fromkeys(pools, 0)
    for role in pools:
        rng.shuffle(pools[role])
    offers = []
    for kind, stages, role, stem, target, cost, count in OFFER_PLAN:
        for _ in range(count):
            # Round-robin over the providers of a role: the same stem never goes twice to one provider.
            provider = pools[role][cursors[role] % len(pools[role])]
            cursors[role] += 1
            title = f"{stem} — {provider.name.removesuffix(FICTIONAL)}{FICTIONAL}"
            local = kind == K.PREMISES or role == "acteur-public" or rng.random() < 0.1
            communes = [provider.commune] if provider.commune else sorted(rng.sample(sorted(COMMUNES), 2))
            offers.append(
                {
                    "provider": provider.n,
                    "title": title,
                    "slug": base_slug(title, max_length=220),
                    "kind": kind,
                    "stages": list(stages),
                    "target_typology": target,
                    "cost": cost,
                    "whole_territory": not local,
                    "communes": communes if local else [],
                    "sectors": [rng.choice(PROFILES).sector] if kind == K.GRANT and rng.random() < 0.3 else [],
                    "description": f"{KIND_TEXT[kind]} Offre fictive de démonstration.",
                    "eligibility": "Structures de l'ESS implantées sur le territoire (conditions fictives).",
                    "url": f"https://example.org/offres/{base_slug(title, max_length=80)}/",
                    "status": _weighted(
                        rng,
                        {PublicationStatus.PUBLISHED: 90, PublicationStatus.DRAFT: 5, PublicationStatus.PENDING: 5},
                    ),
                }
            )
    return offers


# Fictional records made by `manage.py load_demo`: their history says so.
@provenance(Origin.COMMAND, detail="load_demo")
@transaction.atomic
def load_directory_demo(*, seed: int = 2019) -> dict[str, int]:
    """Create the fictional demo directory (actors, contacts, offers, cooperations) where missing.

    Needs the reference vocabularies of migration 0002. Returns what was created: {label: number}.
    """
    rng = random.Random(seed)
    neighbourhoods: dict[str, list[str]] = {}
    for slug, insee in Neighbourhood.objects.values_list("slug", "communes__insee_code").order_by("slug"):
        if insee:
            neighbourhoods.setdefault(insee, []).append(slug)
    plans = _plan_actors(rng, neighbourhoods)
    cooperations = _plan_cooperations(rng, plans)
    offers = _plan_offers(rng, plans)

    communes = {c.insee_code: c for c in Commune.objects.all()}
    hoods = {h.slug: h for h in Neighbourhood.objects.all()}
    sector_ids = dict(Sector.objects.values_list("slug", "pk"))
    label_ids = dict(Label.objects.values_list("slug", "pk"))
    role_ids = dict(Role.objects.values_list("slug", "pk"))
    stage_ids = dict(Stage.objects.values_list("slug", "pk"))

    # Actors, with their many-to-many links and contacts.
    existing = dict(
        Actor.objects.filter(source=Actor.Source.DEMO, source_id__startswith="demo:actor:").values_list(
            "source_id", "pk"
        )
    )
    missing = [plan for plan in plans if SOURCE_ID.format(plan.n) not in existing]
    actors = []
    for plan in missing:
        actor = Actor(
            name=plan.name,
            source=Actor.Source.DEMO,
            source_id=SOURCE_ID.format(plan.n),
            is_fictional=True,
            commune=communes[plan.commune] if plan.commune else None,
            postal_code=communes[plan.commune].postal_codes[0] if plan.commune else "",
            neighbourhood=hoods[plan.neighbourhood] if plan.neighbourhood else None,
            **plan.fields,
        )
        # Field and row rules run here; constraints are left to the database, which enforces them all
        # (checking them in Python costs one query each and doubles the loading time).
        actor.full_clean(validate_constraints=False)
        actors.append(actor)
    create_with_history(
        actors,
        m2m={
            "roles": [[role_ids[p.role]] for p in missing],
            "sectors": [[sector_ids[s] for s in p.sectors] for p in missing],
            "labels": [[label_ids[s] for s in p.labels] for p in missing],
            "communes_served": [[communes[c].pk for c in p.communes_served] for p in missing],
        },
        reason=REASON,
    )
    contacts = []
    for plan, actor in zip(missing, actors, strict=True):
        for values in plan.contacts:
            contact = Contact(actor=actor, **values)
            contact.full_clean(validate_constraints=False)
            contacts.append(contact)
    create_with_history(contacts, reason=REASON)
    ids = existing | {actor.source_id: actor.pk for actor in actors}

    def actor_id(n: int) -> int:
        return ids[SOURCE_ID.format(n)]

    # Support offers.
    existing_offers = set(
        SupportOffer.objects.filter(slug__in=[o["slug"] for o in offers]).values_list("slug", flat=True)
    )
    new_offers, offer_plans = [], []
    for values in offers:
        if values["slug"] in existing_offers:
            continue
        offer = SupportOffer(
            provider_id=actor_id(values["provider"]),
            is_fictional=True,
            **{k: v for k, v in values.items() if k not in ("provider", "stages", "communes", "sectors")},
        )
        offer.full_clean(exclude=["provider"], validate_constraints=False)
        new_offers.append(offer)
        offer_plans.append(values)
    create_with_history(
        new_offers,
        m2m={
            "stages": [[stage_ids[s] for s in v["stages"]] for v in offer_plans],
            "communes": [[communes[c].pk for c in v["communes"]] for v in offer_plans],
            "sectors": [[sector_ids[s] for s in v["sectors"]] for v in offer_plans],
        },
        reason=REASON,
    )

    # Cooperations.
    demo_ids = set(ids.values())
    existing_links = set(
        Cooperation.objects.filter(source_id__in=demo_ids, target_id__in=demo_ids).values_list(
            "source_id", "target_id", "kind"
        )
    )
    new_links = []
    for source, target, kind, is_formal, since, description in cooperations:
        key = (actor_id(source), actor_id(target), kind)
        if key in existing_links:
            continue
        link = Cooperation(
            source_id=key[0], target_id=key[1], kind=kind, is_formal=is_formal, since=since, description=description
        )
        link.full_clean(exclude=["source", "target"], validate_constraints=False)
        new_links.append(link)
    create_with_history(new_links, reason=REASON)
    return {
        "acteurs fictifs": len(actors),
        "contacts fictifs": len(contacts),
        "offres fictives": len(new_offers),
        "coopérations fictives": len(new_links),
    }
