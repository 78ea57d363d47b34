"""Imports of actors from a file: the directory's own export, or INSEE's SIRENE stock (docs/imports.md).

`import_actors()` is the one service; the command `import_actors` and the admin's import pages call it.

- The file is read as a stream: CSV (UTF-8 with or without BOM, else cp1252 or Latin-1; `;`, `,` or tab
  found from the header) or XLSX (openpyxl, read-only), in batches of `BATCH_SIZE` rows. Each batch costs
  a few queries whatever its content; nothing holds more than one batch of actors.
- A row names an actor by its SIRET, else by the source's own identifier: `SourceRecord.source_id` (or
  `Actor.source_id` of an imported record), the `identifiant` (slug) of an export row; an export row
  with neither is matched on its name and commune.
- A field is updated when nobody changed it since the source last said it: `SourceRecord.values` for the
  source (for an export row, the record as it was at the row's « modifié le », from the history). A field
  changed since is kept and reported as a conflict; an empty field is always filled.
- Every actor written goes through `Actor.full_clean()` (a new one on the fields its row sets, the others
  holding valid defaults). Creations are written by `directory.bulk.BulkWriter` (COPY on PostgreSQL, keys
  from the tables' sequences, no lock), updates by `bulk_update`; each with one history record stamped as
  coming from the import (`directory.history.provenance`).
  New actors are « à valider »; the publication state of existing ones is never touched.
- A real run is all or nothing unless `skip_invalid`: one refused line and nothing is written. A dry run
  writes nothing but its `ImportRun`, which every run leaves.
"""

import codecs
import contextlib
import csv
import io
import re
import time
import warnings
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError

import openpyxl
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils.exceptions import InvalidFileException
from simple_history.models import HistoricalRecords

from directory import validators
from directory.bulk import BulkWriter, HistoryStamp, ModelRows, SequenceIds
from directory.history import Origin, provenance, provenance_attrs
from directory.models import (
    Actor,
    Commune,
    ImportRun,
    Neighbourhood,
    PublicationStatus,
    Sector,
    SourceRecord,
    Typology,
    base_slug,
)
from directory.views import CSV_COLUMNS
from ess_portal.csv_export import read_cell

# Rows matched, validated and written together: a few queries per batch, one batch of actors in memory.
BATCH_SIZE = 500
# Lines kept in a run's report (and shown by the admin's preview): problems and other lines, each.
REPORT_MAX_LINES = 1000
# A refused real run names at most this many lines in its error message (the report has the rest).
ERROR_MAX_LINES = 20
_READ_CHUNK = 1 << 20
ProgressCallback = Callable[[int, float | None], None]


