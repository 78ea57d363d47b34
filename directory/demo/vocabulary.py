"""The demo's vocabulary: fictional places, names, profiles of actors and the plan of their offers."""

from dataclasses import dataclass

from directory.models import (
    Actor,
    Cooperation,
    SupportOffer,
)

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
