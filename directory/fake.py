"""Fictional directory data at scale (`manage.py generate_fake`): communes, actors, offers, cooperations.

Everything is drawn from one `random.Random(seed)` and fixed dates derived from the seed, in a
fixed order: the same seed on the same database gives the same rows. Every record is marked
fictional (`is_fictional=True`, names ending in « (fictif) », phone numbers in the range ARCEP
keeps for works of fiction, addresses at example.org).

Communes: the nine communes of the territory (migration 0002) and fictional communes named like
French ones, with accents (« Saint-Aubin-des-Prés (fictif) »), whose INSEE and postal codes start
with 99 — a range of the official geographic code that holds no French commune — so that they can
never be taken for real ones. Their centres lie in metropolitan France.

Texts are built from sentence patterns and a few hundred words of the field, the words drawn with
a Zipf-like law and each actor's sectors giving their own words, so that a word matches a share of
the table close to what it would in a real directory. Two words are placed on purpose, for the
benchmark's searches: `COMMON_TERM` in about a third of the actors' texts, `SELECTIVE_TERM` in
fewer than one in a thousand. Neither is used anywhere else (names, other words, vocabularies).

Search columns are filled as the application fills them: each actor goes through
`Actor.normalise()` (SIREN, search text, completeness, publication date) and, on PostgreSQL, the
search trigger of migration 0006 computes its vector as the rows are copied.
"""

import datetime
import random
from array import array
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from types import SimpleNamespace

from django.db import models

from directory.bulk import BulkWriter, HistoryStamp, ModelRows
from directory.demo.vocabulary import COMMUNES as TERRITORY_CENTRES
from directory.demo.vocabulary import OPENING_HOURS
from directory.models import (
    RESERVED_SLUGS,
    Actor,
    Commune,
    Cooperation,
    Label,
    Neighbourhood,
    Presence,
    PublicationStatus,
    Role,
    Sector,
    Stage,
    SupportOffer,
    Typology,
    base_slug,
)
from directory.quality import completeness
from directory.search import SEARCHED_FIELDS_ORDER, normalize_search_text

# The benchmark's search terms (`Actor.objects.search(...)`): a word of about a third of the actors'
# texts, and one of fewer than one actor in a thousand. « solidaire » names nothing on its own in
# the search vocabulary (it is one of `directory.search.GENERIC_WORDS`), so only texts match it.
COMMON_TERM = "solidaire"
COMMON_SHARE = 1 / 3
SELECTIVE_TERM = "marqueterie"
SELECTIVE_SHARE = 0.0004

FICTIONAL = " (fictif)"
SOURCE_ID_PREFIX = "fake:"
HISTORY_DETAIL = "generate_fake"
# Fictional communes: INSEE and postal codes 99001…99999 (no French commune has them).
FICTIONAL_CODE_PREFIX = "99"
MAX_FICTIONAL_COMMUNES = 999

# ---------------------------------------------------------------------------
# Vocabulary