class ImportFileError(Exception):
    """The file cannot be imported at all (too large, empty, unreadable, wrong columns): a French message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    IGNORED = "ignored"


OUTCOME_LABELS = {
    Outcome.CREATED: "créé",
    Outcome.UPDATED: "mis à jour",
    Outcome.UNCHANGED: "inchangé",
    Outcome.REFUSED: "refusé",
    Outcome.IGNORED: "ignoré",
}


# ---------------------------------------------------------------------------
# Reading a table: CSV or XLSX, streamed


@dataclass
class Table:
    """The header and the rows of a file: `rows` yields (line number, cells), `fraction()` how much is read."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    fraction: Callable[[], float | None]


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it (the CSV reader's progress)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def seekable(self) -> bool:
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        position = self.raw.seek(offset, whence)
        self.count = position
        return position

    def tell(self) -> int:
        return self.raw.tell()


def check_size(size: int, *, label: str) -> None:
    """Refuse a file larger than IMPORT_MAX_BYTES, or an empty one."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _(
                "%(label)s fait %(size)s Mo : la limite est de %(limit)s Mo (réglage IMPORT_MAX_BYTES). "
                "Découpez-le ou filtrez-le (par exemple sur les communes du territoire)."
            )
            % {"label": label, "size": megabytes(size), "limit": megabytes(limit)}
        )
    if size == 0:
        raise ImportFileError(_("%(label)s est vide.") % {"label": label})


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "")


def detect_encoding(path: Path, *, label: str) -> str:
    """The text encoding of a CSV file: its BOM, else UTF-8 if every byte decodes, else cp1252, else Latin-1."""
    with path.open("rb") as file:
        start = file.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        for encoding in ("utf-8", "cp1252"):
            file.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                for chunk in iter(lambda: file.read(_READ_CHUNK), b""):
                    if b"\x00" in chunk:
                        raise ImportFileError(
                            _(
                                "%(label)s n'est pas un fichier CSV (il contient des octets nuls) : enregistrez-le "
                                "en CSV ou en classeur Excel (.xlsx)."
                            )
                            % {"label": label}
                        )
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    return "latin-1"


@contextlib.contextmanager
def open_table(path: Path, *, file_name: str, label: str) -> Iterator[Table]:
    """The table in `path` (CSV or XLSX, told by its content), read as it is iterated.

    Raises ImportFileError with a French message for a file too large, empty, of another kind, or
    unreadable; reading errors found later (a broken cell, a corrupt sheet) raise it too, naming the line.
    """
    check_size(path.stat().st_size, label=label)
    with path.open("rb") as file:
        magic = file.read(8)
    if magic.startswith(b"PK\x03\x04"):
        with _open_xlsx(path, label=label) as table:
            yield table
        return
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("%(label)s est un classeur Excel 97-2003 (.xls) : enregistrez-le en .xlsx ou en CSV.") % {"label": label}
        )
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(
            _("%(label)s n'est pas un classeur Excel valide (ce n'est pas une archive .xlsx).") % {"label": label}
        )
    with _open_csv(path, label=label) as table:
        yield table


@contextlib.contextmanager
def _open_csv(path: Path, *, label: str) -> Iterator[Table]:
    encoding = detect_encoding(path, label=label)
    size = path.stat().st_size
    with path.open("rb") as raw:
        counter = _CountingReader(raw)
        text = io.TextIOWrapper(io.BufferedReader(counter, _READ_CHUNK), encoding=encoding, newline="")
        first_line = text.readline()
        text.seek(0)
        delimiter = max((";", ",", "\t"), key=first_line.count)
        reader = csv.reader(text, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, list[str]]]:
            line = reader.line_num + 1
            try:
                for cells in reader:
                    yield line, cells
                    line = reader.line_num + 1
            except csv.Error as exc:
                raise ImportFileError(
                    _("%(label)s est illisible à la ligne %(line)d (%(error)s).")
                    % {"label": label, "line": line, "error": exc}
                ) from exc

        iterator = rows()
        header = next(iterator, None)
        if header is None or not any(cell.strip() for cell in header[1]):
            raise ImportFileError(_("%(label)s est vide.") % {"label": label})
        yield Table(header=header[1], rows=iterator, fraction=lambda: min(counter.count / size, 1.0))


_XLSX_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, ParseError)


@contextlib.contextmanager
def _open_xlsx(path: Path, *, label: str) -> Iterator[Table]:
    with warnings.catch_warnings():
        # openpyxl warns about what it does not read (styles, data validation…): none of it is data.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        with _read_xlsx(path, label=label) as table:
            yield table


@contextlib.contextmanager
def _read_xlsx(path: Path, *, label: str) -> Iterator[Table]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _XLSX_ERRORS as exc:
        raise ImportFileError(
            _("%(label)s n'est pas un classeur Excel (.xlsx) lisible : enregistrez-le de nouveau en .xlsx ou en CSV.")
            % {"label": label}
        ) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("%(label)s ne contient aucune feuille.") % {"label": label})
        sheet = workbook.worksheets[0]
        total = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row > 0 else None
        state = {"line": 0}

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                for values in sheet.iter_rows(values_only=True):
                    state["line"] += 1
                    yield state["line"], [_cell_text(value) for value in values]
            except _XLSX_ERRORS as exc:
                raise ImportFileError(
                    _("%(label)s est illisible après la ligne %(line)d : le classeur est endommagé.")
                    % {"label": label, "line": state["line"]}
                ) from exc

        iterator = rows()
        header = next(iterator, None)
        if header is None or not any(cell.strip() for cell in header[1]):
            raise ImportFileError(_("%(label)s est vide.") % {"label": label})
        yield Table(
            header=header[1],
            rows=iterator,
            fraction=lambda: min(state["line"] / total, 1.0) if total else None,
        )
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _normalise_header(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


# ---------------------------------------------------------------------------
# What a row says, in one representation per field (the export's: INSEE code, slugs)


@dataclass(frozen=True)
class Vocabulary:
    """The reference data a row names, loaded once per run."""

    communes: dict[str, Commune]
    communes_by_id: dict[int, Commune]
    communes_by_name: dict[str, Commune]
    neighbourhoods: dict[str, Neighbourhood]
    neighbourhoods_by_id: dict[int, Neighbourhood]
    neighbourhoods_by_name: dict[str, Neighbourhood]
    sectors: dict[str, Sector]
    sectors_by_id: dict[int, Sector]
    sectors_by_name: dict[str, list[Sector]]

    @classmethod
    def load(cls) -> "Vocabulary":
        communes = list(Commune.objects.all())
        # With their communes: Actor.clean() checks a neighbourhood's commune without a query per row.
        neighbourhoods = list(Neighbourhood.objects.prefetch_related("communes"))
        sectors = list(Sector.objects.all())
        by_name = defaultdict(list)
        for sector in sectors:
            by_name[sector.name.casefold()].append(sector)
        return cls(
            communes={c.insee_code: c for c in communes},
            communes_by_id={c.pk: c for c in communes},
            communes_by_name={c.name.casefold(): c for c in communes},
            neighbourhoods={n.slug: n for n in neighbourhoods},
            neighbourhoods_by_id={n.pk: n for n in neighbourhoods},
            neighbourhoods_by_name={n.name.casefold(): n for n in neighbourhoods},
            sectors={s.slug: s for s in sectors},
            sectors_by_id={s.pk: s for s in sectors},
            sectors_by_name=dict(by_name),
        )


TEXT_FIELDS = ("name", "address", "postal_code", "website", "email", "short_description")
EMPTY_VALUES = ("", None, ())


def _decimal_text(value) -> str:
    return "" if value is None else str(Decimal(value).quantize(Decimal("0.000001")))


def _phone_text(value: str) -> str:
    value = (value or "").strip()
    try:
        return validators.normalize_phone(value) if value else ""
    except ValidationError:
        return value


def snapshot(obj, fields: Iterable[str], vocabulary: Vocabulary, sector_ids: Iterable[int] = ()) -> dict[str, Any]:
    """The values of `fields` on an actor (or one of its historical records), as an import compares them."""
    values = {}
    for name in fields:
        if name in TEXT_FIELDS or name == "siret":
            values[name] = (getattr(obj, name) or "").strip()
        elif name == "phone":
            values[name] = _phone_text(obj.phone)
        elif name in ("legal_form", "typology"):
            values[name] = getattr(obj, name)
        elif name == "commune":
            values[name] = vocabulary.communes_by_id[obj.commune_id].insee_code if obj.commune_id else ""
        elif name == "neighbourhood":
            neighbourhood = vocabulary.neighbourhoods_by_id.get(obj.neighbourhood_id)
            values[name] = neighbourhood.slug if neighbourhood else ""
        elif name in ("latitude", "longitude"):
            values[name] = _decimal_text(getattr(obj, name))
        elif name == "is_fictional":
            values[name] = bool(obj.is_fictional)
        elif name == "sectors":
            values[name] = tuple(
                sorted(vocabulary.sectors_by_id[pk].slug for pk in sector_ids if pk in vocabulary.sectors_by_id)
            )
        else:  # pragma: no cover - a format names only the fields above
            raise ValueError(name)
    return values


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Values as JSON keeps them (SourceRecord.values)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()}


def _loaded(values: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}


def display_value(value) -> str:
    """A value of the report, as the person reading it typed it."""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, tuple | list):
        return ", ".join(value)
    return str(value)


def merge(
    current: dict[str, Any], said: dict[str, Any], base: dict[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """What to change on a record (`said` where it may), and the fields in conflict.

    A field the source changes is updated when the record still holds what the source said before
    (`base`), or nothing; otherwise someone edited it since: it is kept, and named as a conflict.
    """
    changes, conflicts = {}, []
    for name, value in said.items():
        now = current[name]
        if value == now:
            continue
        if now in EMPTY_VALUES or (base is not None and name in base and base[name] == now):
            changes[name] = value
        else:
            conflicts.append(name)
    return changes, conflicts


# ---------------------------------------------------------------------------
# Formats


@dataclass
class ParsedRow:
    """One line of the file: the actor it names and what it says of it."""

    line: int
    name: str
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    siret: str = ""
    slug: str = ""
    source_id: str = ""
    stamp: datetime | None = None
    # Given to a new actor only.
    defaults: dict[str, Any] = field(default_factory=dict)
    # Kept in SourceRecord.values besides the fields, for the record (never compared).
    extra: dict[str, Any] = field(default_factory=dict)


class Ignored(NamedTuple):
    """A line the format leaves out (a closed establishment, another commune…): counted, not reported."""

    reason: str


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True


class ImportFormat:
    """How one kind of file names its columns and what a row says."""

    name: str
    default_source: str
    fields: tuple[str, ...]
    # Whether a column the format does not know is refused (the export), or ignored (SIRENE's many).
    strict: bool

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def label(self, field_name: str) -> str:
        if field_name == NON_FIELD_ERRORS:
            return ""
        return str(Actor._meta.get_field(field_name).verbose_name)

    def index(self, header: list[str], *, label: str) -> dict[str, int]:
        """Column key → position in `header`; refuses missing, unknown and repeated columns, naming them."""
        known = {_normalise_header(column.header): column for column in self.columns()}
        positions, unknown, repeated = {}, [], []
        for position, title in enumerate(header):
            key = _normalise_header(title)
            if not key:
                continue
            column = known.get(key)
            if column is None:
                unknown.append(title.strip())
            elif column.key in positions:
                repeated.append(title.strip())
            else:
                positions[column.key] = position
        problems = []
        missing = [column.header for column in self.columns() if column.required and column.key not in positions]
        if missing:
            problems.append(_("colonnes manquantes : %(columns)s") % {"columns": _quoted(missing)})
        if unknown and self.strict:
            problems.append(_("colonnes inconnues : %(columns)s") % {"columns": _quoted(unknown)})
        if repeated:
            problems.append(_("colonnes en double : %(columns)s") % {"columns": _quoted(repeated)})
        if problems:
            expected = _quoted([column.header for column in self.columns()])
            raise ImportFileError(
                _(
                    "%(label)s ne peut pas être lu au format « %(format)s » : %(problems)s. "
                    "Colonnes attendues : %(expected)s."
                )
                % {"label": label, "format": self.name, "problems": " ; ".join(problems), "expected": expected}
            )
        return positions

    def parse(self, line: int, cells: dict[str, str]) -> ParsedRow | Ignored:
        raise NotImplementedError


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"« {name} »" for name in names)


def _parse_stamp(text: str) -> datetime | None:
    """The export's « modifié le » (ISO 8601), or as a French spreadsheet may have rewritten it."""
    text = text.strip()
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
            try:
                stamp = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            return None
    if timezone.is_naive(stamp):
        stamp = timezone.make_aware(stamp)
    return stamp


def _parse_decimal(text: str) -> str:
    text = text.strip().replace(",", ".")
    if not text:
        return ""
    try:
        return _decimal_text(Decimal(text))
    except InvalidOperation as exc:
        raise ValueError(_("« %(value)s » n'est pas un nombre.") % {"value": text}) from exc


def _siret_text(text: str) -> str:
    """A SIRET as typed, compacted; a spreadsheet that took it for a number dropped its leading zeros."""
    compact = validators.digits_only(text)
    return compact.zfill(14) if compact.isdigit() and 9 < len(compact) < 14 else compact


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[str(label).casefold()] = value
        lookup[value.casefold()] = value
    return lookup


class ExportFormat(ImportFormat):
    """The public export `/annuaire/export.csv` (directory.views.CSV_COLUMNS), as a spreadsheet gives it back.

    « identifiant » is the record's slug here: the source id of an export row. « commune » is read when
    « code INSEE » is empty; « modifié le » dates the values the row started from; « page » is ignored.
    """

    name = ImportRun.Format.EXPORT
    default_source = "export"
    fields = (
        "name",
        "siret",
        "legal_form",
        "typology",
        "sectors",
        "address",
        "postal_code",
        "commune",
        "neighbourhood",
        "latitude",
        "longitude",
        "website",
        "email",
        "phone",
        "short_description",
        "is_fictional",
    )
    strict = True
    OPTIONAL = ("updated_at", "url")
    # The export's column of each field (the commune is its INSEE code).
    FIELD_COLUMNS = {"commune": "insee_code"}

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.headers = {key: str(header) for key, header in CSV_COLUMNS}
        self.legal_forms = _choice_lookup(Actor.LegalForm.choices)
        self.typologies = _choice_lookup(Typology.choices)

    @classmethod
    def export_columns(cls) -> list[Column]:
        """The columns of `/annuaire/export.csv`, all required but « modifié le » and « page »."""
        return [Column(key, str(header), key not in cls.OPTIONAL) for key, header in CSV_COLUMNS]

    def columns(self) -> list[Column]:
        return self.export_columns()

    def label(self, field_name: str) -> str:
        column = self.FIELD_COLUMNS.get(field_name, field_name)
        return self.headers.get(column) or super().label(field_name)

    def parse(self, line: int, cells: dict[str, str]) -> ParsedRow:
        cells = {key: read_cell(value.strip()) for key, value in cells.items()}
        row = ParsedRow(line=line, name=cells["name"], values={}, slug=cells["slug"], source_id=cells["slug"])
        values, errors = row.values, row.errors
        values["name"] = cells["name"]
        row.siret = values["siret"] = _siret_text(cells["siret"])
        for name, lookup in (("legal_form", self.legal_forms), ("typology", self.typologies)):
            text = cells[name]
            if not text:
                values[name] = Typology.UNDETERMINED.value if name == "typology" else ""
            elif text.casefold() in lookup:
                values[name] = lookup[text.casefold()]
            else:
                choices = Actor.LegalForm.choices if name == "legal_form" else Typology.choices
                errors[name].append(
                    _("« %(value)s » n'est pas une valeur connue (valeurs possibles : %(choices)s).")
                    % {"value": text, "choices": _quoted(str(label) for _value, label in choices)}
                )
        self._parse_sectors(cells["sectors"], row)
        values["address"] = cells["address"]
        values["postal_code"] = cells["postal_code"]
        self._parse_commune(cells["insee_code"], cells["commune"], row)
        self._parse_neighbourhood(cells["neighbourhood"], row)
        for name in ("latitude", "longitude"):
            try:
                values[name] = _parse_decimal(cells[name])
            except ValueError as exc:
                errors[name].append(str(exc))
        website = cells["website"]
        # Typed without a scheme, as the admin takes it (https://).
        values["website"] = f"https://{website}" if website and "://" not in website else website
        values["email"] = cells["email"]
        values["phone"] = _phone_text(cells["phone"])
        values["short_description"] = cells["short_description"]
        fictional = cells["is_fictional"].casefold()
        if fictional in ("oui", "o", "vrai", "true", "1", "yes"):
            values["is_fictional"] = True
        elif fictional in ("", "non", "n", "faux", "false", "0", "no"):
            values["is_fictional"] = False
        else:
            errors["is_fictional"].append(_("Écrivez « oui » ou « non » (lu : « %(value)s »).") % {"value": fictional})
        row.stamp = _parse_stamp(cells.get("updated_at", ""))
        return row

    def _parse_sectors(self, text: str, row: ParsedRow) -> None:
        # Names are joined by « , » (the public export) or « | » (the admin's); a name may hold a comma.
        pieces = [piece.strip() for piece in re.split(r"[,|]", text)]
        slugs, pending = set(), ""
        for piece in pieces:
            if not piece and not pending:
                continue
            candidate = f"{pending}, {piece}" if pending else piece
            found = self._sector(candidate)
            if found is None:
                pending = candidate
                continue
            if found == "ambiguous":
                row.errors["sectors"].append(
                    _("Plusieurs secteurs s'appellent « %(name)s » : écrivez leur identifiant.") % {"name": candidate}
                )
            else:
                slugs.add(found)
            pending = ""
        if pending:
            row.errors["sectors"].append(_("Secteur inconnu : « %(name)s ».") % {"name": pending})
        row.values["sectors"] = tuple(sorted(slugs))

    def _sector(self, text: str) -> str | None:
        key = text.casefold()
        if key.split(" › ")[-1] in self.vocabulary.sectors_by_name:
            matches = self.vocabulary.sectors_by_name[key.split(" › ")[-1]]
            return matches[0].slug if len(matches) == 1 else "ambiguous"
        return text if text in self.vocabulary.sectors else None

    def _parse_commune(self, insee_code: str, name: str, row: ParsedRow) -> None:
        vocabulary = self.vocabulary
        commune = None
        if insee_code:
            commune = vocabulary.communes.get(insee_code)
            if commune is None:
                row.errors["commune"].append(_("Code INSEE inconnu : « %(code)s ».") % {"code": insee_code})
                return
            if name and name.casefold() != commune.name.casefold():
                row.errors["commune"].append(
                    _(
                        "La commune « %(name)s » ne correspond pas au code INSEE %(code)s (%(commune)s) : "
                        "corrigez l'une des deux colonnes."
                    )
                    % {"name": name, "code": insee_code, "commune": commune.name}
                )
                return
        elif name:
            commune = vocabulary.communes_by_name.get(name.casefold())
            if commune is None:
                row.errors["commune"].append(_("Commune inconnue : « %(name)s ».") % {"name": name})
                return
        row.values["commune"] = commune.insee_code if commune else ""

    def _parse_neighbourhood(self, text: str, row: ParsedRow) -> None:
        if not text:
            row.values["neighbourhood"] = ""
            return
        neighbourhood = self.vocabulary.neighbourhoods_by_name.get(
            text.casefold()
        ) or self.vocabulary.neighbourhoods.get(text)
        if neighbourhood is None:
            row.errors["neighbourhood"].append(_("Quartier inconnu : « %(name)s ».") % {"name": text})
            return
        row.values["neighbourhood"] = neighbourhood.slug


# INSEE legal categories (catégories juridiques) → legal form. Source: shared/reference/est-ensemble.md,
# « Identifiers and standards »: associations 92xx, foundations 9300, SCOP 5458/5558/5658, mutual
# companies 8210/8250/8290. SCIC has no category of its own; every other category is « autre ».
LEGAL_CATEGORY_PREFIXES = {"92": Actor.LegalForm.ASSOCIATION}
LEGAL_CATEGORIES = {
    "9300": Actor.LegalForm.FOUNDATION,
    "5458": Actor.LegalForm.SCOP,
    "5558": Actor.LegalForm.SCOP,
    "5658": Actor.LegalForm.SCOP,
    "8210": Actor.LegalForm.MUTUAL,
    "8250": Actor.LegalForm.MUTUAL,
    "8290": Actor.LegalForm.MUTUAL,
}
# The legal forms that are ESS by their status (the others, flagged ESS by SIRENE, are left « non renseigné »).
STATUTORY_FORMS = {
    Actor.LegalForm.ASSOCIATION,
    Actor.LegalForm.FOUNDATION,
    Actor.LegalForm.SCOP,
    Actor.LegalForm.MUTUAL,
}


def legal_form_for_category(code: str) -> str:
    """The actor's legal form for an INSEE legal category (« 9220 » → association)."""
    code = (code or "").strip()
    if code in LEGAL_CATEGORIES:
        return LEGAL_CATEGORIES[code]
    if len(code) == 4 and code[:2] in LEGAL_CATEGORY_PREFIXES:
        return LEGAL_CATEGORY_PREFIXES[code[:2]]
    return Actor.LegalForm.OTHER


# SIRENE's street types (typeVoieEtablissement), written out.
STREET_TYPES = {
    "ALL": "allée",
    "AV": "avenue",
    "BD": "boulevard",
    "BER": "berge",
    "CAR": "carrefour",
    "CHE": "chemin",
    "CHS": "chaussée",
    "CITE": "cité",
    "COR": "corniche",
    "CRS": "cours",
    "DOM": "domaine",
    "DSC": "descente",
    "ECA": "écart",
    "ESP": "esplanade",
    "FG": "faubourg",
    "GR": "grande rue",
    "HAM": "hameau",
    "HLE": "halle",
    "IMP": "impasse",
    "LD": "lieu-dit",
    "LOT": "lotissement",
    "MAR": "marché",
    "MTE": "montée",
    "PARC": "parc",
    "PAS": "passage",
    "PL": "place",
    "PLN": "plaine",
    "PLT": "plateau",
    "PRO": "promenade",
    "PRV": "parvis",
    "QUA": "quartier",
    "QUAI": "quai",
    "R": "rue",
    "RES": "résidence",
    "RLE": "ruelle",
    "ROC": "rocade",
    "RPT": "rond-point",
    "RTE": "route",
    "SEN": "sentier",
    "SQ": "square",
    "TPL": "terre-plein",
    "TRA": "traverse",
    "VLA": "villa",
    "VLGE": "village",
}
# indiceRepetitionEtablissement
REPETITION_INDEXES = {"B": "bis", "T": "ter", "Q": "quater", "C": "quinquies"}
_LOWER_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "au", "aux", "sur", "sous", "en", "à"}
# SIRENE's mark for a value withheld (« diffusion partielle »).
WITHHELD = "[ND]"


