"""Streamed answers: rows read through a server-side cursor, and bodies that never end as if whole when cut.

Used by every streamed export (the API's `?format=csv|geojson`, the directory's export).
"""

import logging
from collections.abc import Iterable, Iterator

from django.db import connections, transaction

# Rows read from the database per round trip while streaming.
STREAM_CHUNK_SIZE = 2000

logger = logging.getLogger(__name__)


def server_side_rows(queryset, chunk_size: int = STREAM_CHUNK_SIZE) -> Iterator:
    """The rows of `queryset`, read `chunk_size` at a time through a server-side cursor on PostgreSQL.

    Inside a transaction: outside one, Django declares the cursor `WITH HOLD`, which makes the
    server run the whole query and keep its result before the first row is sent (one long
    statement, which a statement timeout would cut). Inside, each `FETCH` is a short statement of
    its own. SQLite reads in chunks from its own cursor.
    """
    connection = connections[queryset.db]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(using=queryset.db):
            yield from queryset.iterator(chunk_size=chunk_size)
    else:
        yield from queryset.iterator(chunk_size=chunk_size)


def logged_if_interrupted(chunks: Iterable, what: str) -> Iterator:
    """`chunks`, the first one made at once, and an error in the log if they stop half-way.

    The first chunk is made here, in the view, before any byte is sent: it runs the export's
    first queries, so a database that is unreachable is the view's error (a 503 with Retry-After,
    as every page answers then), not a stream the server must cut with a bare 500.

    Past the first chunk the exception goes on up: the server ends the connection without the
    chunked body's last chunk, so the client sees the answer is incomplete; a GeoJSON body also
    lacks its closing brackets. A half-written export is never passed off as a whole one.
    """
    iterator = iter(chunks)
    first = next(iterator, None)
    return _logged(first, iterator, what)


def _logged(first, rest: Iterator, what: str) -> Iterator:
    if first is None:
        return
    sent = len(first)
    yield first
    try:
        for chunk in rest:
            sent += len(chunk)
            yield chunk
    except Exception:
        logger.exception("Streamed export %s interrupted after %d bytes: the answer is incomplete", what, sent)
        raise
