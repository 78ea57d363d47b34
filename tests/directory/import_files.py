"""Synthetic files for the import tests: SIRENE stock extracts with valid check digits, fictional names."""

import csv
import io
from pathlib import Path

from stdnum import luhn

ESTABLISHMENT_COLUMNS = [
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "codeCommuneEtablissement",
    "enseigne1Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "etatAdministratifEtablissement",
]
LEGAL_UNIT_COLUMNS = [
    "siren",
    "statutDiffusionUniteLegale",
    "denominationUniteLegale",
    "categorieJuridiqueUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "etatAdministratifUniteLegale",
]


def siren(n: int) -> str:
    """A Luhn-valid SIREN made from a number (fictional: 9xxxxxxxx-like bodies are not asked of INSEE)."""
    body = f"{n:08d}"
    return body + luhn.calc_check_digit(body)


def siret(n: int, establishment: int = 1) -> str:
    """A Luhn-valid SIRET: the SIREN of `n` and an establishment number."""
    body = siren(n) + f"{establishment:04d}"
    return body + luhn.calc_check_digit(body)


def establishment(n: int, *, establishment_number: int = 1, **overrides) -> dict:
    number = siret(n, establishment_number)
    row = {
        "siren": number[:9],
        "nic": number[9:],
        "siret": number,
        "statutDiffusionEtablissement": "O",
        "dateCreationEtablissement": "2015-03-01",
        "complementAdresseEtablissement": "",
        "numeroVoieEtablissement": "12",
        "indiceRepetitionEtablissement": "",
        "typeVoieEtablissement": "R",
        "libelleVoieEtablissement": "DE LA FICTION",
        "codePostalEtablissement": "93100",
        "libelleCommuneEtablissement": "MONTREUIL",
        "codeCommuneEtablissement": "93048",
        "enseigne1Etablissement": "",
        "denominationUsuelleEtablissement": "",
        "activitePrincipaleEtablissement": "88.99B",
        "etatAdministratifEtablissement": "A",
    }
    row.update(overrides)
    return row


def legal_unit(n: int, **overrides) -> dict:
    row = {
        "siren": siren(n),
        "statutDiffusionUniteLegale": "O",
        "denominationUniteLegale": f"ASSOCIATION FICTIVE {n}",
        "categorieJuridiqueUniteLegale": "9220",
        "economieSocialeSolidaireUniteLegale": "O",
        "etatAdministratifUniteLegale": "A",
    }
    row.update(overrides)
    return row


def csv_text(columns: list[str], rows: list[dict], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def sirene_files(directory: Path, establishments: list[dict], legal_units: list[dict]) -> tuple[Path, Path]:
    """StockEtablissement and StockUniteLegale extracts (comma-separated UTF-8, as INSEE publishes them)."""
    stock = directory / "StockEtablissement.csv"
    units = directory / "StockUniteLegale.csv"
    stock.write_text(csv_text(ESTABLISHMENT_COLUMNS, establishments), encoding="utf-8")
    units.write_text(csv_text(LEGAL_UNIT_COLUMNS, legal_units), encoding="utf-8")
    return stock, units