def _street_name(text: str) -> str:
    """« DE LA REPUBLIQUE » → « de la Republique » (SIRENE writes street names in capitals without accents)."""
    words = re.split(r"(\s+|-|')", text.strip().lower())
    return "".join(
        word if word in _LOWER_WORDS or not word.strip(" -'") else word[:1].upper() + word[1:] for word in words
    )


def sirene_address(number: str, repetition: str, street_type: str, street: str) -> str:
    """The street address of an establishment: « 12 bis avenue de la Republique »."""
    number, repetition, street_type = number.strip(), repetition.strip().upper(), street_type.strip().upper()
    parts = [
        number,
        REPETITION_INDEXES.get(repetition, repetition.lower()) if number else "",
        STREET_TYPES.get(street_type, street_type.lower()),
        _street_name(street),
    ]
    return " ".join(part for part in parts if part and part != WITHHELD.lower())


class LegalUnit(NamedTuple):
    name: str
    category: str
    withheld: bool


class SireneFormat(ImportFormat):
    """INSEE's SIRENE stock: StockEtablissement rows, joined with the StockUniteLegale rows of their SIREN.

    Kept: active establishments (etat A) of the chosen communes whose legal unit is in the ESS (O) and
    fully published; every other row is left out and counted. Columns other than those read are ignored.
    """

    name = ImportRun.Format.SIRENE
    default_source = "sirene"
    fields = ("name", "siret", "legal_form", "address", "postal_code", "commune")
    strict = False
    COLUMNS = [
        Column("siret", "siret"),
        Column("siren", "siren", required=False),
        Column("commune", "codeCommuneEtablissement"),
        Column("postal_code", "codePostalEtablissement"),
        Column("number", "numeroVoieEtablissement", required=False),
        Column("repetition", "indiceRepetitionEtablissement", required=False),
        Column("street_type", "typeVoieEtablissement", required=False),
        Column("street", "libelleVoieEtablissement", required=False),
        Column("activity", "activitePrincipaleEtablissement", required=False),
        Column("state", "etatAdministratifEtablissement"),
        Column("sign", "enseigne1Etablissement", required=False),
        Column("usual_name", "denominationUsuelleEtablissement", required=False),
        Column("diffusion", "statutDiffusionEtablissement", required=False),
    ]
    LEGAL_UNIT_COLUMNS = [
        Column("siren", "siren"),
        Column("name", "denominationUniteLegale"),
        Column("category", "categorieJuridiqueUniteLegale"),
        Column("ess", "economieSocialeSolidaireUniteLegale"),
        Column("diffusion", "statutDiffusionUniteLegale", required=False),
    ]
    SOURCE_REFERENCE = "Répertoire SIRENE de l'INSEE (stock des établissements et des unités légales)"

    def __init__(self, *, legal_units: dict[str, LegalUnit], communes: set[str]):
        self.legal_units = legal_units
        self.communes = communes

    def columns(self) -> list[Column]:
        return self.COLUMNS

    def parse(self, line: int, cells: dict[str, str]) -> ParsedRow | Ignored:
        cells = {key: value.strip() for key, value in cells.items()}
        if cells["state"] != "A":
            return Ignored(_("établissement fermé"))
        if cells["commune"] not in self.communes:
            return Ignored(_("hors des communes retenues"))
        siret = _siret_text(cells["siret"])
        unit = self.legal_units.get(cells.get("siren", "").zfill(9) if cells.get("siren") else siret[:9])
        if unit is None:
            return Ignored(_("unité légale hors de l'ESS ou absente du fichier des unités légales"))
        if unit.withheld or cells.get("diffusion") == "P":
            return Ignored(_("diffusion partielle : données protégées"))
        name = next(
            (text for text in (cells.get("usual_name"), cells.get("sign"), unit.name) if text and text != WITHHELD), ""
        )
        legal_form = legal_form_for_category(unit.category)
        values = {
            "name": name,
            "siret": siret,
            "legal_form": legal_form,
            "address": sirene_address(
                cells.get("number", ""),
                cells.get("repetition", ""),
                cells.get("street_type", ""),
                cells.get("street", ""),
            ),
            "postal_code": cells["postal_code"],
            "commune": cells["commune"],
        }
        return ParsedRow(
            line=line,
            name=name,
            values=values,
            siret=siret,
            source_id=siret,
            defaults={
                "ess_status": Actor.EssStatus.STATUTORY if legal_form in STATUTORY_FORMS else Actor.EssStatus.UNKNOWN,
                "to_complete": True,
                "source_reference": self.SOURCE_REFERENCE,
                "source_date": timezone.localdate(),
            },
            extra={"activite_principale": cells.get("activity", "")},
        )


