"""Every CSV file the portal writes: the API's lists, the directory's export, the admin's exports.

Each cell goes through `safe_cell`: a spreadsheet runs a cell that starts with `=`, `+`, `-`
or `@` as a formula (and tab or carriage return can hide one), so such a cell is written with a
leading `'`, which spreadsheets show as text. A plain number (« -61.5 », « +3 ») is not a formula
and stays as it is, so that coordinates and amounts remain numbers. `read_cell` undoes it for the
actor imports, which read the directory's export back (`directory.imports`).

Each file is a `CsvTable`: its columns (`Column`: header, Table Schema type, format,
constraints) are at once what the writer writes and the Table Schema published for it
(https://specs.frictionlessdata.io/table-schema/, as schema.data.gouv.fr uses it), served at
`/api/v1/schemas/<name>.json` and named in the `Link: …; rel="describedby"` header of each file.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse

from ess_portal.streams import logged_if_interrupted

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Rows are sent in chunks of about this many characters.
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    byte_order_mark: bool


# Excel as French staff use it: `;` (the list separator of the French locale) and a BOM,
# without which accents are garbled.
SPREADSHEET = CsvFormat(delimiter=";", byte_order_mark=True)
# RFC 4180 for programs: comma-separated, no BOM.
PLAIN = CsvFormat(delimiter=",", byte_order_mark=False)


def safe_cell(value) -> str:
    """`value` as the text of one cell, neutralised if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def text_cell(text: str | None) -> str:
    """`safe_cell` of a value that is a string or None, without converting it first (the common cell)."""
    if text is None:
        return ""
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def number_cell(value) -> str:
    """An integer or a decimal as written (`str`), empty when None: a plain number is never a formula."""
    return "" if value is None else str(value)


def read_cell(text: str) -> str:
    """The value of a cell that `safe_cell` wrote: the `'` it put before a formula taken off again (imports)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


def csv_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    csv_format: CsvFormat,
    converters: Sequence[Callable[[object], str]] | None = None,
) -> Iterator[str]:
    """The CSV text of `header` and `rows`, in chunks, every cell through `safe_cell`.

    Writers of large files may give `converters` instead, one per column, chosen for what the column
    holds (`text_cell` for text, `decimal_cell` for numbers…): each must give the text `safe_cell`
    would, without its generic conversions on every cell.
    """
    buffer = io.StringIO()
    if csv_format.byte_order_mark:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=csv_format.delimiter, lineterminator="\r\n")
    writerow = writer.writerow
    writerow([safe_cell(title) for title in header])
    for row in rows:
        if converters is None:
            writerow([safe_cell(value) for value in row])
        else:
            writerow([convert(value) for convert, value in zip(converters, row, strict=True)])
        if buffer.tell() > CHUNK_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    filename: str,
    csv_format: CsvFormat,
    converters: Sequence[Callable[[object], str]] | None = None,
) -> StreamingHttpResponse:
    """A CSV download, streamed row by row (rows may be a lazy iterator over a large queryset)."""
    response = StreamingHttpResponse(
        logged_if_interrupted(csv_chunks(header, rows, csv_format=csv_format, converters=converters), filename),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Patterns of the public codes, for the `pattern` constraint of their columns (always strings:
# leading zeros and Corsica's « 2A » must survive).
SIRET_PATTERN = r"^\d{14}$"
SIREN_PATTERN = r"^\d{9}$"
RNA_PATTERN = r"^W\d{9}$"
POSTAL_CODE_PATTERN = r"^\d{5}$"
INSEE_CODE_PATTERN = r"^(\d{2}|2A|2B)\d{3}$"

TABLE_SCHEMA_TYPES = ("string", "integer", "number", "boolean", "date", "datetime")
TABLE_SCHEMA_PROFILE = "https://specs.frictionlessdata.io/schemas/table-schema.json"


@dataclass(frozen=True)
class Column:
    """One column of a CSV file: its header and what the Table Schema says of it.

    `value` is how a writer that works row by row reads the cell from a record, and `key` a short
    name of the column for code that reads the file back (both optional). Booleans written in
    French say so with `true_values`/`false_values` (« oui », « non »).
    """

    name: str
    type: str = "string"
    description: str = ""
    format: str = "default"
    constraints: dict = field(default_factory=dict)
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    value: Callable | None = None
    key: str = ""

    def __post_init__(self):
        if self.type not in TABLE_SCHEMA_TYPES:
            raise ValueError(f"Unknown Table Schema type: {self.type}")

    @property
    def header(self) -> str:
        return str(self.name)

    def table_schema_field(self) -> dict:
        described = {"name": self.header, "title": self.header, "type": self.type, "format": self.format}
        if self.description:
            described["description"] = str(self.description)
        if self.constraints:
            described["constraints"] = dict(self.constraints)
        if self.true_values:
            described["trueValues"] = list(self.true_values)
        if self.false_values:
            described["falseValues"] = list(self.false_values)
        return described


def code_column(name: str, pattern: str, description: str = "", **extra) -> Column:
    """A column of public codes (SIRET, INSEE code, postal code…): a string with a pattern."""
    return Column(name, "string", description, constraints={"pattern": pattern}, **extra)


def french_boolean(name: str, description: str = "", **extra) -> Column:
    """A yes/no column of the French spreadsheet exports (« oui », « non »)."""
    return Column(name, "boolean", description, true_values=("oui",), false_values=("non",), **extra)


@dataclass(frozen=True)
class CsvTable:
    """A CSV file the portal writes: its columns, its format, and the Table Schema made from them."""

    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    csv_format: CsvFormat

    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    def row(self, record) -> list:
        """The cells of `record`, for tables whose columns say how to read them."""
        return [column.value(record) for column in self.columns]

    def table_schema(self) -> dict:
        return {
            "$schema": TABLE_SCHEMA_PROFILE,
            "name": self.name,
            "title": str(self.title),
            "description": str(self.description),
            "fields": [column.table_schema_field() for column in self.columns],
            "missingValues": [""],
        }

    def schema_url(self) -> str:
        return settings.SITE_URL + reverse("csv-table-schema", kwargs={"name": self.name})

    def response(
        self,
        rows: Iterable[Sequence],
        *,
        filename: str,
        converters: Sequence[Callable[[object], str]] | None = None,
    ) -> StreamingHttpResponse:
        """The file, streamed, with a `Link` to its Table Schema (`converters`: see `csv_chunks`)."""
        response = csv_response(
            self.header(), rows, filename=filename, csv_format=self.csv_format, converters=converters
        )
        response["Link"] = f'<{self.schema_url()}>; rel="describedby"; type="application/schema+json"'
        return response
