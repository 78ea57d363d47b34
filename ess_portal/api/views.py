"""The base of every resource view of the partner API: its policies, stated on the view."""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from directory.filters import sanitize_query
from directory.history import Origin, provenance
from directory.models import ApiToken
from ess_portal.api.auth import BearerTokenAuthentication, StaffSessionAuthentication, api_token
from ess_portal.api.conditional import ConditionalMixin
from ess_portal.api.errors import exception_handler
from ess_portal.api.pagination import Pagination, StableOrderingFilter
from ess_portal.api.permissions import ReadOrTokenScope
from ess_portal.api.schema import ApiAutoSchema
from ess_portal.api.throttling import AnonThrottle, TokenThrottle


class ApiViewMixin(ConditionalMixin):
    """The API's defaults, explicit on each view rather than hidden in settings.

    Authentication by partner token (and staff session for reading), anonymous reads,
    throttles `anon` and `token`, pagination, stable ordering, the common error shape.
    """

    authentication_classes = [BearerTokenAuthentication, StaffSessionAuthentication]
    permission_classes = [ReadOrTokenScope]
    throttle_classes = [AnonThrottle, TokenThrottle]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering_fields: list[str] = []
    write_scope: str | None = None
    schema = ApiAutoSchema()
    # Any segment reaches the view, whose answer is then a JSON 404 rather than the site's HTML one.
    lookup_value_regex = "[^/]+"

    def get_exception_handler(self):
        return exception_handler

    def initialize_request(self, request, *args, **kwargs):
        # PostgreSQL refuses NUL characters in text parameters: a filter value with NUL matches
        # what it would match without them rather than failing.
        request.GET = sanitize_query(request.GET)
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        token = api_token(request)
        if token is not None:
            # What a partner's token changes says so in its history, until the response is finalised.
            self._provenance = provenance(Origin.API, detail=f"{token.organisation.name} ({token.prefix})")
            self._provenance.__enter__()

    def get_object(self):
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if "\x00" in lookup:
            raise exceptions.NotFound(_("Ressource introuvable."))
        return super().get_object()

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever format was asked for (a CSV or GeoJSON request may get a 400).
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and getattr(getattr(request, "accepted_renderer", None), "format", "json") != "json"
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        if getattr(self, "_provenance", None) is not None:
            self._provenance.__exit__(None, None, None)
            self._provenance = None
        return super().finalize_response(request, response, *args, **kwargs)

    def can_write_object(self, token: ApiToken, obj) -> bool:
        return False


class ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only resource: list and detail, Last-Modified from the record on the detail."""

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.last_modified = getattr(obj, "updated_at", None)
        return Response(self.get_serializer(obj).data)
