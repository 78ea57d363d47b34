"""The base of every resource view of the partner API: its policies, stated on the view."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, mixins, viewsets
from rest_framework.response import Response

from directory.filters import sanitize_query
from directory.history import Origin, provenance
from directory.models import ApiToken
from ess_portal import response_cache
from ess_portal.api.auth import BearerTokenAuthentication, StaffSessionAuthentication, api_token
from ess_portal.api.conditional import ConditionalMixin
from ess_portal.api.errors import exception_handler
from ess_portal.api.formats import FormatFirstNegotiation
from ess_portal.api.pagination import Pagination, StableOrderingFilter
from ess_portal.api.parsers import JSONParser
from ess_portal.api.permissions import ReadOrTokenScope
from ess_portal.api.renderers import JSONRenderer
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
    parser_classes = [JSONParser]
    # `?format=` wins over `Accept` (GDAL and other standard clients send their own).
    content_negotiation_class = FormatFirstNegotiation
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

    # The one parameter an empty value makes sense for (no search); any other must be left out.
    EMPTY_ALLOWED = frozenset({"q"})

    def initial(self, request, *args, **kwargs):
        # The method first: a TRACE is a 405 whatever else the request carries.
        if request.method.upper() not in self.allowed_methods:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        token = api_token(request)
        if token is not None:
            # What a partner's token changes says so in its history, until the response is finalised.
            self._provenance = provenance(Origin.API, detail=f"{token.organisation.name} ({token.prefix})")
            self._provenance.__enter__()
        self.check_query_parameters(request)
        # After authentication and throttles: a kept answer still counts against the caller's rate.
        streamed = request.query_params.get("format") in ("csv", "geojson")
        self._cache_key, cached = (None, None) if streamed else response_cache.lookup(request)
        if cached is not None:
            self._cache_key = None
            setattr(self, request.method.lower(), lambda *args, **kwargs: cached)

    def check_query_parameters(self, request) -> None:
        """Empty values and repeated single-valued parameters are 400s, not silently ignored."""
        filterset_class = getattr(self, "filterset_class", None)
        repeatable = filterset_class.repeatable() if filterset_class is not None else frozenset()
        errors = {}
        for key, values in request.query_params.lists():
            if key not in self.EMPTY_ALLOWED and "" in values:
                # `?updated_since=` from a broken template must not sync everything.
                errors[key] = [_("Valeur vide : omettez ce paramètre pour ne pas filtrer.")]
            elif len(values) > 1 and key not in repeatable:
                errors[key] = [_("Ce paramètre ne prend qu'une valeur.")]
        if errors:
            raise exceptions.ValidationError(errors)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown `?format=` with a 404; the format is what is unavailable.
            raise exceptions.NotAcceptable(
                _("Format non disponible ici : json, ou geojson et csv sur les listes.")
            ) from None

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

    def keep_response(self, request, response) -> None:
        key = getattr(self, "_cache_key", None)
        if key is not None and response.status_code == 200 and not response.streaming:
            response.render()
            response_cache.store(key, request, response)

    def can_write_object(self, token: ApiToken, obj) -> bool:
        return False


class RecordRetrieveMixin(mixins.RetrieveModelMixin):
    """The detail route of a resource: a view has one only when it says so."""

    def retrieve(self, request, *args, **kwargs):
        """A record, with its Last-Modified and its version opening the ETag."""
        obj = self.get_object()
        self.last_modified = getattr(obj, "updated_at", None)
        self.record = obj
        return Response(self.get_serializer(obj).data)


class ReadOnlyViewSet(ApiViewMixin, RecordRetrieveMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A read-only resource: list and detail."""
