"""The address a request comes from, for rate limits and lockouts.

One rule for every caller (staff login lockout today, API throttling later), driven by the
`TRUSTED_PROXY_COUNT` setting: with 0, `X-Forwarded-For` is ignored (anyone can write it) and
the address is the TCP peer (`REMOTE_ADDR`); with N, there are N proxies of ours in front of
the app, each appending the address it received the request from, so the client's address is the
N-th entry from the right. Entries to the left of it were written by the client and are not
trusted. This is Django REST framework's `NUM_PROXIES` rule, so both agree on the same setting.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries none (a request built in code)."""
    remote_addr = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded_for:
        return remote_addr
    addresses = [entry for entry in forwarded_for.split(",") if entry.strip()]
    if not addresses:
        return remote_addr
    # Fewer entries than proxies: the request skipped one of them; the leftmost is the best we have.
    # A malformed entry (a misconfigured proxy) falls back to the peer rather than failing the request.
    return _valid(addresses[-min(proxies, len(addresses))]) or remote_addr