# Per sector slug of the reference nomenclature: name stems, words of its texts, what it sells.
SECTOR_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "alimentation": (
        ("Garde-manger", "Maison de l'alimentation", "Table partagée", "Cuisine commune"),
        ("l'alimentation durable", "les produits de saison", "le gaspillage alimentaire", "les légumes bio"),
        ("paniers de légumes", "ateliers cuisine", "repas à prix doux", "conserves maison"),
    ),
    "epicerie-solidaire": (
        ("Épicerie", "Épicerie sociale", "Comptoir", "Panier garni"),
        ("l'aide alimentaire", "les denrées", "le reste à vivre", "les produits d'hygiène", "le vrac"),
        ("épicerie à prix réduits", "produits frais", "vrac et produits secs", "colis d'urgence"),
    ),
    "agriculture-urbaine": (
        ("Ferme urbaine", "Potager", "Jardin nourricier", "Champ commun"),
        ("le maraîchage", "les toits cultivés", "le compost", "les semences paysannes", "la biodiversité"),
        ("légumes du toit", "plants et semis", "ateliers de jardinage", "compost de quartier"),
    ),
    "restauration-solidaire": (
        ("Cantine", "Traiteur", "Bistrot", "Guinguette", "Popote"),
        ("la restauration collective", "les plats du jour", "le service en salle", "la cuisine du monde"),
        ("plateaux-repas", "buffets pour événements", "cocktails", "repas d'entreprise"),
    ),
    "reemploi-economie-circulaire": (
        ("Boucle", "Seconde main", "Matériauthèque", "Atelier du réemploi"),
        ("le réemploi", "les déchets", "la collecte", "le tri", "la seconde vie des objets"),
        ("collecte d'objets", "vente à petits prix", "diagnostic déchets", "animations zéro déchet"),
    ),
    "ressourcerie": (
        ("Ressourcerie", "Recyclerie", "Trocante", "Boutique du réemploi"),
        ("les dons d'objets", "la valorisation", "le mobilier", "les encombrants", "la vaisselle"),
        ("mobilier d'occasion", "débarras", "vente au poids", "enlèvement à domicile"),
    ),
    "reparation": (
        ("Repair café", "Atelier de réparation", "Clinique des objets", "Établi"),
        ("la réparation", "l'électroménager", "les pièces détachées", "l'obsolescence", "le bricolage"),
        ("réparation d'appareils", "diagnostic de panne", "ateliers d'autoréparation", "outils en prêt"),
    ),
    "textile": (
        ("Atelier couture", "Fil à fil", "Friperie", "Retoucherie"),
        ("la couture", "les chutes de tissu", "la confection", "les vêtements", "la broderie"),
        ("retouches", "confection sur mesure", "friperie", "sacs en tissu recyclé"),
    ),
    "materiaux-construction": (
        ("Matériaux", "Chantier du réemploi", "Dépôt des bâtisseurs", "Plateforme bois"),
        ("les matériaux de construction", "la déconstruction", "le bâtiment", "les chantiers", "le bois"),
        ("portes et fenêtres de réemploi", "curage de chantier", "conseil en réemploi", "bois de récupération"),
    ),
    "insertion": (
        ("Chantier école", "Régie", "Atelier d'insertion", "Parcours emploi"),
        ("le retour à l'emploi", "les salariés en parcours", "la formation qualifiante", "le chantier école"),
        ("entretien d'espaces verts", "nettoyage de locaux", "second œuvre", "manutention"),
    ),
    "culture": (
        ("Compagnie", "Fabrique", "Maison des arts", "Collectif artistique"),
        ("la création", "les résidences d'artistes", "la médiation culturelle", "le patrimoine"),
        ("spectacles", "résidences", "ateliers artistiques", "expositions"),
    ),
    "arts-vivants": (
        ("Théâtre", "Troupe", "Cirque", "Chœur", "Scène"),
        ("le théâtre", "la danse", "le cirque", "les répétitions", "la musique"),
        ("représentations", "stages de théâtre", "spectacles jeune public", "location de salle"),
    ),
    "artisanat-art": (
        ("Atelier", "Céramique", "Verrerie", "Reliure", "Ébénisterie"),
        ("l'artisanat", "la céramique", "le savoir-faire", "la transmission", "les métiers d'art"),
        ("pièces uniques", "cours de poterie", "commandes sur mesure", "stages d'initiation"),
    ),
    "sport": (
        ("Club", "Étoile sportive", "Union sportive", "Boxing club", "Sport pour tous"),
        ("le sport", "la santé par le sport", "les compétitions", "l'entraînement", "le handisport"),
        ("cours collectifs", "stages sportifs", "sport sur ordonnance", "tournois"),
    ),
    "education-populaire": (
        ("Maison des jeunes", "Foyer", "Ludothèque", "Centre social", "Amicale"),
        ("l'éducation populaire", "l'accompagnement scolaire", "les loisirs", "la citoyenneté", "le jeu"),
        ("aide aux devoirs", "séjours", "ateliers parents-enfants", "prêt de jeux"),
    ),
    "habitat": (
        ("Habitat partagé", "Toit commun", "Maison relais", "Bâti solide"),
        ("le logement", "la rénovation", "l'habitat participatif", "la précarité énergétique", "les copropriétés"),
        ("auto-réhabilitation", "visites à domicile", "médiation locative", "petits travaux"),
    ),
    "mobilite": (
        ("Mobilités", "Garage", "Roue libre", "Covoiturage"),
        ("la mobilité", "le permis de conduire", "les déplacements", "l'autopartage"),
        ("location de véhicules", "auto-école sociale", "transport à la demande", "ateliers mobilité"),
    ),
    "velo": (
        ("Atelier vélo", "Cyclo", "Vélo-école", "Rayon"),
        ("le vélo", "la remise en selle", "les pièces de vélo", "la cyclologistique"),
        ("réparation de vélos", "vélos d'occasion", "cours de vélo", "livraison à vélo"),
    ),
    "energie": (
        ("Énergies", "Centrale villageoise", "Soleil commun", "Watt"),
        ("les énergies renouvelables", "la sobriété", "les panneaux photovoltaïques", "la chaleur"),
        ("installation photovoltaïque", "diagnostic énergétique", "conseil en sobriété", "épargne citoyenne"),
    ),
    "inclusion-numerique": (
        ("Espace numérique", "Clic", "Octet", "Cyber-base"),
        ("le numérique", "les démarches en ligne", "les ordinateurs reconditionnés", "la fracture numérique"),
        ("ateliers informatiques", "ordinateurs reconditionnés", "permanences numériques", "formation bureautique"),
    ),
    "finance-solidaire": (
        ("Caisse", "Fonds", "Cigales", "Tontine", "Épargne"),
        ("la finance", "le microcrédit", "l'épargne", "les prêts d'honneur", "le capital"),
        ("prêts d'honneur", "garanties bancaires", "apport en fonds propres", "conseil financier"),
    ),
    "services-personne": (
        ("Aide à domicile", "Maison de santé", "Relais", "Présence"),
        ("l'aide à domicile", "la santé", "le grand âge", "les aidants", "le handicap"),
        ("aide à domicile", "portage de repas", "garde d'enfants", "ménage et repassage"),
    ),
    "commerce-equitable": (
        ("Boutique", "Comptoir équitable", "Marché", "Échoppe"),
        ("le commerce équitable", "les producteurs", "les filières", "le café et le cacao"),
        ("café équitable", "coffrets cadeaux", "vente en gros", "artisanat du monde"),
    ),
}
# For a sector of the nomenclature not listed above (one added later): words of the field at large.
ANY_SECTOR = (
    ("Atelier", "Collectif", "Maison", "Coopérative"),
    ("le lien social", "la vie locale", "les services de proximité", "l'entraide"),
    ("ateliers", "permanences", "prestations sur devis", "accueil du public"),
)