class _LegalUnitsFormat(ImportFormat):
    """The columns read from StockUniteLegale (the others are ignored)."""

    name = ImportRun.Format.SIRENE
    strict = False

    def columns(self) -> list[Column]:
        return SireneFormat.LEGAL_UNIT_COLUMNS


def load_legal_units(path: Path, *, file_name: str) -> dict[str, LegalUnit]:
    """The ESS legal units (economieSocialeSolidaireUniteLegale = O) of a StockUniteLegale file, by SIREN.

    Only the columns the import needs are kept, and only for ESS units: the dict stays small.
    """
    label = _("Le fichier des unités légales")
    units = {}
    with open_table(path, file_name=file_name, label=label) as table:
        positions = _LegalUnitsFormat().index(table.header, label=label)
        for _line, cells in table.rows:
            values = {
                key: cells[position].strip() if position < len(cells) else "" for key, position in positions.items()
            }
            if values["ess"] != "O":
                continue
            units[values["siren"].zfill(9)] = LegalUnit(
                name="" if values["name"] == WITHHELD else values["name"],
                category=values["category"],
                withheld=values.get("diffusion") == "P",
            )
    return units


# ---------------------------------------------------------------------------
# The run


@dataclass
class ImportResult:
    """What a run found and did; `run` is its saved ImportRun."""

    run: ImportRun
    counts: dict[str, Any]
    lines: list[dict]
    written: bool
    error: str = ""

    @property
    def refused_lines(self) -> list[dict]:
        return [line for line in self.lines if line["outcome"] == Outcome.REFUSED]


