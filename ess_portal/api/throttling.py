"""Request rates: anonymous callers by address, partner tokens by token, staff sessions by user."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from ess_portal.api.auth import api_token, is_staff
from ess_portal.client_ip import client_ip


class _SettingsRateThrottle(SimpleRateThrottle):
    # Read the rate at each request (not at import) so that settings overrides take effect.
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # The portal's one rule for a client's address (TRUSTED_PROXY_COUNT), shared with the login lockout.
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(_SettingsRateThrottle):
    """Callers without a token nor a staff session, by IP address (rate `anon`)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if api_token(request) is not None or is_staff(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(_SettingsRateThrottle):
    """Partner tokens, by token (rate `token`); staff sessions share the same rate, by user."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = api_token(request)
        if token is not None:
            return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
        if is_staff(request):
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None