NAME_QUALIFIERS = (
    "des Coteaux", "du Grand Chêne", "des Tilleuls", "de l'Aubépine", "des Lucioles", "du Colibri",
    "de la Passerelle", "des Hirondelles", "de la Fourmilière", "du Petit Pont", "des Glycines",
    "de la Source", "du Vieux Lavoir", "des Quatre Vents", "de la Clairière", "du Belvédère",
    "des Marronniers", "de la Ruche", "du Trèfle", "des Cerisiers", "de l'Îlot", "du Moulinet",
    "de la Boussole", "des Mésanges", "de la Sente", "des Rosiers", "du Préau", "de la Lanterne",
    "du Lierre", "de la Charmille", "du Sablier", "des Alouettes", "du Jardin d'hiver", "des Possibles",
    "de l'Horizon", "de la Courte Échelle", "du Fil rouge", "de l'Écluse", "des Peupliers", "du Verger",
    "de la Roseraie", "des Bruyères", "du Cèdre", "de la Fontaine", "des Épis", "du Moulin", "de l'Étoile",
    "des Acacias", "de la Traverse", "du Pressoir", "des Sources", "de la Colline", "du Hêtre", "des Genêts",
    "de la Rivière", "du Chêne vert", "des Bleuets", "de la Comète", "du Phare", "des Forges", "de la Halle",
    "du Canal", "des Lavandières", "de la Tonnelle", "du Carrefour", "des Mûriers", "de l'Olivier",
    "du Pommier", "des Saules", "de la Grange", "du Lavoir", "des Jonquilles", "de la Prairie",
    "du Puits", "des Noisetiers", "de la Vigne", "du Tilleul", "des Érables", "de la Forêt", "du Ruisseau",
    "de l'Églantier", "des Pâquerettes", "de la Montagne", "du Rocher", "des Ateliers", "de la Gare",
    "du Marché", "des Remparts", "de la Côte", "du Bocage",
)  # fmt: skip

# Words of the field, most frequent first (the draw gives rank r a weight of 1 / r ** ZIPF_EXPONENT).
GENERAL_NOUNS = (
    "l'accompagnement", "l'emploi", "le quartier", "la formation", "les habitants", "le lien social",
    "l'accueil", "les ateliers", "la transition écologique", "l'entraide", "les bénévoles",
    "les partenaires", "la vie locale", "l'animation", "l'insertion professionnelle", "la coopération",
    "l'écoute", "les familles", "l'économie circulaire", "la participation", "les permanences",
    "l'autonomie", "la proximité", "les savoir-faire", "les échanges", "la convivialité", "l'engagement",
    "la mixité", "les circuits courts", "la sensibilisation", "le partage", "les rencontres",
    "la médiation", "l'expérimentation", "la mutualisation", "les initiatives locales", "le bien-être",
    "l'inclusion", "la dignité", "l'égalité des chances", "la gouvernance partagée", "les compétences",
    "la qualité", "l'innovation sociale", "les jeunes", "les seniors", "les réseaux", "l'environnement",
    "la santé", "la culture", "le territoire", "les commerçants", "les collectivités", "les écoles",
    "les entreprises du territoire", "la biodiversité", "le climat", "la sobriété", "les usagers",
    "la transmission", "l'apprentissage", "les chantiers", "la logistique", "les achats responsables",
    "les marchés publics", "les clauses sociales", "la diversité", "le handicap", "l'accessibilité",
    "les démarches", "les droits", "l'orientation", "le parrainage", "le mentorat", "les stages",
    "l'alternance", "le tutorat", "la pédagogie", "les projets collectifs", "la démocratie",
    "la concertation", "les habitants des cités", "les aidants", "la parentalité", "la petite enfance",
    "le vieillissement", "la mémoire", "le patrimoine", "les fêtes de quartier", "les marchés",
    "le mécénat", "les fondations", "les subventions", "le bénévolat de compétences", "l'évaluation",
    "l'impact social", "la mesure d'impact", "le modèle économique", "la trésorerie", "les investissements",
    "la recherche", "les universités", "les lycées", "les bailleurs", "les foyers", "les hôpitaux",
    "les maisons de retraite", "les crèches", "les bibliothèques", "les musées", "les jardins",
    "les parcs", "les berges", "le canal", "les friches", "les rez-de-chaussée", "les halles",
)  # fmt: skip
COMPLEMENTS = (
    "à prix libre", "sur rendez-vous", "toute l'année", "en circuit court", "de proximité",
    "au cœur du quartier", "avec les habitants", "en petits groupes", "le samedi matin",
    "du lundi au vendredi", "pendant les vacances", "à domicile", "en plein air", "dans nos locaux",
    "en lien avec les écoles", "sur tout le département", "à tarif réduit", "en soirée",
    "sans inscription", "avec nos partenaires", "depuis plusieurs années", "chaque semaine",
    "pour tous les âges", "en français facile", "hors les murs", "à la demande",
)  # fmt: skip
# (third person singular, first person plural)
VERBS = (
    ("propose", "proposons"), ("organise", "organisons"), ("développe", "développons"), ("anime", "animons"),
    ("accompagne", "accompagnons"), ("soutient", "soutenons"), ("favorise", "favorisons"), ("porte", "portons"),
    ("valorise", "valorisons"), ("encourage", "encourageons"), ("construit", "construisons"),
    ("expérimente", "expérimentons"), ("coordonne", "coordonnons"), ("imagine", "imaginons"),
    ("transmet", "transmettons"), ("facilite", "facilitons"), ("défend", "défendons"), ("renforce", "renforçons"),
    ("partage", "partageons"), ("relaie", "relayons"),
)  # fmt: skip
PUBLICS = (
    "les habitants", "les familles", "les jeunes de 16 à 25 ans", "les seniors isolés", "les demandeurs d'emploi",
    "les femmes", "les enfants", "les étudiants", "les personnes en situation de handicap", "les salariés",
    "les porteurs de projet", "les associations du quartier", "les commerçants", "les nouveaux arrivants",
    "les personnes éloignées de l'emploi", "les allocataires du RSA", "les parents", "les collégiens",
    "les retraités", "les artisans", "les réfugiés", "les locataires", "les entreprises", "les écoles",
)  # fmt: skip
SUBJECTS = {
    Actor.LegalForm.ASSOCIATION: ("L'association", "Notre association", "Le collectif", "L'équipe", "Nous"),
    Actor.LegalForm.SCOP: ("La coopérative", "La SCOP", "Notre équipe", "Nous"),
    Actor.LegalForm.SCIC: ("La coopérative", "La SCIC", "Nos sociétaires", "Nous"),
    Actor.LegalForm.CAE: ("La coopérative", "Nos entrepreneurs salariés", "Nous"),
    Actor.LegalForm.COOPERATIVE: ("La coopérative", "Nos membres", "Nous"),
    Actor.LegalForm.MUTUAL: ("La mutuelle", "Nos adhérents", "Nous"),
    Actor.LegalForm.FOUNDATION: ("La fondation", "Notre équipe", "Nous"),
    Actor.LegalForm.ESS_COMPANY: ("L'entreprise", "Notre équipe", "La société", "Nous"),
    Actor.LegalForm.PUBLIC_BODY: ("Le service", "L'établissement", "Nous"),
    Actor.LegalForm.OTHER: ("La structure", "L'équipe", "Nous"),
}
# Sentence patterns: {s} subject, {v} verb, {t} a word of the sector, {n}/{m} words of the field,
# {c} a complement, {p} a public, {y} a year. Each pattern's own words are few and varied.
PATTERNS = (
    "{s} {v} {t} {c} pour {p}.",
    "Depuis {y}, {s_low} {v} {n} {c}.",
    "{N} et {t} sont au cœur de notre démarche.",
    "Nous travaillons avec {p} autour de {m}.",
    "Chaque mois, {s_low} {v} {t} {c}.",
    "Notre action repose sur {n} et sur {m}.",
    "{s} {v} {t} avec le soutien de ses partenaires.",
    "Les bénévoles animent {n} {c}.",
    "Pour {p}, {s_low} {v} {t}.",
    "{T} reste notre priorité, {c}.",
    "Une permanence est ouverte {c}.",
    "Nous croyons que {t} change la vie de {p}.",
    "{s} {v} aussi {n}, {c}.",
    "L'équipe salariée compte sur {m} pour {v_inf} {t}.",
    "Des rendez-vous réguliers réunissent {p} {c}.",
    "{N} : {s_low} {v} des actions {c}.",
    "Ouverte en {y}, notre activité {v} {t}.",
    "En {y}, {s_low} a lancé un programme sur {n}.",
    "Nous cherchons des bénévoles pour {m}.",
    "Le lieu accueille {p} {c}.",
)
INFINITIVES = ("développer", "animer", "faire vivre", "renforcer", "partager", "transmettre", "valoriser")
COMMON_SENTENCES = (
    "La structure défend une économie solidaire et locale.",
    "Nos ateliers solidaires sont ouverts à {p}.",
    "Un réseau solidaire accompagne {p} {c}.",
    "Une épargne solidaire finance nos activités {c}.",
    "La boutique solidaire accueille {p}.",
)
SELECTIVE_SENTENCE = "Un atelier de marqueterie accueille {p} le samedi."
SHORT_PATTERNS = (
    "{T} {c} pour {p}.",
    "{S} : {t} et {n}.",
    "{T}, {n} et {m} {c}.",
    "Au service de {p} : {t}.",
)
OFFER_EXTRAS = ("devis sur demande", "interventions en entreprise", "accueil de groupes", "formations", "conseil")

