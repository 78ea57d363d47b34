"""The partner API's router and cross-cutting glue.

Authentication by partner token (`Authorization: Bearer <token>`), throttles, pagination,
one JSON error shape, conditional requests (ETag / Last-Modified, If-Match on writes),
streamed GeoJSON and CSV, and the OpenAPI schema with its offline documentation. The
resources themselves live in each app's `api` module.

Error shape (every 4xx answer of `/api/v1/`)::

    {"status": 400, "code": "invalid", "detail": "Données invalides.", "errors": {"siret": ["…"]}}

`errors` maps field names (or `non_field_errors`) to lists of French messages; it is empty
when the error is not about fields.
"""

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

import django_filters
from django import forms as django_forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.urls import include, path, re_path
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from directory.models import ApiToken
from directory.services import authenticate_api_token

# ---------------------------------------------------------------------------
# Authentication


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
    return request.auth if isinstance(request.auth, ApiToken) else None


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


def can_read_unpublished(request) -> bool:
    """Staff sessions and tokens with the `read:unpublished` scope see every record."""
    token = api_token(request)
    return is_staff(request) or bool(token and token.has_scope(ApiToken.Scope.READ_UNPUBLISHED))


def history_reason(token: ApiToken) -> str:
    """The history's change reason of a write made with `token`: who wrote, with which token."""
    return f"API : {token.organisation.name} ({token.prefix})"


class ReadOrTokenScope(BasePermission):
    """Anyone reads; a write needs a partner token carrying the view's `write_scope`.

    Which records a token may change is the object permission of each view
    (`can_write_object`); a record outside the token's organisation is a 403.
    """

    message = _("Ce jeton n'a pas le droit d'écrire ici.")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "write_scope", None) is None:
            # A read-only resource: the method is the problem, whoever asks.
            raise exceptions.MethodNotAllowed(request.method)
        token = api_token(request)
        if token is None:
            if request.user and request.user.is_authenticated:
                self.message = _("Les écritures passent par un jeton partenaire ; l'équipe utilise l'administration.")
                return False
            raise exceptions.NotAuthenticated(_("Authentification requise : Authorization: Bearer <jeton>."))
        scope = getattr(view, "write_scope", None)
        if scope is None or not token.has_scope(scope):
            self.message = _("Ce jeton n'a pas le droit « %(scope)s ».") % {"scope": scope or "—"}
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        if not view.can_write_object(api_token(request), obj):
            self.message = _("Ce jeton ne peut modifier que les fiches de son organisation.")
            return False
        return True


# ---------------------------------------------------------------------------
# Throttling


class _SettingsRateThrottle(SimpleRateThrottle):
    # Read the rate at each request (not at import) so that settings overrides take effect.
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

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


