"""A per-request database `statement_timeout`, so that one slow query cannot hold a worker.

`DATABASE_STATEMENT_TIMEOUT_MS` (settings; 0 disables) bounds each SQL statement run while a
request is handled, on every PostgreSQL alias (the primary and the replicas). It is applied by
`StatementTimeoutMiddleware`, not as a connection option, so that only request handling gets it:
management commands and migrations (imports, `generate_fake`, backups) never pass through the
middleware and keep the server's own limit, whatever environment they share with the web servers.

How: a request marks itself in a context variable; a connection opened during a request sets the
timeout at once (`connection_created`), and a persistent connection (`CONN_MAX_AGE`) opened earlier
gets it at the start of the next request, once — the value a session holds is remembered on its
connection, so a steady state costs no query. The `SET` is connection set-up, like Django's own
time-zone set-up: it goes through the driver's connection, not the counted cursors, so query
budgets do not depend on which request happened to open a connection.

A statement cancelled by the timeout raises `OperationalError` (SQLSTATE 57014, psycopg's
`QueryCanceled`): `ess_portal.errors` answers it with a 503 and `Retry-After`.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

# SQLSTATE of a statement cancelled by `statement_timeout` (or by an operator's pg_cancel_backend).
QUERY_CANCELED = "57014"

_request_timeout_ms: ContextVar[int | None] = ContextVar("request_statement_timeout_ms", default=None)


def apply(connection, timeout_ms: int) -> None:
    """Give this PostgreSQL session `statement_timeout = timeout_ms` unless it already has it."""
    if connection.vendor != "postgresql" or getattr(connection, "statement_timeout_ms", 0) == timeout_ms:
        return
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{timeout_ms}ms"])
    connection.statement_timeout_ms = timeout_ms


@receiver(connection_created)
def _on_connection_created(sender, connection, **kwargs):
    # A new session has the server's default: forget what an earlier session of this alias had.
    connection.statement_timeout_ms = 0
    timeout_ms = _request_timeout_ms.get()
    if timeout_ms is not None:
        apply(connection, timeout_ms)


class StatementTimeoutMiddleware:
    """Bounds every statement of the request by `DATABASE_STATEMENT_TIMEOUT_MS` (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout_ms = settings.DATABASE_STATEMENT_TIMEOUT_MS
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                apply(connection, timeout_ms)
        token = _request_timeout_ms.set(timeout_ms)
        try:
            return self.get_response(request)
        finally:
            _request_timeout_ms.reset(token)
