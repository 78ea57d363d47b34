"""The OpenAPI schema's defaults and the responses operations share."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ApiAutoSchema(AutoSchema):
    """Reads are open to anonymous callers, unless a view says `anonymous_reads = False`: say so in their security."""

    def get_description(self):
        # Operations are described in French by their summary and `description`; the viewsets'
        # docstrings are for developers.
        return ""

    def get_auth(self):
        auth = super().get_auth()
        if self.method in SAFE_METHODS and getattr(self.view, "anonymous_reads", True) and {} not in auth:
            auth.append({})
        return auth


class SchemaView(SpectacularAPIView):
    """The schema, downloaded under a plain ASCII file name (the title has an em dash and spaces)."""

    def _get_filename(self, request, version):
        return f"ess-portal-api.{self.perform_content_negotiation(request, force=True)[0].format}"


def describe_empty_parameters(result, generator, request, public):
    """drf-spectacular hook: a text query parameter may not be empty (except `q`), as the views check."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and parameter["name"] != "q" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
                if parameter.get("in") == "query" and schema.get("type") == "array":
                    items = schema.get("items", {})
                    if items.get("type") == "string":
                        items.setdefault("minLength", 1)
    return result


def type_nullable_references(result, generator, request, public):
    """drf-spectacular hook: a nullable reference gets the type of what it refers to.

    OpenAPI 3.0 ignores `nullable` beside an `allOf` without `type`, so validators and generated
    clients would take `null` for invalid: `{"allOf": [$ref], "type": "object", "nullable": true}`.
    """
    components = result.get("components", {}).get("schemas", {})

    def visit(node):
        if isinstance(node, dict):
            references = node.get("allOf") or node.get("oneOf") or []
            if node.get("nullable") and "type" not in node and len(references) == 1 and "$ref" in references[0]:
                target = components.get(references[0]["$ref"].rsplit("/", 1)[-1], {})
                node["type"] = target.get("type", "object")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    return result


def declare_servers(result, generator, request, public):
    """drf-spectacular hook: the server, so that clients need no base URL.

    Served over HTTP, the schema names the address that answered it (the host is one of ALLOWED_HOSTS),
    so that the documentation page tries its operations where it is, a test or staging server
    included; written by `manage.py spectacular`, it names SITE_URL.
    """
    url = request.build_absolute_uri("/").rstrip("/") if request is not None else settings.SITE_URL
    result["servers"] = [{"url": url, "description": str(_("Portail de l'ESS d'Est Ensemble"))}]
    return result


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

ERROR_DESCRIPTIONS = {
    400: _("Paramètres ou données invalides (messages par champ)."),
    401: _("Jeton absent, inconnu, révoqué ou expiré."),
    403: _("Hors des droits du jeton ou des fiches de son organisation."),
    404: _("Introuvable (ou non publié)."),
    405: _("Méthode non autorisée."),
    406: _("Format demandé non disponible."),
    412: _("If-Match ne correspond plus : la fiche a changé depuis votre lecture."),
    413: _("Corps de requête trop volumineux."),
    415: _("Type de contenu non pris en charge (JSON attendu)."),
    428: _("If-Match manquant."),
    429: _("Trop de requêtes : réessayez après le délai indiqué par Retry-After."),
}


def error_responses(*codes: int) -> dict:
    """OpenAPI responses for error codes, all with the common error shape."""
    return {code: OpenApiResponse(ERROR_SERIALIZER, description=str(ERROR_DESCRIPTIONS[code])) for code in codes}


READ_ERRORS = (400, 401, 404, 406, 429)
WRITE_ERRORS = (400, 401, 403, 404, 406, 412, 413, 415, 428, 429)


def read_responses() -> dict:
    """304 and the errors a read may answer."""
    return {
        304: OpenApiResponse(
            description=str(_("Non modifié depuis l'ETag (If-None-Match) ou la date (If-Modified-Since)."))
        ),
        **error_responses(*READ_ERRORS),
    }


def format_parameter(*, geojson: bool = True) -> OpenApiParameter:
    """`?format=` of a list: json pages, and the whole filtered set in csv (and geojson where rows have a place)."""
    if geojson:
        description = _(
            "json (paginé, par défaut) ; geojson (FeatureCollection RFC 7946, [lon, lat]) ou csv : "
            "tout l'ensemble filtré, en flux, sans pagination."
        )
    else:
        description = _("json (paginé, par défaut) ou csv : tout l'ensemble filtré, en flux, sans pagination.")
    return OpenApiParameter(
        "format", str, enum=["json", "geojson", "csv"] if geojson else ["json", "csv"], description=str(description)
    )


# The streamed formats of a list, beside its JSON page.
CSV_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=str(_("CSV UTF-8, tout l'ensemble filtré."))),
}
LIST_RESPONSES = {
    (200, "application/geo+json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description=str(_("FeatureCollection RFC 7946 ([lon, lat]), tout l'ensemble filtré."))
    ),
    **CSV_RESPONSES,
}
