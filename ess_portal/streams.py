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
    """`chunks`, and an error in the log if they stop half-way (the body is then left unfinished).

    The exception goes on up: the server ends the connection without the chunked body's last
    chunk, so the client sees the answer is incomplete; a GeoJSON body also lacks its closing
    brackets. A half-written export is never passed off as a whole one.
    """
    sent = 0
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
    except Exception:
        logger.exception("Streamed export %s interrupted after %d bytes: the answer is incomplete", what, sent)
        raise
