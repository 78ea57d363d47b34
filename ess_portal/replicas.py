"""Read replicas: anonymous reads of public pages and of the API go to a PostgreSQL replica.

`DATABASE_REPLICA_URLS` (empty by default) names the replicas; each becomes a database alias
`replica_1`, `replica_2`… (settings). With none, nothing here changes anything.

What goes where:

- `ReplicaRoutingMiddleware` marks a request as replica-readable when it is a GET or HEAD of a
  caller who is not signed in, sends no `Authorization` header, is not in the staff admin, and has
  not written in the last `REPLICA_PIN_SECONDS` (a write sets a short cookie, so that the page
  after a form, or a reload, reads what the caller has just written, whatever the replica's lag);
- `ReplicaRouter` then sends the reads of the public content (the `directory`, `projects`, `purchasing`,
  `observatory` and `awards` apps) of such a request to a replica; every write, every read of any other request, and the
  reads of sessions, accounts, login attempts and the cache table stay on the primary (`default`);
- management commands never run inside a request: they read and write the primary.

A streamed export reads after the view has returned, outside the request's mark: it reads the
primary, which is always correct.
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# The apps whose tables are public content, which a replica may serve to anonymous readers.
REPLICATED_APPS = frozenset({"directory", "projects", "observatory", "awards", "purchasing"})
PIN_COOKIE = "ess_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})

_reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)


class ReplicaRouter:
    """Database router: public reads of replica-readable requests to a replica, the rest to `default`."""

    def db_for_read(self, model, **hints):
        replicas = settings.DATABASE_REPLICAS
        if replicas and _reads_from_replica.get() and model._meta.app_label in REPLICATED_APPS:
            return random.choice(replicas)
        return None  # Django's choice: the database of a related instance, else `default`.

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data: a replica's row may be related to the primary's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas receive the schema by replication.
        return db == "default"


def replica_readable(request: HttpRequest) -> bool:
    """Whether this request's public reads may come from a replica (see the module's docstring)."""
    if request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return False
    if "HTTP_AUTHORIZATION" in request.META or request.path.startswith("/admin/"):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class ReplicaRoutingMiddleware:
    """Marks replica-readable requests for `ReplicaRouter`; after a write, pins the caller to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        token = _reads_from_replica.set(replica_readable(request))
        try:
            response = self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
