"""Answers to anonymous reads, kept per data version: a repeated page or API call is read, not recomputed.

An answer is kept under the data version it was made at (`ess_portal.dataversion`) with the request's
URL and the headers that choose its form; it is served again only while the version is the same, so
a write by any path makes it stale at once. Entries also expire after `RESPONSE_CACHE_SECONDS`, which
bounds what depends on the clock (« mis à jour il y a 3 jours »), and the cache is bounded in size
(settings.CACHES["responses"]: each process's memory by default, Redis with REDIS_URL).

Only what any anonymous visitor would get is kept: a GET or HEAD without credentials (no token, no
session cookie) whose answer is a complete 200 that sets no cookie, used no CSRF token and no CSP
nonce, and does not say `private` or `no-store`. The ETag of the answer is kept with it: a client
sending it back gets a 304 after one query (the version), whatever the size of the answer.

Pages say they may be kept with `@kept_for_anonymous`; the API's lists and records are kept by
`ApiViewMixin`, after authentication and throttles, so that a kept answer still counts against the
caller's rate.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

from ess_portal import dataversion

CACHE_ALIAS = "responses"
# The request headers an answer may depend on besides its URL (negotiation of format and language).
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE")


def request_is_cacheable(request) -> bool:
    if request.method not in ("GET", "HEAD") or not getattr(settings, "RESPONSE_CACHE_SECONDS", 0):
        return False
    # A session may be a signed-in user's; a `messages` cookie carries what one visitor is told.
    if request.META.get("HTTP_AUTHORIZATION") or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    return "messages" not in request.COOKIES


def cache_key(request, version: int) -> str:
    varying = "\n".join(request.META.get(header, "") for header in KEY_HEADERS)
    digest = hashlib.sha256(f"{request.get_full_path()}\n{varying}".encode()).hexdigest()[:32]
    return f"r:{version}:{digest}"


def response_is_cacheable(request, response) -> bool:
    if response.status_code != 200 or isinstance(response, StreamingHttpResponse) or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    if getattr(request, "_csp_nonce", None) is not None:
        return False
    # What the view put in the session or told the visitor is theirs only.
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    if getattr(getattr(request, "_messages", None), "_queued_messages", None):
        return False
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return False
    return len(response.content) <= settings.RESPONSE_CACHE_MAX_BYTES


def _etag(response) -> str:
    if not response.has_header("ETag"):
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
    return response["ETag"]


def lookup(request) -> tuple[str | None, HttpResponse | None]:
    """The key for this request's answer (None: not cacheable), and the kept answer if there is one.

    The kept answer is a 304 when the request's If-None-Match or If-Modified-Since already says it.
    """
    if not request_is_cacheable(request):
        return None, None
    key = cache_key(request, dataversion.current(request=request))
    entry = caches[CACHE_ALIAS].get(key)
    if entry is None:
        return key, None
    content, headers = entry
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    last_modified = response.get("Last-Modified")
    conditional = get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )
    return key, conditional


def store(key: str | None, request, response) -> None:
    """Keep `response` under `key` if any anonymous visitor would have got the same."""
    if key is None or not response_is_cacheable(request, response):
        return
    if made_in_transaction(response):
        return
    _etag(response)
    # Answers to visitors signed in are others: shared caches must not give them this one.
    patch_vary_headers(response, ["Cookie"])
    # The view's headers; the middlewares add theirs to each answer, kept or not.
    headers = dict(response.items())
    caches[CACHE_ALIAS].set(key, (response.content, headers), settings.RESPONSE_CACHE_SECONDS)


def made_in_transaction(response) -> bool:
    """Whether an open transaction (not a test's) could still be rolled back after this answer was made.

    Such an answer may show writes that never commit; on SQLite the version itself would roll back.
    """
    connection = connections["default"]
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def remembered(namespace: str, parts, compute, using: str = "default", request=None):
    """`compute()`, kept for the current data version under `namespace` and `parts` (any repr-able value).

    For results that only depend on the data and on what `parts` says (a count, facet counts, the
    home page's figures): the next write makes them stale at once.
    """
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"{namespace}:{dataversion.current(using, request)}:{digest}"
    store_ = caches[CACHE_ALIAS]
    value = store_.get(key)
    if value is None:
        value = compute()
        store_.set(key, value, settings.RESPONSE_CACHE_SECONDS or 60)
    return value


def counted(queryset, request=None) -> int:
    """`queryset.count()`, kept for the data version for the same SQL (what is visible is in the SQL)."""
    try:
        sql = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return 0
    return remembered("count", sql, queryset.count, queryset.db, request)


def kept_for_anonymous(view):
    """Decorate a page view whose answer may be kept for anonymous visitors (see the module's docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        key, cached = lookup(request)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if key is not None and response.status_code == 200 and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            store(key, request, response)
        return response

    return wrapped
