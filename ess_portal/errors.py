"""The site's answers when a request cannot be served: server errors and an unreachable database.

Django calls `server_error` for any exception a view or middleware did not handle. Under
`/api/` the answer keeps the API's JSON error shape; elsewhere it is the site's HTML page. When
the cause is the database being unreachable (restarting, failing over), the answer is a 503 with
`Retry-After`, not a 500: nothing is broken in the request, it is worth trying again, and the
next request opens a new connection by itself (`conn_health_checks`). A statement cut by the
request's `statement_timeout` (ess_portal/statement_timeout.py) is a 503 too, saying so: the
database is overloaded or the request too costly, and a later try may pass.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from ess_portal.api.errors import error_response
from ess_portal.statement_timeout import QUERY_CANCELED

# How long a client should wait before trying again while the database is unreachable (seconds).
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _database_failure() -> str:
    """« timeout » when a statement was cancelled, « unreachable » for another database error, else ""."""
    exc = sys.exception()
    failure = ""
    while exc is not None:
        if getattr(exc, "sqlstate", None) == QUERY_CANCELED:
            return "timeout"
        if isinstance(exc, DATABASE_ERRORS):
            failure = "unreachable"
        exc = exc.__cause__ or exc.__context__
    return failure


def _html(template_name: str, status: int, context=None, **headers):
    # Rendered without a request context: no database query, no session, no user.
    response = HttpResponse(loader.get_template(template_name).render(context), status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@requires_csrf_token
def server_error(request):
    """handler500: a 503 with Retry-After when the database is unreachable or timed out, a 500 otherwise."""
    failure = _database_failure()
    if failure:
        retry = str(RETRY_AFTER_SECONDS)
        if _is_api(request):
            if failure == "timeout":
                code = "query_timeout"
                detail = _(
                    "La requête a dépassé le temps de calcul permis : réessayez dans quelques instants, "
                    "ou restreignez-la (filtres, pagination)."
                )
            else:
                code = "service_unavailable"
                detail = _("Service momentanément indisponible : réessayez dans quelques instants.")
            return error_response(503, code, detail, Retry_After=retry)
        return _html("503.html", 503, {"timed_out": failure == "timeout"}, **{"Retry-After": retry})
    if _is_api(request):
        return error_response(500, "server_error", _("Erreur interne du serveur : l'équipe technique est prévenue."))
    return _html("500.html", 500)


def bad_request(request, exception):
    """handler400: the API's JSON shape under /api/ (e.g. a request body too large to read)."""
    if _is_api(request):
        return error_response(400, "bad_request", _("Requête invalide."))
    return _html("400.html", 400)
