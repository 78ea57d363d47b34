"""The one body format of the API, JSON, read with bounds a hostile client cannot push past."""

import codecs
from json import JSONDecodeError

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers
from rest_framework.utils import json

# Deeper than any payload of the API: a body nested further is refused before it costs anything.
MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("Corps de requête trop volumineux.")
    default_code = "payload_too_large"


def _has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def check_json_value(data) -> None:
    """Refuse what no field of the API can store: nesting past MAX_DEPTH, lone UTF-16 surrogates."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise exceptions.ParseError(_("JSON trop imbriqué (%(max)s niveaux au plus).") % {"max": MAX_DEPTH})
        if isinstance(value, str):
            if _has_lone_surrogate(value):
                raise exceptions.ParseError(_("Texte invalide : caractère Unicode isolé (substitut sans sa paire)."))
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a size limit (413), a depth limit and text checks (400).

    DRF reads the body from the request stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    check: the same limit is applied here.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError(_("Corps illisible : JSON encodé en UTF-8 attendu.")) from None
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON trop imbriqué (%(max)s niveaux au plus).") % {"max": MAX_DEPTH}
            ) from None
        except JSONDecodeError as exc:
            raise exceptions.ParseError(
                _("JSON invalide (ligne %(line)s, colonne %(column)s).") % {"line": exc.lineno, "column": exc.colno}
            ) from None
        except ValueError:
            # strict_constant: NaN and Infinity are not JSON.
            raise exceptions.ParseError(_("JSON invalide : NaN et Infinity ne sont pas des nombres JSON.")) from None
        check_json_value(data)
        return data
