"""The benchmark's data: `generate_fake` when the project has it, else a fallback written here.

The fallback writes an export-layout CSV (`/annuaire/export.csv`'s header) of N fictional actors in the
nine communes and imports it with `manage.py import_actors` — the project's own write path, so the
search columns are filled as the application fills them — then publishes the imported (pending) rows
with one UPDATE. It has no cooperations, offers or initiatives: a thinner data set than the
generator's, said so in the results (`data_source`).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

# Search terms of the fallback data: the common one is in a third of the short descriptions, the
# selective one in about 0.2 % of them. `generate_fake`'s own terms (directory.fake) win when present.
FALLBACK_COMMON_TERM = "atelier"
FALLBACK_SELECTIVE_TERM = "apiculture"
COMMUNES = [
    ("93006", "93170", "Bagnolet", 48.869, 2.418),
    ("93008", "93000", "Bobigny", 48.908, 2.439),
    ("93010", "93140", "Bondy", 48.902, 2.483),
    ("93045", "93260", "Les Lilas", 48.880, 2.419),
    ("93048", "93100", "Montreuil", 48.861, 2.443),
    ("93053", "93130", "Noisy-le-Sec", 48.891, 2.460),
    ("93055", "93500", "Pantin", 48.894, 2.409),
    ("93061", "93310", "Le Pré-Saint-Gervais", 48.885, 2.404),
    ("93063", "93230", "Romainville", 48.884, 2.435),
]
HEADER = [
    "nom", "identifiant", "SIRET", "forme juridique", "typologie", "secteurs", "adresse", "code postal",
    "commune", "code INSEE", "quartier prioritaire", "latitude", "longitude", "site web", "e-mail",
    "téléphone", "description courte", "fictif", "modifié le", "page",
]  # fmt: skip
KINDS = ["Association", "Coopérative", "Collectif", "Atelier partagé", "Réseau", "Maison", "Fabrique", "Comptoir"]
THEMES = [
    "du réemploi", "des jardins", "de la couture", "du vélo", "des savoirs", "de l'entraide", "du goût",
    "des métiers d'art", "de la réparation", "des épiceries", "de l'insertion", "du numérique",
]  # fmt: skip
PLACES = ["Étienne-Marcel", "Croix-de-Chavaux", "Hoche", "Raymond-Queneau", "Église", "Canal", "Malassis", "Gare"]
LEGAL_FORMS = ["association"] * 6 + ["scop", "scic", "cooperative", "mutual", "foundation", "ess_company"]
TYPOLOGIES = ["entrepreneurial", "militant", "undetermined"]
STREETS = ["rue de Paris", "avenue Jean-Jaurès", "rue Lénine", "boulevard Chanzy", "rue de la République"]
PHRASES = [
    "accompagne les habitants du quartier", "propose des paniers de saison", "forme des jeunes aux métiers",
    "répare et revend des objets", "anime des cafés-débats", "loue du matériel à petit prix",
    "organise des chantiers collectifs", "aide aux démarches numériques",
]  # fmt: skip


def luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def write_export_csv(path: Path, rows: int, sectors: list[str], *, seed: int = 1) -> None:
    """N actors in the export's layout (`;`, UTF-8 with BOM), new records (no `identifiant`)."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            insee, postal, commune, lat, lon = COMMUNES[n % len(COMMUNES)]
            words = [rng.choice(PHRASES)]
            if n % 3 == 0:
                words.append(f"dans son {FALLBACK_COMMON_TERM}")
            if n % 500 == 7:
                words.append(f"et pratique l'{FALLBACK_SELECTIVE_TERM}")
            siret = ""
            if n % 2 == 0:
                body = f"{80_000_000 + n:08d}"
                siren = body + luhn_digit(body)
                siret = siren + "0001" + luhn_digit(siren + "0001")
            writer.writerow(
                [
                    f"{rng.choice(KINDS)} {rng.choice(THEMES)} {rng.choice(PLACES)} {n:06d} (fictif)",
                    "",
                    siret,
                    rng.choice(LEGAL_FORMS),
                    rng.choice(TYPOLOGIES),
                    "|".join(rng.sample(sectors, k=rng.randint(1, 2))),
                    f"{1 + n % 180} {rng.choice(STREETS)}",
                    postal,
                    commune,
                    insee,
                    "",
                    f"{lat + rng.uniform(-0.008, 0.008):.6f}",
                    f"{lon + rng.uniform(-0.008, 0.008):.6f}",
                    f"https://exemple-{n}.example.org" if n % 4 == 0 else "",
                    f"contact{n}@example.org" if n % 3 == 0 else "",
                    "",
                    "L'organisation " + ", ".join(words) + ".",
                    "oui",
                    "",
                    "",
                ]
            )