STREETS = (
    "rue de l'Exemple", "avenue Imaginaire", "allée du Fictif", "place de la Démonstration", "impasse de l'Essai",
    "rue du Modèle", "boulevard de la Maquette", "sentier de l'Échantillon", "passage du Prototype",
    "rue de la Fiction", "chemin de l'Hypothèse", "quai de la Simulation", "cours de l'Invention",
)  # fmt: skip

# Fictional communes: « Saint-Aubin-des-Prés (fictif) », « Val-d'Orgère (fictif) »…
COMMUNE_PREFIXES = ("Saint-", "Sainte-", "Le ", "La ", "Les ", "", "", "", "Val-d'", "Mont-", "Bourg-", "Villeneuve-")
COMMUNE_ROOTS = (
    "Aubin", "Éloi", "Orgère", "Brévanne", "Chênaie", "Fontenelle", "Roche", "Montagnac", "Ivré", "Aigrefeuille",
    "Champlâtre", "Bellegarde", "Escaut", "Lézignan", "Pérouse", "Verrières", "Cléry", "Gâtine", "Hérault",
    "Noël", "Ussel", "Ambrières", "Bréhat", "Castelnau", "Étréchy", "Ferté", "Guérande", "Jonzac", "Lauzerte",
    "Mézières", "Nérac", "Orbec", "Pézenas", "Quérigut", "Rânes", "Sées", "Tréguier", "Uzès", "Vézelay",
)  # fmt: skip
COMMUNE_SUFFIXES = (
    "", "", "", "", "-sur-Lèze", "-en-Forêt", "-lès-Bains", "-le-Château", "-des-Prés", "-sur-Mer", "-la-Rivière",
    "-en-Vallée", "-d'Amont", "-sous-Bois", "-aux-Chênes", "-le-Vieux",
)  # fmt: skip

LEGAL_FORMS = {
    Actor.LegalForm.ASSOCIATION: 58,
    Actor.LegalForm.SCOP: 6,
    Actor.LegalForm.SCIC: 4,
    Actor.LegalForm.CAE: 1,
    Actor.LegalForm.COOPERATIVE: 4,
    Actor.LegalForm.MUTUAL: 2,
    Actor.LegalForm.FOUNDATION: 2,
    Actor.LegalForm.ESS_COMPANY: 12,
    Actor.LegalForm.PUBLIC_BODY: 2,
    Actor.LegalForm.OTHER: 9,
}
TYPOLOGIES = {Typology.ENTREPRENEURIAL: 40, Typology.MILITANT: 45, Typology.UNDETERMINED: 15}
STATUSES = {
    PublicationStatus.PUBLISHED: 86,
    PublicationStatus.DRAFT: 5,
    PublicationStatus.PENDING: 6,
    PublicationStatus.ARCHIVED: 3,
}
ROLES = {
    "structure-ess": 86,
    "accompagnateur": 4,
    "financeur": 2,
    "reseau": 3,
    "acteur-public": 1,
    "bailleur-social": 1,
    "promoteur": 0.5,
    "entreprise-classique": 2.5,
}
LABELS_BY_SECTOR = {
    "insertion": ("aci", "ei", "etti", "ai"),
    "culture": ("tiers-lieu",),
    "arts-vivants": ("tiers-lieu",),
}
ZIPF_EXPONENT = 0.9
TERRITORY_SHARE = 0.1  # of the actors, in the nine communes of the territory


