"""Who is calling: a partner token, a staff session, or an anonymous caller."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from directory.models import ApiToken
from directory.services import authenticate_api_token


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` → the partner's `ApiToken` as `request.auth`.

    No header means an anonymous caller; a header with an unknown, revoked or expired token
    is a 401 (a partner must know its token no longer works, not silently read less).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization invalide : « Bearer <jeton> » attendu."))
        token = authenticate_api_token(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton inconnu, révoqué ou expiré."))
        # The caller is the partner organisation, not a staff account: no Django user.
        return AnonymousUser(), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class StaffSessionAuthentication(SessionAuthentication):
    """Staff signed in to the admin may read unpublished records in the browser; nobody else by session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or not result[0].is_staff:
            return None
        return result


class OpenApiBearerExtension(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "Jeton d'une organisation partenaire (créé dans l'administration ou par "
                    "`manage.py create_api_token`), envoyé en `Authorization: Bearer <jeton>`."
                )
            ),
        }


class OpenApiStaffSessionExtension(SessionScheme):
    target_class = StaffSessionAuthentication
    name = "staffSession"


def api_token(request) -> ApiToken | None:
    """The partner token of a request, if any."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


def can_read_unpublished(request) -> bool:
    """Staff sessions and tokens with the `read:unpublished` scope see every record; nobody else does."""
    if request is None:
        return False
    token = api_token(request)
    return is_staff(request) or bool(token and token.has_scope(ApiToken.Scope.READ_UNPUBLISHED))


def visible(queryset, request):
    """`queryset.published()`, unless the caller may read unpublished records (staff opt out explicitly)."""
    return queryset if can_read_unpublished(request) else queryset.published()


def history_reason(token: ApiToken) -> str:
    """The history's change reason of a write made with `token`: who wrote, with which token."""
    return f"API : {token.organisation.name} ({token.prefix})"
