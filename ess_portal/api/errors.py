"""One JSON error shape for every answer of `/api/v1/`::

    {"status": 400, "code": "invalid", "detail": "Données invalides.", "errors": {"siret": ["…"]}}

`errors` maps field names (or `non_field_errors`) to lists of French messages; it is empty
when the error is not about fields.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ess_portal.api.parsers import PayloadTooLarge


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
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
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
    response.data = error_body(response.status_code, code, detail, errors)
    return response


def printable(text) -> str:
    """`text` as it can be sent: a lone UTF-16 surrogate echoed from the input becomes U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in str(text))


def error_body(status_code: int, code: str, detail, errors: dict | None = None) -> dict:
    return {
        "status": status_code,
        "code": code,
        "detail": printable(detail),
        "errors": {printable(field): [printable(m) for m in messages] for field, messages in (errors or {}).items()},
    }


def error_response(status_code: int, code: str, detail, **headers) -> JsonResponse:
    """An error in the API's shape, for answers made outside DRF's views (routing, middleware)."""
    response = JsonResponse(error_body(status_code, code, detail), status=status_code)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key} : {message}" for key, item in value.items() for message in _flatten(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _flatten(item)]
    return [str(value)]


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a 404 in the API's error shape, not the site's HTML page."""
    return error_response(404, "not_found", _("Ressource introuvable."))
