"""The API's JSON: DRF's `JSONRenderer` to the byte, written by orjson.

`json_bytes` writes what DRF's renderer writes (compact, UTF-8, U+2028 and U+2029 escaped, decimals as
numbers, dates and lazy text through DRF's own encoder) several times faster; `JSONRenderer` uses it for
every answer, except when a client asks for an indented body (`Accept: application/json; indent=2`) or
for what orjson refuses (keys that are not text, integers beyond 64 bits), which DRF's renderer writes.
"""

from decimal import Decimal

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_DRF_ENCODER = JSONEncoder()
# JavaScript's line separators, which `JSONRenderer` escapes and orjson leaves as they are.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def json_number(value: float):
    """A float as `json.dumps` writes it: orjson writes 0.00005 where Python writes 5e-05 (below 1e-4)."""
    if value and -1e-4 < value < 1e-4:
        return orjson.Fragment(float.__repr__(value))
    return value


def _json_default(value):
    """What orjson cannot write itself, as DRF's encoder writes it (a decimal as a float, lazy text…)."""
    if isinstance(value, Decimal):
        return json_number(float(value))
    converted = _DRF_ENCODER.default(value)
    return json_number(converted) if type(converted) is float else converted


def json_bytes(data) -> bytes:
    """`data` as DRF's `JSONRenderer` renders it (compact, UTF-8, U+2028 and U+2029 escaped), with orjson.

    Numbers are decimals (as serializers give them) or floats made by `json_number`: orjson writes a
    float itself, without the exponent Python gives one below 1e-4.
    """
    body = orjson.dumps(data, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    for raw, escaped in _LINE_SEPARATORS:
        if raw in body:
            body = body.replace(raw, escaped)
    return body


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, its bytes written by orjson (`json_bytes`)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                return json_bytes(data)
            except orjson.JSONEncodeError:
                pass
        return super().render(data, accepted_media_type, renderer_context)