class Weighted:
    """Draws from a fixed list with fixed weights (cumulative weights, one `bisect` per draw)."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    @classmethod
    def zipf(cls, items: Sequence, exponent: float = ZIPF_EXPONENT) -> "Weighted":
        return cls(items, [1 / (rank**exponent) for rank in range(1, len(items) + 1)])

    @classmethod
    def of(cls, weights: dict) -> "Weighted":
        """From {item: weight}; choices' members are drawn as their plain values."""
        return cls([getattr(item, "value", item) for item in weights], list(weights.values()))

    def draw(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


def luhn_complete(digits: str) -> str:
    """`digits` followed by the check digit that makes the whole pass the Luhn test (SIREN and SIRET)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def base_date(seed: int) -> datetime.datetime:
    """The fixed « now » of a run: a date in 2025 derived from the seed (never the clock)."""
    return datetime.datetime(2025, 1, 1, 9, tzinfo=datetime.UTC) + datetime.timedelta(
        days=seed % 180, minutes=seed % 997
    )


# ---------------------------------------------------------------------------
# Generation


@dataclass
class Place:
    pk: int
    name: str
    postal_code: str
    centre: tuple[float, float]
    spread: float
    in_territory: bool
    neighbourhoods: list[int] = field(default_factory=list)


@dataclass
class Pools:
    """Ids of the published actors written, by role: what offers, cooperations and initiatives point to."""

    published: array = field(default_factory=lambda: array("q"))
    by_role: dict[str, array] = field(default_factory=dict)
    communes: list[int] = field(default_factory=list)
    territory_communes: list[int] = field(default_factory=list)
    neighbourhoods: dict[int, list[int]] = field(default_factory=dict)

    def role(self, *slugs: str) -> array:
        """Published actors having one of these roles (every published actor if none has)."""
        for slug in slugs:
            if self.by_role.get(slug):
                return self.by_role[slug]
        return self.published


def history_stamp(seed: int) -> HistoryStamp:
    return HistoryStamp(
        reason=f"Données fictives générées (generate_fake, graine {seed})", source="command", detail=HISTORY_DETAIL
    )


class DirectoryFaker:
    """Writes the fictional directory through a `BulkWriter`, drawing everything from `rng` in a fixed order."""

    def __init__(self, *, seed: int, writer: BulkWriter, rng: random.Random | None = None):
        self.seed = seed
        self.rng = rng or random.Random(seed)
        self.writer = writer
        self.now = base_date(seed)
        self.stamp = history_stamp(seed)
        self.pools = Pools()
        self.sectors = sorted(Sector.objects.values_list("slug", "pk"))
        self.labels = dict(Label.objects.values_list("slug", "pk"))
        self.roles = dict(Role.objects.values_list("slug", "pk"))
        self.stages = sorted(Stage.objects.values_list("position", "pk"))
        self.nouns = Weighted.zipf(GENERAL_NOUNS)
        self.complements = Weighted.zipf(COMPLEMENTS, 0.6)
        self.publics = Weighted.zipf(PUBLICS, 0.6)
        self.verbs = Weighted.zipf(VERBS, 0.6)
        self.legal_forms = Weighted.of(LEGAL_FORMS)
        self.typologies = Weighted.of(TYPOLOGIES)
        self.statuses = Weighted.of(STATUSES)
        self.role_draw = Weighted.of({slug: w for slug, w in ROLES.items() if slug in self.roles} or {"": 1})
        self.sector_draw = Weighted.zipf([pk for _slug, pk in self.sectors], 0.5) if self.sectors else None
        self.sector_slugs = {pk: slug for slug, pk in self.sectors}
        self.actor_rows = ModelRows(writer, Actor, stamp=self.stamp)
        self.offer_rows = ModelRows(writer, SupportOffer, stamp=self.stamp)
        self.cooperation_rows = ModelRows(writer, Cooperation, stamp=self.stamp)
        self.commune_rows = ModelRows(writer, Commune)
        self.actor_slugs = SlugBook(Actor)
        self.offer_slugs = SlugBook(SupportOffer)
        self.sirets = set(Actor.objects.exclude(siret="").values_list("siret", flat=True))
        self.places: list[Place] = []
        self.normal = NormalCache()

    @property
    def models(self) -> list[type[models.Model]]:
        return [
            *self.commune_rows.models,
            *self.actor_rows.models,
            *self.offer_rows.models,
            *self.cooperation_rows.models,
        ]

    # -- communes

    def communes(self, count: int) -> int:
        """The territory's communes and `count` fictional ones (created where missing); returns how many were new."""
        count = min(count, MAX_FICTIONAL_COMMUNES)
        hoods: dict[int, list[int]] = {}
        for pk, commune_id in Neighbourhood.communes.through.objects.values_list("neighbourhood_id", "commune_id"):
            hoods.setdefault(commune_id, []).append(pk)
        for pk in hoods:
            hoods[pk].sort()
        for commune in Commune.objects.in_territory().order_by("insee_code"):
            lat, lon, spread, _weight = TERRITORY_CENTRES.get(commune.insee_code, (48.88, 2.44, 0.01, 1))
            self.places.append(
                Place(
                    commune.pk,
                    commune.name,
                    (commune.postal_codes or [""])[0],
                    (lat, lon),
                    spread,
                    True,
                    hoods.get(commune.pk, []),
                )
            )
        existing = {
            code: (pk, name)
            for code, pk, name in Commune.objects.filter(insee_code__startswith=FICTIONAL_CODE_PREFIX).values_list(
                "insee_code", "pk", "name"
            )
        }
        taken_slugs = set(Commune.objects.values_list("slug", flat=True))
        names: set[str] = {name for _pk, name in existing.values()}
        created = 0
        for n in range(1, count + 1):
            code = f"{FICTIONAL_CODE_PREFIX}{n:03d}"
            centre = (round(self.rng.uniform(43.2, 50.3), 4), round(self.rng.uniform(-1.2, 7.2), 4))
            name = self._commune_name(names)
            if code in existing:
                pk, name = existing[code]
            else:
                slug = base_slug(name, max_length=90)
                candidate, k = slug, 2
                while candidate in taken_slugs:
                    candidate, k = f"{slug}-{k}", k + 1
                taken_slugs.add(candidate)
                pk = self.commune_rows.write(
                    {
                        "insee_code": code,
                        "name": name,
                        "slug": candidate,
                        "postal_codes": [code],
                        "department_code": FICTIONAL_CODE_PREFIX,
                        "in_territory": False,
                    }
                )
                created += 1
            names.add(name)
            self.places.append(Place(pk, name, code, centre, 0.02, False))
        # Most actors are in the larger towns: a Zipf law over the fictional communes, a fixed share at home.
        outside = [place for place in self.places if not place.in_territory]
        inside = [place for place in self.places if place.in_territory]
        weights = [TERRITORY_SHARE / len(inside) if outside else 1] * len(inside)
        if outside:
            zipf = [1 / rank for rank in range(1, len(outside) + 1)]
            total = sum(zipf)
            weights += [(1 - (TERRITORY_SHARE if inside else 0)) * w / total for w in zipf]
        self.place_draw = Weighted([*inside, *outside], weights) if self.places else None
        self.pools.communes = [place.pk for place in self.places]
        self.pools.territory_communes = [place.pk for place in inside]
        self.pools.neighbourhoods = {place.pk: place.neighbourhoods for place in inside if place.neighbourhoods}
        return created

    def _commune_name(self, taken: set[str]) -> str:
        rng = self.rng
        while True:
            prefix = rng.choice(COMMUNE_PREFIXES)
            root = rng.choice(COMMUNE_ROOTS)
            if prefix.endswith("'") and root[0] not in "AEIOUÉÈÊÂÎÔÛ":
                prefix = "Val-de-"
            name = f"{prefix}{root}{rng.choice(COMMUNE_SUFFIXES)}{FICTIONAL}"
            if name not in taken:
                return name

    # -- actors

    def actors(self, count: int, *, progress: Callable[[int], None] | None = None) -> int:
        """Write `count` fictional actors with their sectors, labels, roles, served communes and history."""
        for n in range(1, count + 1):
            self._actor(n)
            if progress and n % 25_000 == 0:
                progress(n)
        return count

    def _words(self, sector_slug: str):
        return SECTOR_WORDS.get(sector_slug, ANY_SECTOR)

    def _sentence(self, pattern: str, subject: str, topic_words: Sequence[str]) -> str:
        rng = self.rng
        t = rng.choice(topic_words)
        n = self.nouns.draw(rng)
        singular, plural = self.verbs.draw(rng)
        values = {
            "s": subject,
            "s_low": subject[0].lower() + subject[1:] if subject != "Nous" else "nous",
            "v": plural if subject == "Nous" else singular,
            "v_inf": rng.choice(INFINITIVES),
            "t": t,
            "T": t[0].upper() + t[1:],
            "n": n,
            "N": n[0].upper() + n[1:],
            "m": self.nouns.draw(rng),
            "c": self.complements.draw(rng),
            "p": self.publics.draw(rng),
            "y": rng.randint(1985, 2024),
            "S": subject,
        }
        return pattern.format(**values)

    def _actor(self, n: int) -> int:
        rng = self.rng
        legal_form = self.legal_forms.draw(rng)
        role = self.role_draw.draw(rng)
        sector_ids = []
        if self.sector_draw is not None:
            sector_ids.append(self.sector_draw.draw(rng))
            if rng.random() < 0.3:
                sector_ids.append(self.sector_draw.draw(rng))
        main = self.sector_slugs.get(sector_ids[0], "") if sector_ids else ""
        stems, topic, offers = self._words(main)
        place = self.place_draw.draw(rng) if self.place_draw is not None else None
        name = f"{rng.choice(stems)} {rng.choice(NAME_QUALIFIERS)}"
        if place is not None and rng.random() < 0.25:
            name += f" — {place.name.removesuffix(FICTIONAL)}"
        name += FICTIONAL
        subject = rng.choice(SUBJECTS.get(legal_form, SUBJECTS[Actor.LegalForm.OTHER]))

        # Texts: a summary, a few sentences (a long text for one in ten), what it offers.
        summary = self._sentence(rng.choice(SHORT_PATTERNS), rng.choice(stems), topic)
        sentences = [
            self._sentence(rng.choice(PATTERNS), subject, topic)
            for _ in range(rng.randint(10, 18) if rng.random() < 0.1 else rng.randint(2, 7))
        ]
        if rng.random() < COMMON_SHARE:
            common = self._sentence(rng.choice(COMMON_SENTENCES), subject, topic)
            if rng.random() < 0.3 and len(summary) + len(common) < 270:
                summary = f"{summary} {common}"
            else:
                sentences.insert(rng.randrange(len(sentences) + 1), common)
        if rng.random() < SELECTIVE_SHARE:
            sentences.append(self._sentence(SELECTIVE_SENTENCE, subject, topic))
        paragraphs = []
        while sentences:
            cut = rng.randint(2, 4)
            paragraphs.append(" ".join(sentences[:cut]))
            sentences = sentences[cut:]
        items = rng.sample(offers, k=rng.randint(1, min(3, len(offers))))
        if rng.random() < 0.4:
            items.append(rng.choice(OFFER_EXTRAS))
        offer = (
            (", ".join(items[:-1]) + " et " + items[-1] if len(items) > 1 else items[0]) if rng.random() < 0.8 else ""
        )
        offer = offer[:1].upper() + offer[1:] + ("." if offer else "")

        status = self.statuses.draw(rng)
        partner = rng.random() < 0.03
        fields = {
            "id": self.actor_rows.ids.take(),
            "name": name,
            "slug": self.actor_slugs.take(name),
            "legal_form": legal_form,
            "typology": self.typologies.draw(rng),
            "short_description": summary[:280],
            "description": "\n\n".join(paragraphs),
            "offer": offer,
            "status": status,
            "source": Actor.Source.DEMO,
            "source_id": f"{SOURCE_ID_PREFIX}{self.seed}:{n}",
            "is_fictional": True,
            "ess_status": (
                Actor.EssStatus.ESUS
                if legal_form == Actor.LegalForm.ESS_COMPANY
                else Actor.EssStatus.PARTNER
                if legal_form in (Actor.LegalForm.PUBLIC_BODY, Actor.LegalForm.OTHER)
                else Actor.EssStatus.UNKNOWN
                if rng.random() < 0.1
                else Actor.EssStatus.STATUTORY
            ),
        }
        created = self.now - datetime.timedelta(days=rng.randint(30, 2000), seconds=rng.randint(0, 86_399))
        fields["created_at"] = created
        fields["updated_at"] = min(self.now, created + datetime.timedelta(days=rng.randint(0, 400)))
        if status in (PublicationStatus.PUBLISHED, PublicationStatus.ARCHIVED):
            fields["published_at"] = created + datetime.timedelta(days=rng.randint(0, 20))
        self._identifiers(fields, legal_form, n)
        served = self._location(fields, place, partner=partner)
        self._contact_points(fields, n)
        if rng.random() < 0.6:
            fields["employees"] = min(5_000, int(rng.paretovariate(1.2)) - 1)
            fields["fte"] = Decimal(f"{fields['employees'] * rng.uniform(0.5, 1.0):.1f}")
        if rng.random() < 0.5:
            fields["volunteers"] = min(2_000, int(rng.paretovariate(1.0) * 3) - 3)
        if rng.random() < 0.8:
            fields["founded_year"] = rng.randint(1950, 2024)
        if rng.random() < 0.5:
            fields["last_verified_at"] = (self.now - datetime.timedelta(days=rng.randint(0, 900))).date()

        labels = [self.labels[slug] for slug in self._labels(main, legal_form) if slug in self.labels]
        values = self._normalised({**self.actor_rows.defaults, **fields})
        pk = self.actor_rows.write(
            values,
            m2m={
                "sectors": sector_ids,
                "labels": labels,
                "roles": [self.roles[role]] if role in self.roles else [],
                "communes_served": served,
            },
            history_date=fields["updated_at"],
        )
        if status == PublicationStatus.PUBLISHED:
            self.pools.published.append(pk)
            self.pools.by_role.setdefault(role, array("q")).append(pk)
        return pk

    def _normalised(self, values: dict) -> dict:
        """What `Actor.normalise()` derives, for a row drawn already tidy (compact SIRET, SIREN, phone).

        The search text is `Actor.build_search_text()`'s and the name's words `normalize_search_text`'s, word
        by word through a cache (normalising a text is normalising each of its space-separated pieces);
        completeness is `quality.completeness`.
        """
        values["siren"] = values["siret"][:9] if values.get("siret") else values.get("siren", "")
        values["search_text"] = " ".join(
            self.normal.text(values[field]) for field in SEARCHED_FIELDS_ORDER if values.get(field)
        )
        values["name_words"] = self.normal.text(values["name"])
        values["completeness"] = completeness(SimpleNamespace(**values))
        return values

    def _identifiers(self, fields: dict, legal_form: str, n: int) -> None:
        rng = self.rng
        draw = rng.random()
        if draw < 0.55:
            while True:
                siren = luhn_complete(f"{rng.randrange(10_000_000, 99_999_999):08d}")
                siret = luhn_complete(f"{siren}{rng.randint(1, 99):03d}0")
                if siret not in self.sirets and siren != "356000000":
                    break
            self.sirets.add(siret)
            fields["siret"] = siret
        elif draw < 0.62:
            fields["siren"] = luhn_complete(f"{rng.randrange(10_000_000, 99_999_999):08d}")
        if legal_form == Actor.LegalForm.ASSOCIATION and rng.random() < 0.5:
            fields["rna"] = f"W99{n % 10_000_000:07d}"

    def _location(self, fields: dict, place: Place | None, *, partner: bool) -> list[int]:
        rng = self.rng
        if partner or place is None:
            fields["presence"] = Presence.PARTNER.value
            fields["serves_whole_territory"] = True
            fields["source_reference"] = "Fiche fictive générée pour les essais (generate_fake)"
            fields["source_date"] = (self.now - datetime.timedelta(days=rng.randint(0, 700))).date()
            return []
        fields["commune_id"] = place.pk
        fields["postal_code"] = place.postal_code
        fields["address"] = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        if place.neighbourhoods and rng.random() < 0.25:
            fields["neighbourhood_id"] = rng.choice(place.neighbourhoods)
        if rng.random() < 0.7:
            lat, lon = place.centre
            fields["latitude"] = Decimal(f"{lat + rng.uniform(-place.spread, place.spread):.6f}")
            fields["longitude"] = Decimal(f"{lon + rng.uniform(-place.spread, place.spread):.6f}")
        if rng.random() < 0.05:
            fields["serves_whole_territory"] = True
            return []
        served = [place.pk]
        if rng.random() < 0.3 and len(self.places) > 1:
            served += [rng.choice(self.places).pk for _ in range(rng.randint(1, 2))]
        return served

    def _contact_points(self, fields: dict, n: int) -> None:
        rng = self.rng
        slug = base_slug(fields["name"], max_length=40)
        if rng.random() < 0.7:
            fields["email"] = f"{slug}@example.org"
        if rng.random() < 0.6:
            # ARCEP keeps 01 99 00 00 00 to 01 99 00 99 99 for works of fiction.
            fields["phone"] = f"01 99 00 {n // 100 % 100:02d} {n % 100:02d}"
        if rng.random() < 0.5:
            fields["website"] = f"https://example.org/{slug}/"
        if rng.random() < 0.5:
            fields["opening_hours"] = rng.choice(OPENING_HOURS)

    def _labels(self, sector: str, legal_form: str) -> list[str]:
        rng = self.rng
        labels = []
        if sector in LABELS_BY_SECTOR and rng.random() < 0.6:
            labels.append(rng.choice(LABELS_BY_SECTOR[sector]))
        if legal_form == Actor.LegalForm.ESS_COMPANY and rng.random() < 0.5:
            labels.append("esus")
        if rng.random() < 0.03:
            labels.append("laureat-trophees-ess")
        return labels

    # -- support offers and cooperations

    def offers(self, count: int) -> int:
        """Write `count` support offers from the published support providers, funders and networks."""
        rng = self.rng
        providers = self.pools.role("accompagnateur", "financeur", "reseau")
        if not providers:
            return 0
        kinds = list(SupportOffer.Kind.values)
        stage_ids = [pk for _position, pk in self.stages]
        for _ in range(count):
            provider = providers[rng.randrange(len(providers))]
            kind = rng.choice(kinds)
            topic = rng.choice(list(SECTOR_WORDS.values()))[1]
            title = f"{str(SupportOffer.Kind(kind).label).capitalize()} : {rng.choice(topic)}{FICTIONAL}"
            whole = rng.random() < 0.6
            created = self.now - datetime.timedelta(days=rng.randint(10, 1500))
            values = {
                "provider_id": provider,
                "title": title[:200],
                "slug": self.offer_slugs.take(title),
                "kind": kind,
                "target_typology": rng.choice(SupportOffer.TargetTypology.values),
                "whole_territory": whole,
                "description": " ".join(
                    self._sentence(rng.choice(PATTERNS), "La structure", topic) for _ in range(rng.randint(2, 5))
                ),
                "eligibility": f"Ouvert à {self.publics.draw(rng)} {self.complements.draw(rng)}.",
                "cost": rng.choice(SupportOffer.Cost.values),
                "url": f"https://example.org/offres/{rng.randrange(10**6)}/",
                "status": PublicationStatus.PUBLISHED if rng.random() < 0.9 else PublicationStatus.DRAFT,
                "is_fictional": True,
                "created_at": created,
                "updated_at": created,
            }
            stages = rng.sample(stage_ids, k=rng.randint(1, min(3, len(stage_ids)))) if stage_ids else []
            sectors = [self.sector_draw.draw(rng)] if self.sector_draw is not None and rng.random() < 0.5 else []
            communes = [] if whole else [rng.choice(self.pools.communes) for _ in range(rng.randint(1, 3))]
            self.offer_rows.write(
                values, m2m={"stages": stages, "sectors": sectors, "communes": communes}, history_date=created
            )
        return count

    def cooperations(self, count: int) -> int:
        """Write up to `count` cooperations between published actors (distinct pairs and kinds)."""
        rng = self.rng
        actors = self.pools.published
        if len(actors) < 2:
            return 0
        kinds = Cooperation.Kind.values
        seen: set[tuple[int, int, str]] = set()
        written = 0
        for _ in range(count):
            # Partners are mostly near each other in the list: a few actors have many links, most have few.
            offset = int(rng.paretovariate(0.8))
            index = rng.randrange(len(actors))
            target = actors[(index + offset) % len(actors)]
            source = actors[index]
            kind = rng.choice(kinds)
            if source == target or (source, target, kind) in seen:
                continue
            seen.add((source, target, kind))
            since = (self.now - datetime.timedelta(days=rng.randint(30, 3000))).date()
            created = self.now - datetime.timedelta(days=rng.randint(0, 600))
            self.cooperation_rows.write(
                {
                    "source_id": source,
                    "target_id": target,
                    "kind": kind,
                    "is_formal": rng.random() < 0.4,
                    "since": since if rng.random() < 0.7 else None,
                    "description": f"{rng.choice(COOPERATION_TEXTS)} {self.complements.draw(rng)}.",
                    "created_at": created,
                    "updated_at": created,
                },
                history_date=created,
            )
            written += 1
        return written


COOPERATION_TEXTS = (
    "Échange de services",
    "Achats groupés",
    "Prêt de locaux",
    "Projet commun",
    "Orientation croisée des publics",
    "Mutualisation d'un véhicule",
    "Commandes régulières",
)


class NormalCache(dict):
    """`normalize_search_text` of many texts made of few distinct words: each word is normalised once."""

    def __missing__(self, piece: str) -> str:
        value = self[piece] = normalize_search_text(piece)
        return value

    def text(self, text: str) -> str:
        # findall's words never span white space: normalising the pieces and joining them gives the same text.
        return " ".join([word for word in map(self.__getitem__, str(text).split()) if word])


class SlugBook:
    """Unique slugs for many new rows of a model, with the suffixes of `unique_slug` (-2, -3…), in one query."""

    def __init__(self, model: type[models.Model]):
        self.taken = set(model._default_manager.values_list("slug", flat=True)) | set(RESERVED_SLUGS)
        self.next: dict[str, int] = {}

    def take(self, text: str) -> str:
        base = base_slug(text)
        n = self.next.get(base, 1)
        candidate = base if n == 1 else f"{base}-{n}"
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.next[base] = n + 1
        self.taken.add(candidate)
        return candidate