# ---------------------------------------------------------------------------
# Pagination and ordering


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `page_size` may be asked for, up to API_MAX_PAGE_SIZE."""

    page_size_query_param = "page_size"
    page_size_query_description = _("Nombre de résultats par page (plafonné).")
    page_query_description = _("Numéro de page (à partir de 1).")
    invalid_page_message = _("Page introuvable.")

    @property
    def page_size(self):
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise exceptions.ValidationError(
                {"page_size": [_("Indiquez un nombre entier entre 1 et %(max)s.") % {"max": self.max_page_size}]}
            ) from None
        if size < 1:
            raise exceptions.ValidationError(
                {"page_size": [_("Indiquez un nombre entier entre 1 et %(max)s.") % {"max": self.max_page_size}]}
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = 1_000_000
        return parameters


class StableOrderingFilter(BaseFilterBackend):
    """`?ordering=name` (or `-name`, `updated_at`, `-updated_at`…), always ending with the id.

    Without the parameter the list keeps its default order (name, or relevance for `q`),
    which also ends with the id: pages never shuffle between two requests.
    """

    param = "ordering"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        allowed = self.choices(view)
        if raw not in allowed:
            raise exceptions.ValidationError(
                {self.param: [_("Tri inconnu ; valeurs possibles : %(values)s.") % {"values": ", ".join(allowed)}]}
            )
        return queryset.order_by(raw, "-pk" if raw.startswith("-") else "pk")

    @staticmethod
    def choices(view) -> list[str]:
        fields = getattr(view, "ordering_fields", [])
        return [value for field in fields for value in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view):
        choices = self.choices(view)
        if not choices:
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Tri stable (départage par identifiant) ; « - » pour l'ordre décroissant. Synchronisation : ")
                )
                + "updated_at.",
                "schema": {"type": "string", "enum": choices},
            }
        ]


# ---------------------------------------------------------------------------
# Fields


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's field, refusing NUL characters with a 400 (PostgreSQL cannot even look them up)."""

    def to_internal_value(self, data):
        if "\x00" in str(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        return super().to_internal_value(data)


# ---------------------------------------------------------------------------
# Bounding box filter (actors and sites)


class BBoxField(django_forms.CharField):
    """`min_lon,min_lat,max_lon,max_lat` in WGS 84 degrees, as in GeoJSON and most map libraries."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parts = value.split(",")
        message = _(
            "bbox attend quatre nombres séparés par des virgules : longitude min, latitude min, "
            "longitude max, latitude max (par exemple 2.38,48.84,2.53,48.93)."
        )
        if len(parts) != 4:
            raise DjangoValidationError(message, code="bbox_format")
        try:
            min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
        except ValueError:
            raise DjangoValidationError(message, code="bbox_format") from None
        if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
            raise DjangoValidationError(message, code="bbox_format")
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise DjangoValidationError(
                _("bbox hors limites : longitudes entre -180 et 180, latitudes entre -90 et 90."), code="bbox_range"
            )
        if min_lon > max_lon or min_lat > max_lat:
            raise DjangoValidationError(
                _("bbox inversée : le minimum doit précéder le maximum (longitude puis latitude)."), code="bbox_order"
            )
        return (min_lon, min_lat, max_lon, max_lat)


class BBoxFilter(django_filters.CharFilter):
    """Records whose point lies in the box (records without coordinates are left out)."""

    field_class = BBoxField

    def filter(self, qs, value):
        if not value:
            return qs
        min_lon, min_lat, max_lon, max_lat = (Decimal(str(v)) for v in value)
        return qs.filter(latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon)


def bbox_filter() -> BBoxFilter:
    return BBoxFilter(
        label=_("Emprise"),
        help_text=_(
            "min_lon,min_lat,max_lon,max_lat en degrés WGS 84 (par exemple 2.38,48.84,2.53,48.93) ; "
            "les fiches sans coordonnées sont exclues."
        ),
    )


# ---------------------------------------------------------------------------
# Errors


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _(
        "En-tête If-Match obligatoire : renvoyez l'ETag lu avec GET pour éviter d'écraser une modification."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("La fiche a été modifiée depuis votre lecture (ETag différent) : relisez-la et recommencez.")
    default_code = "precondition_failed"


def _as_messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def django_validation_error_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A model's `ValidationError` as a DRF one: field errors stay on their fields."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {field: _as_messages(messages) for field, messages in exc.message_dict.items()}
        )
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})


def exception_handler(exc, context):
    """Every API error as `{"status", "code", "detail", "errors"}` (see the module docstring)."""
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Ressource introuvable."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors = {}
    detail = None
    code = "error"
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = str(_("Données invalides."))
        data = exc.detail
        if isinstance(data, dict):
            errors = {field: _flatten(value) for field, value in data.items()}
        else:
            errors = {api_settings.NON_FIELD_ERRORS_KEY: _flatten(data)}
    elif isinstance(exc, exceptions.APIException):
        detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else str(_("Erreur."))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
    response.data = {"status": response.status_code, "code": code, "detail": detail, "errors": errors}
    return response


def _flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key} : {message}" for key, item in value.items() for message in _flatten(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _flatten(item)]
    return [str(value)]


ERROR_SERIALIZER = inline_serializer(
    name="Error",
    fields={
        "status": serializers.IntegerField(help_text=_("Code HTTP de la réponse.")),
        "code": serializers.CharField(help_text=_("Code court de l'erreur (invalid, not_found, throttled…).")),
        "detail": serializers.CharField(help_text=_("Message en français.")),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text=_("Messages par champ (vide si l'erreur ne porte pas sur des champs)."),
        ),
    },
)


def error_responses(*codes: int) -> dict:
    """OpenAPI responses for error codes, all with the common error shape."""
    descriptions = {
        400: _("Paramètres ou données invalides (messages par champ)."),
        401: _("Jeton absent, inconnu, révoqué ou expiré."),
        403: _("Hors des droits du jeton ou des fiches de son organisation."),
        404: _("Introuvable (ou non publié)."),
        406: _("Format demandé non disponible."),
        405: _("Méthode non autorisée."),
        412: _("If-Match ne correspond plus : la fiche a changé depuis votre lecture."),
        415: _("Type de contenu non pris en charge (JSON attendu)."),
        428: _("If-Match manquant."),
        429: _("Trop de requêtes : réessayez après le délai indiqué par Retry-After."),
    }
    return {code: OpenApiResponse(ERROR_SERIALIZER, description=str(descriptions[code])) for code in codes}


READ_ERRORS = (400, 401, 404, 406, 429)
WRITE_ERRORS = (400, 401, 403, 404, 406, 412, 415, 428, 429)


# ---------------------------------------------------------------------------
# Conditional requests


def read_responses() -> dict:
    """304 and the errors a read may answer."""
    return {
        304: OpenApiResponse(
            description=str(_("Non modifié depuis l'ETag (If-None-Match) ou la date (If-Modified-Since)."))
        ),
        **error_responses(*READ_ERRORS),
    }


def etag_for(data) -> str:
    """A strong ETag: the SHA-256 of the JSON representation (the same for GET and If-Match)."""
    return '"' + hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:40] + '"'


def _etag_values(header: str) -> list[str]:
    # Proxies that compress may weaken an ETag (W/"…"); the value is what counts.
    return [value.strip().removeprefix("W/") for value in header.split(",") if value.strip()]


def check_if_match(request, current_data) -> None:
    """Refuse a write without If-Match (428) or with a stale one (412)."""
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    if etag_for(current_data) not in _etag_values(header):
        raise PreconditionFailed()


class ConditionalMixin:
    """ETag on every JSON 200 answer, Last-Modified where the view knows it; 304 on a match.

    Views set `self.last_modified` (an aware datetime) in `list`/`retrieve` when they know it.
    """

    last_modified = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or isinstance(response, StreamingHttpResponse)
            or not isinstance(response, Response)
        ):
            return response
        etag = etag_for(response.data)
        response["ETag"] = etag
        last_modified = None
        if self.last_modified is not None:
            last_modified = int(self.last_modified.timestamp())
            response["Last-Modified"] = http_date(last_modified)
        conditional = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        if conditional is not response:
            conditional["ETag"] = etag
            return conditional
        return response


class GuardedUpdateMixin:
    """PUT and PATCH that cannot lose an update: the row is locked, then If-Match is checked.

    Viewsets name the serializer that answers (`detail_serializer_class`), the one that reads
    the request (`write_serializer_class`), the queryset that reads a record for the answer
    (`detail_queryset()`), and write the validated data with `apply_update()`.
    """

    detail_serializer_class: type[serializers.Serializer]
    write_serializer_class: type[serializers.Serializer]

    def detail_queryset(self):
        raise NotImplementedError

    def apply_update(self, obj, validated: dict, token: ApiToken) -> None:
        raise NotImplementedError

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        obj = self.get_object()
        with transaction.atomic():
            # Lock the row: two writers with the same ETag cannot both pass the check.
            type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("pk").first()
            obj = self.detail_queryset().get(pk=obj.pk)
            check_if_match(request, self.detail_serializer_class(obj).data)
            serializer = self.write_serializer_class(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.apply_update(obj, serializer.validated_data, request.auth)
        data = self.detail_serializer_class(self.detail_queryset().get(pk=obj.pk)).data
        response = Response(data)
        response["ETag"] = etag_for(data)
        return response


# ---------------------------------------------------------------------------
# Formats: GeoJSON and CSV, streamed


class GeoJSONRenderer(BaseRenderer):
    """Negotiates `?format=geojson`; the list view streams the body itself (`stream_geojson`)."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors reach the renderer (lists are streamed): answer them as JSON.
        return JSONRenderer().render(data)


class CSVRenderer(BaseRenderer):
    """Negotiates `?format=csv`; the list view streams the body itself (`stream_csv`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


STREAMED_FORMATS = ("geojson", "csv")
STREAM_CHUNK_SIZE = 500


def format_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "format",
        str,
        enum=["json", "geojson", "csv"],
        description=str(
            _(
                "json (paginé, par défaut) ; geojson (FeatureCollection RFC 7946, [lon, lat]) ou csv : "
                "tout l'ensemble filtré, en flux, sans pagination."
            )
        ),
    )


def stream_geojson(rows: Iterable, feature: Callable[[object], dict]) -> StreamingHttpResponse:
    """An RFC 7946 FeatureCollection written feature by feature."""

    def chunks() -> Iterator[bytes]:
        yield b'{"type": "FeatureCollection", "features": ['
        for index, row in enumerate(rows):
            yield (b"," if index else b"") + JSONRenderer().render(feature(row))
        yield b"]}"

    return StreamingHttpResponse(chunks(), content_type="application/geo+json")


def geojson_feature(properties: dict, latitude, longitude) -> dict:
    geometry = None
    if latitude is not None and longitude is not None:
        geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def stream_csv(rows: Iterable, columns: list[str], row_values: Callable[[object], dict], filename: str):
    """A CSV (UTF-8, comma-separated, header line) written row by row."""

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row_values(row))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_value(value) -> str:
    """A JSON value as one CSV cell: lists joined with « | », None empty, booleans true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "|".join(csv_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        # As in JSON: 48.880000 → 48.88, 100.0 → 100.
        return format(value.normalize(), "f")
    return str(value)


# ---------------------------------------------------------------------------
# Base of every resource


class ApiAutoSchema(AutoSchema):
    """Reads are open to anonymous callers: say so in each read operation's security."""

    def get_description(self):
        # Operations are described in French by their summary and `description`; the viewsets'
        # docstrings are for developers.
        return ""

    def get_auth(self):
        auth = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auth:
            auth.append({})
        return auth


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
        # PostgreSQL refuses NUL characters in text parameters: drop them from the query string
        # (a filter value or a lookup with NUL matches nothing rather than failing).
        if "\x00" in request.GET.urlencode() or "%00" in request.META.get("QUERY_STRING", ""):
            clean = QueryDict(mutable=True)
            for key in request.GET:
                clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in request.GET.getlist(key)])
            request.GET = clean
        return super().initialize_request(request, *args, **kwargs)

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
        return super().finalize_response(request, response, *args, **kwargs)

    def can_write_object(self, token: ApiToken, obj) -> bool:
        return False


# ---------------------------------------------------------------------------
# Router and URLs


class ApiRootRouter(DefaultRouter):
    include_format_suffixes = False


def build_router() -> DefaultRouter:
    from directory import api as directory_api
    from projects import api as projects_api

    router = ApiRootRouter()
    directory_api.register(router)
    projects_api.register(router)
    return router


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a 404 in the API's error shape, not the site's HTML page."""
    return JsonResponse(
        {"status": 404, "code": "not_found", "detail": str(_("Ressource introuvable.")), "errors": {}}, status=404
    )


def _urlpatterns() -> list:
    return [
        path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
        path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
        path("", include(build_router().urls)),
        re_path(r"^.*$", not_found),
    ]


def __getattr__(name):
    # The apps' api modules import this one: build the routes only when the URLconf asks for them.
    if name == "urlpatterns":
        globals()["urlpatterns"] = _urlpatterns()
        return globals()["urlpatterns"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
