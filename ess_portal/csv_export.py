"""Every CSV file the portal writes: the API's lists, the directory's export, the admin's exports.

Each cell goes through `safe_cell`: a spreadsheet runs a cell that starts with `=`, `+`, `-`
or `@` as a formula (and tab or carriage return can hide one), so such a cell is written with a
leading `'`, which spreadsheets show as text. A plain number (« -61.5 », « +3 ») is not a formula
and stays as it is, so that coordinates and amounts remain numbers. `read_cell` undoes it for the
actor imports, which read the directory's export back (`directory.imports`).
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.http import StreamingHttpResponse

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


def read_cell(text: str) -> str:
    """The value of a cell that `safe_cell` wrote: the `'` it put before a formula taken off again (imports)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence], *, csv_format: CsvFormat) -> Iterator[str]:
    """The CSV text of `header` and `rows`, in chunks, every cell through `safe_cell`."""
    buffer = io.StringIO()
    if csv_format.byte_order_mark:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=csv_format.delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(title) for title in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        if buffer.tell() > CHUNK_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence], *, filename: str, csv_format: CsvFormat
) -> StreamingHttpResponse:
    """A CSV download, streamed row by row (rows may be a lazy iterator over a large queryset)."""
    response = StreamingHttpResponse(
        csv_chunks(header, rows, csv_format=csv_format), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
