"""The Common Procurement Vocabulary (CPV 2008) at its two upper levels: divisions and groups.

Source: Règlement (CE) n° 213/2008 de la Commission du 28 novembre 2007 modifiant le règlement (CE)
n° 2195/2002 relatif au vocabulaire commun pour les marchés publics (CPV), annexe I, version
française (Journal officiel de l'Union européenne L 74 du 15 mars 2008).

A CPV code is eight digits and a check digit (« 45000000-7 »). A division keeps its first two digits
and ends in six zeros; a group, three digits and five zeros. The check digit is copied here as the
regulation prints it, not computed: the portal validates a code's shape (`CODE_PATTERN`) and that it
is in this table, which is the list buyers and suppliers choose from.

All 45 divisions are here. Groups are listed only where their code, check digit and label are
certain; the others can be added by a later data migration from the regulation's annex (the
division stays the category of an offer or need until then).
"""

import re

CODE_PATTERN = re.compile(r"^(\d{8})-(\d)$")

# (eight digits, check digit, French label)
DIVISIONS: list[tuple[str, str, str]] = [
    ("03000000", "1", "Produits agricoles, de l'élevage, de la pêche, de la sylviculture et produits connexes"),
    ("09000000", "3", "Produits pétroliers, combustibles, électricité et autres sources d'énergie"),
    ("14000000", "1", "Produits d'exploitation minière, métaux de base et produits connexes"),
    ("15000000", "8", "Produits alimentaires, boissons, tabac et produits connexes"),
    ("16000000", "5", "Machines agricoles"),
    ("18000000", "9", "Vêtements, articles chaussants, bagages et accessoires"),
    ("19000000", "6", "Cuir et textiles, matières plastiques et caoutchouc"),
    ("22000000", "0", "Imprimés et produits connexes"),
    ("24000000", "4", "Produits chimiques"),
    ("30000000", "9", "Machines, matériel et fournitures informatique et de bureau, excepté les meubles et logiciels"),
    ("31000000", "6", "Machines, appareils, équipements et consommables électriques ; éclairage"),
    (
        "32000000",
        "5",
        "Équipements de radio, de télévision, de communication, de télécommunication et équipements connexes",
    ),
    ("33000000", "0", "Matériels médicaux, pharmaceutiques et produits de soins personnels"),
    ("34000000", "7", "Équipements de transport et produits auxiliaires pour le transport"),
    ("35000000", "4", "Équipements de sécurité, de lutte contre l'incendie, de police et de défense"),
    (
        "37000000",
        "8",
        "Instruments de musique, articles de sport, jeux, jouets, articles pour artisanat, articles pour travaux "
        "artistiques et accessoires",
    ),
    ("38000000", "5", "Équipements de laboratoire, d'optique et de précision (excepté les lunettes)"),
    (
        "39000000",
        "2",
        "Meubles (y compris les meubles de bureau), aménagements, appareils électroménagers (à l'exclusion de "
        "l'éclairage) et produits de nettoyage",
    ),
    ("41000000", "9", "Eau collectée et purifiée"),
    ("42000000", "6", "Machines industrielles"),
    ("43000000", "3", "Machines pour l'exploitation minière et le travail des carrières, matériel de construction"),
    (
        "44000000",
        "0",
        "Structures et matériaux de construction ; produits auxiliaires pour la construction (à l'exception des "
        "appareils électriques)",
    ),
    ("45000000", "7", "Travaux de construction"),
    ("48000000", "8", "Logiciels et systèmes d'information"),
    ("50000000", "5", "Services de réparation et d'entretien"),
    ("51000000", "9", "Services d'installation (excepté logiciels)"),
    ("55000000", "0", "Services d'hôtellerie, de restauration et de commerce au détail"),
    ("60000000", "8", "Services de transport (à l'exclusion du transport des déchets)"),
    (
        "63000000",
        "9",
        "Services d'appui et services auxiliaires dans le domaine des transports ; services des agences de voyage",
    ),
    ("64000000", "6", "Services des postes et télécommunications"),
    ("65000000", "3", "Services publics"),
    ("66000000", "0", "Services financiers et services d'assurance"),
    ("70000000", "1", "Services immobiliers"),
    (
        "71000000",
        "8",
        "Services d'architecture, services de construction, services d'ingénierie et services d'inspection",
    ),
    (
        "72000000",
        "5",
        "Services des technologies de l'information : conseil, développement de logiciels, Internet et appui",
    ),
    ("73000000", "2", "Services de recherche et développement et services de conseil connexes"),
    ("75000000", "6", "Services de l'administration publique, de la défense et de la sécurité sociale"),
    ("76000000", "3", "Services liés à l'industrie du pétrole et du gaz"),
    ("77000000", "0", "Services agricoles, sylvicoles, horticoles, aquacoles et apicoles"),
    ("79000000", "4", "Services aux entreprises : droit, marketing, conseil, recrutement, impression et sécurité"),
    ("80000000", "4", "Services d'enseignement et de formation"),
    ("85000000", "9", "Services de santé et services sociaux"),
    ("90000000", "7", "Services relatifs aux eaux usées, aux déchets, au nettoyage et à l'environnement"),
    ("92000000", "1", "Services récréatifs, culturels et sportifs"),
    ("98000000", "3", "Autres services communautaires, sociaux et personnels"),
]

GROUPS: list[tuple[str, str, str]] = [
    ("15800000", "6", "Produits alimentaires divers"),
    ("18100000", "0", "Vêtements professionnels, vêtements de travail spéciaux et accessoires"),
    ("22100000", "1", "Livres imprimés, brochures et dépliants"),
    ("39100000", "3", "Meubles"),
    ("45100000", "8", "Travaux de préparation de chantier"),
    ("45200000", "9", "Travaux de construction complète ou partielle et travaux de génie civil"),
    ("45300000", "0", "Travaux d'équipement du bâtiment"),
    ("45400000", "1", "Travaux de parachèvement de bâtiment"),
    ("50700000", "2", "Services de réparation et d'entretien d'équipements de bâtiments"),
    ("55300000", "3", "Services de restaurant et de service de repas"),
    ("55500000", "5", "Services de cantine et de restauration collective"),
    ("60100000", "9", "Services de transport routier"),
    ("77300000", "3", "Services horticoles"),
    ("79400000", "8", "Services de conseil commercial et de conseil en gestion et services connexes"),
    ("79600000", "0", "Services de recrutement"),
    ("79800000", "2", "Services d'impression et services connexes"),
    ("80500000", "9", "Services de formation"),
    ("85300000", "2", "Services d'action sociale et services connexes"),
    ("90500000", "2", "Services liés aux déchets et aux ordures"),
    ("90900000", "6", "Services de nettoyage et d'hygiène"),
    ("92300000", "4", "Services de divertissement"),
    ("92500000", "6", "Services de bibliothèques, archives, musées et autres services culturels"),
    ("92600000", "7", "Services sportifs"),
]


def division_of(digits: str) -> str:
    """The eight digits of the division a code belongs to (« 45210000 » → « 45000000 »)."""
    return digits[:2] + "000000"


def level_of(digits: str) -> str:
    """« division » or « group » for the codes of this table (two or three significant digits)."""
    return "division" if digits[2:] == "000000" else "group"
