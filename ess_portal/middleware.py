"""The Content-Security-Policy of every response: django-csp, plus what depends on settings or the page.

`CONTENT_SECURITY_POLICY` in settings is the policy of every page. This middleware adds:

- to img-src, the origin of `MAP_TILES_URL`, the one third party the public maps load (their
  background tiles); nothing when the setting is empty or names the site itself;
- on ReDoc (`/api/v1/redoc/`) only, what its bundle needs: the styles it inserts once started, which
  carry the page's nonce (templates/drf_spectacular/redoc.html hands it over), the two style
  elements it inserts while loading, before it can know the nonce (allowed by their hashes, see
  REDOC_STYLE_HASHES), and a search worker made from a blob: URL.

The API docs views are recognised by their class (drf-spectacular's), not their path or URL name.
"""

import re
from functools import lru_cache
from urllib.parse import urlsplit

from csp.constants import NONCE, SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.views import SpectacularRedocView

# The style elements the ReDoc bundle of drf-spectacular-sidecar inserts while it loads, before
# Redoc.init() gives it the nonce: perfect-scrollbar's CSS, and an empty sheet of styled-components.
# Hashes, not 'unsafe-inline': only these exact contents are allowed. When an upgrade of the sidecar
# changes them, tests/browser/test_csp.py fails with Chromium's message, which names the new hash.
REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # empty
]
REDOC_POLICY = {"style-src": [NONCE, *REDOC_STYLE_HASHES], "worker-src": [SELF, "blob:"]}

# Leaflet's subdomain placeholder, `https://{s}.tile.example.org/…`, becomes a CSP wildcard.
_SUBDOMAIN_PLACEHOLDER = re.compile(r"^\{[a-z]+\}\.")


@lru_cache(maxsize=8)
def tiles_source(url_template: str) -> str | None:
    """The CSP source that lets the maps load tiles from `url_template` (a Leaflet URL template).

    None when there are no tiles (empty) or when they come from the site itself (a relative URL).
    """
    if not url_template:
        return None
    parts = urlsplit(url_template)
    if not parts.scheme and not parts.netloc:
        return None
    host = _SUBDOMAIN_PLACEHOLDER.sub("*.", parts.netloc)
    if parts.scheme not in {"https", "http"} or not host or "{" in host or "}" in host:
        raise ImproperlyConfigured(
            "MAP_TILES_URL must be empty, a path on this site or an http(s) URL whose host has no "
            f"placeholder other than a leading {{s}}., got {url_template!r}."
        )
    return f"{parts.scheme}://{host}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        tiles_source(settings.MAP_TILES_URL)  # a bad value stops the process at start-up

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        extra: dict[str, list] = {}
        source = tiles_source(settings.MAP_TILES_URL)
        if source:
            extra["img-src"] = [source]
        match = getattr(request, "resolver_match", None)
        view_class = getattr(match.func, "view_class", None) if match else None
        if isinstance(view_class, type) and issubclass(view_class, SpectacularRedocView):
            extra.update(REDOC_POLICY)
        if extra:
            update = dict(parts.update or {})
            for directive, sources in extra.items():
                existing = update.get(directive) or []
                update[directive] = [*([existing] if isinstance(existing, str) else existing), *sources]
            parts.update = update
        return parts
