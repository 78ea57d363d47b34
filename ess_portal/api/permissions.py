"""What a caller may do: everyone reads what is published, a scoped partner token writes.

What concerns a partner alone (its change requests) is read with its token, or by staff.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ess_portal.api.auth import api_token, is_staff


class DenyAll(BasePermission):
    """The default of views that state no policy: nobody (see REST_FRAMEWORK in settings)."""

    def has_permission(self, request, view):
        return False


class ReadOrTokenScope(BasePermission):
    """Anyone reads; a write needs a partner token carrying the view's `write_scope`.

    Which records a token may change is the object permission of each view
    (`can_write_object`); a record outside the token's organisation is a 403.
    """

    message = _("Ce jeton n'a pas le droit d'écrire ici.")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        scope = getattr(view, "write_scope", None)
        if scope is None:
            # A read-only resource: the method is the problem, whoever asks.
            raise exceptions.MethodNotAllowed(request.method)
        token = api_token(request)
        if token is None:
            if request.user and request.user.is_authenticated:
                self.message = _("Les écritures passent par un jeton partenaire ; l'équipe utilise l'administration.")
                return False
            raise exceptions.NotAuthenticated(_("Authentification requise : Authorization: Bearer <jeton>."))
        if not token.has_scope(scope):
            self.message = _("Ce jeton n'a pas le droit « %(scope)s ».") % {"scope": scope}
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        if not view.can_write_object(api_token(request), obj):
            self.message = _("Ce jeton ne peut modifier que les fiches de son organisation.")
            return False
        return True


class TokenOrStaffRead(BasePermission):
    """Reads only, by a partner token or a staff session; anyone else must authenticate (401).

    The view's queryset keeps a token to what concerns its organisation: another's record is a 404.
    """

    def has_permission(self, request, view):
        if request.method not in SAFE_METHODS:
            raise exceptions.MethodNotAllowed(request.method)
        if api_token(request) is None and not is_staff(request):
            raise exceptions.NotAuthenticated(_("Authentification requise : Authorization: Bearer <jeton>."))
        return True