class _Rollback(Exception):
    pass


class _Importer:
    """Matches, merges, validates and (unless dry) writes the rows of one file, batch by batch."""

    def __init__(
        self,
        *,
        fmt: ImportFormat,
        source: str,
        vocabulary: Vocabulary,
        dry_run: bool,
        skip_invalid: bool,
        user,
        reason: str,
    ):
        self.fmt = fmt
        self.source = source
        self.vocabulary = vocabulary
        self.writing = not dry_run
        self.skip_invalid = skip_invalid
        self.user = user
        self.reason = reason
        self.counts: Counter = Counter()
        self.ignored: Counter = Counter()
        self.lines: list[dict] = []
        self.problems: list[dict] = []
        self.left_out = 0
        # Keys already met in the file (line of their first row): a second row naming them is refused.
        self.seen_sirets: dict[int, int] = {}
        self.seen_source_ids: dict[str, int] = {}
        self.seen_actors: dict[int, int] = {}
        # New actors, their links, history and source records go through a BulkWriter (COPY on PostgreSQL).
        self.writer: BulkWriter | None = None
        self._new_rows: dict[type, ModelRows] = {}
        self._exclusions: dict[frozenset, list[str]] = {}

    # -- reporting

    def report(self, row: ParsedRow, outcome: str, *, actor=None, fields=(), conflicts=(), current=None, errors=()):
        self.counts[outcome] += 1
        if conflicts:
            self.counts["conflicts"] += 1
        entry = {
            "line": row.line,
            "outcome": outcome,
            "name": row.name or (actor.name if actor is not None else ""),
            "actor": actor.pk if actor is not None and actor.pk else None,
            "fields": [self.fmt.label(name) for name in fields],
            "conflicts": [
                {
                    "field": self.fmt.label(name),
                    "current": display_value(current[name]),
                    "file": display_value(row.values[name]),
                }
                for name in conflicts
            ],
            "errors": list(errors),
        }
        target = self.problems if outcome == Outcome.REFUSED or conflicts else self.lines
        if len(target) < REPORT_MAX_LINES:
            target.append(entry)
        else:
            self.left_out += 1
        return entry

    def refuse(self, row: ParsedRow, errors: dict[str, list[str]], actor=None) -> None:
        messages = []
        for name, texts in errors.items():
            label = self.fmt.label(name)
            messages.extend(f"{label} : {text}" if label else str(text) for text in texts)
        self.report(row, Outcome.REFUSED, actor=actor, errors=messages)
        if not self.skip_invalid:
            # All or nothing: the rest is still checked, to report every refused line, but no longer written.
            self.writing = False

    def report_lines(self) -> list[dict]:
        return sorted(self.problems + self.lines, key=lambda entry: entry["line"] or 0)

    # -- one batch

    def process(self, rows: list[ParsedRow]) -> None:
        if self.writer is not None:
            # The previous batch's new actors are in the database before this batch looks for its own.
            self.writer.sync()
        rows = [row for row in rows if self._first_mention(row)]
        actors, records, sector_ids = self._lookup(rows)
        creates, updates, new_sectors, record_writes, created_entries = [], [], {}, [], []
        now = timezone.now()
        for row in rows:
            actor, error = self._match(row, actors, records)
            if error:
                row.errors[error[0]].append(error[1])
            if actor is not None and actor.merged_into_id:
                self.report(row, Outcome.IGNORED, actor=actor, errors=[_("fiche fusionnée dans une autre fiche")])
                continue
            if actor is not None and actor.pk in self.seen_actors:
                row.errors[NON_FIELD_ERRORS].append(
                    _("cette fiche est déjà importée par la ligne %(line)d") % {"line": self.seen_actors[actor.pk]}
                )
            if actor is not None:
                self.seen_actors[actor.pk] = row.line
            if row.errors:
                self.refuse(row, row.errors, actor)
                continue
            if actor is None:
                actor = self._new_actor(row)
                try:
                    self._validate_new(actor, row)
                except ValidationError as exc:
                    self.refuse(row, exc.message_dict)
                    continue
                creates.append(actor)
                if "sectors" in row.values:
                    new_sectors[id(actor)] = row.values["sectors"]
                record_writes.append((actor, row, None))
                filled = [name for name, value in row.values.items() if value not in EMPTY_VALUES]
                created_entries.append((actor, self.report(row, Outcome.CREATED, fields=filled)))
                continue
            current = snapshot(actor, row.values, self.vocabulary, sector_ids.get(actor.pk, ()))
            record = records.get(actor.pk)
            changes, conflicts = merge(current, row.values, self._base(row, actor, current, record))
            if changes:
                self._apply(actor, changes)
                try:
                    self._validate(actor)
                except ValidationError as exc:
                    self.refuse(row, exc.message_dict, actor)
                    continue
                updates.append((actor, set(changes)))
                if "sectors" in changes:
                    new_sectors[id(actor)] = changes["sectors"]
            said = _stored({**row.values, **row.extra})
            if record is None or record.values != said or record.source_id != row.source_id:
                record_writes.append((actor, row, record))
            outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
            self.report(row, outcome, actor=actor, fields=list(changes), conflicts=conflicts, current=current)
        if self.writing:
            self._write(creates, updates, new_sectors, record_writes, now)
            for actor, entry in created_entries:
                entry["actor"] = actor.pk

    def _first_mention(self, row: ParsedRow) -> bool:
        if row.siret.isdigit() and len(row.siret) == 14:
            first = self.seen_sirets.setdefault(int(row.siret), row.line)
            if first != row.line:
                self.refuse(row, {"siret": [_("ce SIRET figure déjà à la ligne %(line)d") % {"line": first}]})
                return False
        if row.source_id and row.source_id != row.siret:  # SIRENE's source id is the SIRET, met above
            first = self.seen_source_ids.setdefault(row.source_id, row.line)
            if first != row.line:
                self.refuse(
                    row, {NON_FIELD_ERRORS: [_("cet identifiant figure déjà à la ligne %(line)d") % {"line": first}]}
                )
                return False
        return True

    def _lookup(self, rows: list[ParsedRow]):
        """The actors the batch's rows may name, this source's records of them, their sectors: five queries."""
        sirets = {row.siret for row in rows if row.siret}
        slugs = {row.slug for row in rows if row.slug}
        source_ids = {row.source_id for row in rows if row.source_id}
        names = {row.values.get("name") for row in rows if not row.siret and not row.slug and row.values.get("name")}
        by_source_id = (
            dict(
                SourceRecord.objects.filter(source=self.source, source_id__in=source_ids).values_list(
                    "source_id", "actor_id"
                )
            )
            if source_ids
            else {}
        )
        condition = Q(siret__in=sirets) | Q(slug__in=slugs) | Q(pk__in=set(by_source_id.values()))
        condition |= Q(source=Actor.Source.IMPORT, source_id__in=source_ids)
        if self.fmt.name == ImportRun.Format.EXPORT:
            condition |= Q(name__in=names)
        queryset = Actor.objects.filter(condition)
        if self.writing:
            queryset = queryset.select_for_update()
        actors = list(queryset)
        for actor in actors:
            # Cached from the vocabulary: Actor.clean() reads the commune (postal code) without a query.
            if actor.commune_id:
                actor.commune = self.vocabulary.communes_by_id[actor.commune_id]
        ids = [actor.pk for actor in actors]
        records = {
            record.actor_id: record for record in SourceRecord.objects.filter(source=self.source, actor_id__in=ids)
        }
        sector_ids = defaultdict(list)
        if "sectors" in self.fmt.fields and ids:
            through = Actor.sectors.through
            for actor_id, sector_id in through.objects.filter(actor_id__in=ids).values_list("actor_id", "sector_id"):
                sector_ids[actor_id].append(sector_id)
        by_pk = {actor.pk: actor for actor in actors}
        index = {
            "siret": {actor.siret: actor for actor in actors if actor.siret},
            "slug": {actor.slug: actor for actor in actors},
            "record": {source_id: by_pk[pk] for source_id, pk in by_source_id.items() if pk in by_pk},
            "source_id": {
                actor.source_id: actor for actor in actors if actor.source == Actor.Source.IMPORT and actor.source_id
            },
            "name": defaultdict(list),
        }
        for actor in actors:
            index["name"][actor.name].append(actor)
        return index, records, sector_ids

    def _match(self, row: ParsedRow, index, records) -> tuple[Actor | None, tuple[str, str] | None]:
        by_siret = index["siret"].get(row.siret) if row.siret else None
        by_slug = index["slug"].get(row.slug) if row.slug else None
        if by_siret and by_slug and by_siret.pk != by_slug.pk:
            return by_slug, (
                "siret",
                _(
                    "ce SIRET est déjà celui de « %(other)s », "
                    "alors que l'identifiant « %(slug)s » désigne « %(actor)s »"
                )
                % {"other": by_siret.name, "slug": row.slug, "actor": by_slug.name},
            )
        actor = by_siret or by_slug
        if actor is None and row.source_id:
            actor = index["record"].get(row.source_id) or index["source_id"].get(row.source_id)
        if actor is None and self.fmt.name == ImportRun.Format.EXPORT and not row.siret and not row.slug:
            commune = row.values.get("commune", "")
            candidates = [
                candidate
                for candidate in index["name"].get(row.values.get("name"), [])
                if (self.vocabulary.communes_by_id[candidate.commune_id].insee_code if candidate.commune_id else "")
                == commune
            ]
            if len(candidates) > 1:
                return None, (
                    NON_FIELD_ERRORS,
                    _(
                        "plusieurs fiches portent ce nom dans cette commune : "
                        "indiquez l'identifiant de celle à modifier"
                    ),
                )
            actor = candidates[0] if candidates else None
        return actor, None

    def _base(self, row: ParsedRow, actor: Actor, current: dict, record: SourceRecord | None) -> dict | None:
        """What the source said last: for an export row, the record as of its « modifié le »."""
        if row.stamp is not None:
            if actor.updated_at < row.stamp + timedelta(seconds=1):
                return current
            historical = (
                Actor.history.filter(id=actor.pk, history_date__lt=row.stamp + timedelta(seconds=1))
                .order_by("-history_date", "-history_id")
                .first()
            )
            if historical is not None:
                sector_ids = historical.sectors.values_list("sector_id", flat=True) if "sectors" in row.values else ()
                return snapshot(historical, row.values, self.vocabulary, list(sector_ids))
        return _loaded(record.values) if record is not None else None

    def _new_actor(self, row: ParsedRow) -> Actor:
        # Every field set here is in NEW_ACTOR_FIELDS (checked by _validate_new).
        fields = {"ess_status": Actor.EssStatus.UNKNOWN, **row.defaults}
        actor = Actor(status=PublicationStatus.PENDING, source=Actor.Source.IMPORT, source_id=row.source_id, **fields)
        self._apply(actor, row.values)
        return actor

    def _apply(self, actor: Actor, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name == "commune":
                actor.commune = self.vocabulary.communes[value] if value else None
            elif name == "neighbourhood":
                actor.neighbourhood = self.vocabulary.neighbourhoods[value] if value else None
            elif name in ("latitude", "longitude"):
                setattr(actor, name, Decimal(value) if value else None)
            elif name != "sectors":
                setattr(actor, name, value)

    def _validate(self, actor: Actor, exclude: Iterable[str] = ()) -> None:
        # Without a query per row: the commune and neighbourhood come from the vocabulary (they exist);
        # uniqueness (SIRET, slug) is settled by the batch's lookups and the slugs given at writing; the
        # check constraints repeat clean()'s rules. The database still enforces all of them.
        actor.full_clean(
            exclude=["commune", "neighbourhood", *exclude], validate_unique=False, validate_constraints=False
        )

    def _validate_new(self, actor: Actor, row: ParsedRow) -> None:
        """`_validate` of a new actor: its fields the row leaves at their defaults (valid) are not checked again.

        `clean()` runs in full; the fields checked are those the row and `_new_actor` set, so that the
        errors and their order are those of a full check (tests/directory/test_imports.py pins it).
        """
        keys = frozenset((*row.values, *row.defaults))
        exclude = self._exclusions.get(keys)
        if exclude is None:
            given = {*keys, *NEW_ACTOR_FIELDS}
            exclude = self._exclusions[keys] = [f.name for f in Actor._meta.concrete_fields if f.name not in given]
        self._validate(actor, exclude)

    # -- writing a batch

    def _write(self, creates, updates, new_sectors, record_writes, now) -> None:
        # Updates first, with Django's queries; then the new actors, queued for the BulkWriter.
        through = Actor.sectors.through
        if updates:
            # What normalise() derives, and auto_now's field (bulk_update does not set it), besides the changes.
            fields = {"siren", "search_text", "completeness", "published_at", "updated_at"}
            for actor, changed in updates:
                actor.normalise()
                actor.updated_at = now
                fields |= changed - {"sectors"}
            Actor.objects.bulk_update([actor for actor, _changed in updates], sorted(fields))
        changed_sectors = [actor for actor, changed in updates if "sectors" in changed]
        if changed_sectors:
            through.objects.filter(actor_id__in=[actor.pk for actor in changed_sectors]).delete()
            links = [
                through(actor_id=actor.pk, sector_id=self.vocabulary.sectors[slug].pk)
                for actor in changed_sectors
                for slug in new_sectors.get(id(actor), ())
            ]
            through.objects.bulk_create(links)
        self._history([actor for actor, _changed in updates], update=True, now=now)
        new_records, changed_records = [], []
        for actor, row, record in record_writes:
            if actor.pk is None:  # a new actor: written with it below
                continue
            said = _stored({**row.values, **row.extra})
            if record is None:
                new_records.append(
                    SourceRecord(actor=actor, source=self.source, source_id=row.source_id, values=said, imported_at=now)
                )
            else:
                record.values, record.source_id, record.imported_at = said, row.source_id, now
                changed_records.append(record)
        SourceRecord.objects.bulk_create(new_records)
        SourceRecord.objects.bulk_update(changed_records, ["values", "source_id", "imported_at"])
        if creates:
            self._create(creates, new_sectors, [(a, row) for a, row, record in record_writes if a.pk is None], now)

    def _create(self, creates: list[Actor], new_sectors, records: list[tuple[Actor, ParsedRow]], now) -> None:
        """New actors, their sector links, creation records (as `_history` writes them) and source records.

        Written by the BulkWriter (COPY on PostgreSQL), with keys drawn from the tables' sequences: the
        rows are queued here and sent while the next batch is read; `process()` waits for them.
        """
        self._give_slugs(creates)
        actor_rows, record_rows = self._rows(Actor, history=True), self._rows(SourceRecord)
        sectors = {
            id(actor): [self.vocabulary.sectors[slug].pk for slug in new_sectors.get(id(actor), ())]
            for actor in creates
        }
        # Every key first: the queries all come before this batch's COPYs (see ModelRows.reserve).
        actor_rows.reserve(len(creates), links={"sectors": sum(len(ids) for ids in sectors.values())})
        record_rows.reserve(len(records))
        columns = actor_rows.columns
        for actor in creates:
            actor.normalise()
            actor.created_at = actor.updated_at = now
            actor.pk = actor_rows.write(
                {column: getattr(actor, column) for column in columns},
                m2m={"sectors": sectors[id(actor)]},
                history_date=now,
            )
        for actor, row in records:
            record_rows.write(
                {
                    "actor_id": actor.pk,
                    "source": self.source,
                    "source_id": row.source_id,
                    "values": _stored({**row.values, **row.extra}),
                    "imported_at": now,
                }
            )
        self.writer.flush()

    def _rows(self, model, *, history: bool = False) -> ModelRows:
        rows = self._new_rows.get(model)
        if rows is None:
            stamp = None
            if history and getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
                # What bulk_history_create would stamp (`_history`): the run's user, reason and provenance.
                attrs = provenance_attrs(Actor.history.model)
                user = self.user or Actor.history.model.get_default_history_user(Actor())
                stamp = HistoryStamp(
                    reason=self.reason,
                    source=attrs.get("history_source", ""),
                    detail=attrs.get("history_source_detail", ""),
                    user_id=user.pk if user is not None else None,
                )
            rows = self._new_rows[model] = ModelRows(self.writer, model, stamp=stamp, ids=SequenceIds)
        return rows

    def _give_slugs(self, actors: list[Actor]) -> None:
        """Unique slugs for new actors, in two queries for the batch (`unique_slug`'s suffixes -2, -3…)."""
        bases = {id(actor): base_slug(actor.name) for actor in actors}
        wanted = set(bases.values())
        taken = set(Actor.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        if taken:
            suffixed = Q()
            for base in taken:
                suffixed |= Q(slug__startswith=f"{base}-")
            taken |= set(Actor.objects.filter(suffixed).values_list("slug", flat=True))
        for actor in actors:
            base = bases[id(actor)]
            candidate, n = base, 2
            while candidate in taken:
                candidate, n = f"{base}-{n}", n + 1
            taken.add(candidate)
            actor.slug = candidate

    def _history(self, actors: list[Actor], *, update: bool, now) -> None:
        """One history record per actor, with the many-to-many values it tracks (as `create_with_history`)."""
        if not actors:
            return
        history = Actor.history
        records = history.bulk_history_create(
            actors,
            update=update,
            default_user=self.user,
            default_change_reason=self.reason,
            default_date=now,
            custom_historical_attrs=provenance_attrs(history.model),
        )
        if not records:  # the history is switched off (SIMPLE_HISTORY_ENABLED)
            return
        by_actor = {record.id: record for record in records}
        for m2m_field in history.model._history_m2m_fields:
            m2m_history_model = HistoricalRecords.m2m_models[m2m_field]
            through = m2m_field.remote_field.through
            names = [f.attname for f in through._meta.fields]
            source_attr = m2m_field.m2m_field_name() + "_id"
            rows = through.objects.filter(**{f"{source_attr}__in": list(by_actor)}).values(*names)
            m2m_history_model.objects.bulk_create(
                m2m_history_model(history=by_actor[row[source_attr]], **row) for row in rows
            )


# What `_new_actor` sets on every new actor besides the row's values and defaults.
NEW_ACTOR_FIELDS = ("status", "source", "source_id", "ess_status")


def default_source(fmt: str) -> str:
    """The source name of a format's runs when none is given: « export » or « sirene »."""
    return SireneFormat.default_source if fmt == ImportRun.Format.SIRENE else ExportFormat.default_source


def _formats(
    fmt: str,
    *,
    vocabulary: Vocabulary,
    legal_units_path: Path | None,
    legal_units_name: str,
    communes: list[str] | None,
) -> ImportFormat:
    if fmt == ImportRun.Format.EXPORT:
        return ExportFormat(vocabulary)
    if fmt != ImportRun.Format.SIRENE:
        raise ImportFileError(_("Format inconnu : « %(format)s » (export ou sirene).") % {"format": fmt})
    if legal_units_path is None:
        raise ImportFileError(
            _("Le format sirene demande aussi le fichier des unités légales (StockUniteLegale) de ces établissements.")
        )
    if communes:
        unknown = [code for code in communes if code not in vocabulary.communes]
        if unknown:
            raise ImportFileError(_("Codes INSEE inconnus : %(codes)s.") % {"codes": _quoted(unknown)})
        selected = set(communes)
    else:
        selected = set(Commune.objects.in_territory().values_list("insee_code", flat=True))
    legal_units = load_legal_units(legal_units_path, file_name=legal_units_name)
    return SireneFormat(legal_units=legal_units, communes=selected)


def import_actors(
    *,
    path: Path,
    file_name: str,
    format: str,
    source: str = "",
    legal_units_path: Path | None = None,
    legal_units_name: str = "",
    communes: list[str] | None = None,
    dry_run: bool,
    skip_invalid: bool = False,
    user=None,
    run: ImportRun | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import the actors of one file (see the module's docstring); every run is recorded as an ImportRun.

    `run`: an ImportRun to update (the admin's preview being confirmed) rather than a new one.
    Never raises for bad input: a file that cannot be read is a refused run whose `error` says why.
    """
    started = time.monotonic()
    fmt_name = format
    source = (source or "").strip()[:100]
    importer = None
    error = ""
    written = False
    rows_read = 0
    vocabulary = Vocabulary.load()
    with provenance(Origin.IMPORT, detail=f"{source or fmt_name} : {file_name}"):
        try:
            fmt = _formats(
                fmt_name,
                vocabulary=vocabulary,
                legal_units_path=legal_units_path,
                legal_units_name=legal_units_name or (legal_units_path.name if legal_units_path else ""),
                communes=communes,
            )
            source = source or fmt.default_source
            importer = _Importer(
                fmt=fmt,
                source=source,
                vocabulary=vocabulary,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                user=user,
                reason=(_("Import « %(source)s » : %(file)s") % {"source": source, "file": file_name})[:100],
            )
            # A dry run writes nothing: no transaction, which on SQLite would take the write lock.
            with (
                contextlib.nullcontext() if dry_run else transaction.atomic(),
                contextlib.nullcontext() if dry_run else BulkWriter() as writer,
            ):
                importer.writer = writer
                with open_table(path, file_name=file_name, label=_("Le fichier")) as table:
                    positions = fmt.index(table.header, label=_("Le fichier"))
                    width = len(table.header)
                    batch: list[ParsedRow] = []
                    last_report = 0.0
                    for line, cells in table.rows:
                        if not any(cell.strip() for cell in cells):
                            continue
                        rows_read += 1
                        row = _parse_line(fmt, line, cells, positions, width)
                        if isinstance(row, Ignored):
                            importer.ignored[row.reason] += 1
                            importer.counts[Outcome.IGNORED] += 1
                        else:
                            batch.append(row)
                        if len(batch) >= BATCH_SIZE:
                            importer.process(batch)
                            batch = []
                        if progress is not None and time.monotonic() - last_report > 0.2:
                            last_report = time.monotonic()
                            progress(rows_read, table.fraction())
                    if batch:
                        importer.process(batch)
                    if progress is not None:
                        progress(rows_read, 1.0)
                if rows_read == 0:
                    raise ImportFileError(_("Le fichier ne contient aucune ligne à importer (l'en-tête seul)."))
                refused = importer.counts[Outcome.REFUSED]
                if dry_run or (refused and not skip_invalid):
                    raise _Rollback
                writer.sync()
                written = True
        except _Rollback:
            pass
        except ImportFileError as exc:
            error = exc.message
        except DatabaseError as exc:
            error = _(
                "L'import a été annulé : la base de données a refusé une écriture (%(error)s). Rien n'a été écrit."
            ) % {"error": str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__}
    counts = dict(importer.counts) if importer else {}
    counts = {
        "read": rows_read,
        **{key: counts.get(key, 0) for key in (*OUTCOME_LABELS, "conflicts")},
        "ignored_reasons": dict(importer.ignored) if importer else {},
        "left_out": importer.left_out if importer else 0,
        "seconds": round(time.monotonic() - started, 2),
    }
    lines = importer.report_lines() if importer else []
    if error:
        lines = [
            {
                "line": None,
                "outcome": Outcome.REFUSED,
                "name": "",
                "actor": None,
                "fields": [],
                "conflicts": [],
                "errors": [error],
            }
        ]
    if run is None:
        run = ImportRun(user=user)
    run.source = source or default_source(fmt_name)
    run.format = fmt_name if fmt_name in ImportRun.Format.values else ImportRun.Format.EXPORT
    run.file_name = file_name[:255]
    run.counts = counts
    run.report = lines
    if error or (not dry_run and not written):
        run.state = ImportRun.State.REFUSED
    else:
        run.state = ImportRun.State.PREVIEWED if dry_run else ImportRun.State.DONE
    run.save()
    return ImportResult(run=run, counts=counts, lines=lines, written=written, error=error)


def _parse_line(
    fmt: ImportFormat, line: int, cells: list[str], positions: dict[str, int], width: int
) -> ParsedRow | Ignored:
    while len(cells) > width and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > width:
        row = ParsedRow(line=line, name="", values={})
        row.errors[NON_FIELD_ERRORS].append(
            _("la ligne a %(cells)d cellules pour %(columns)d colonnes (un « ; » ou une « , » de trop ?)")
            % {"cells": len(cells), "columns": width}
        )
        return row
    values = {key: cells[position] if position < len(cells) else "" for key, position in positions.items()}
    return fmt.parse(line, values)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def summary(counts: dict) -> str:
    """A run's counts in a sentence: « 12 lignes lues : 10 créées, 2 refusées »."""
    counts = counts or {}

    def count(key: str, one: str, many: str) -> str:
        n = counts.get(key, 0)
        return ngettext(one, many, n) % {"n": _number(n)} if n else ""

    parts = [
        count(Outcome.CREATED, "%(n)s créée", "%(n)s créées"),
        count(Outcome.UPDATED, "%(n)s mise à jour", "%(n)s mises à jour"),
        count(Outcome.UNCHANGED, "%(n)s inchangée", "%(n)s inchangées"),
        count("conflicts", "%(n)s avec un conflit", "%(n)s avec un conflit"),
        count(Outcome.REFUSED, "%(n)s refusée", "%(n)s refusées"),
        count(Outcome.IGNORED, "%(n)s ignorée", "%(n)s ignorées"),
    ]
    read = counts.get("read", 0)
    text = ngettext("%(n)s ligne lue", "%(n)s lignes lues", read) % {"n": _number(read)}
    if any(parts):
        text += " : " + ", ".join(part for part in parts if part)
    reasons = counts.get("ignored_reasons") or {}
    if reasons:
        text += " (" + ", ".join(f"{reason} : {_number(n)}" for reason, n in reasons.items()) + ")"
    return text
