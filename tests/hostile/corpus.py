"""The hostile-input corpus: what a broken or malicious client sends, in the forms it can send it.

Three shapes of the same attacks:

- `TEXTS`: Python strings (markup, SQL, traversal, 100k characters, invisible and control
  characters, numbers and keywords written as text);
- `query_values()`: raw, already-encoded query-string values, the texts plus what only a URL can
  carry (a lone surrogate as `%ED%A0%80`, invalid UTF-8, broken escapes, list and object syntax);
- `JSON_VALUES`: raw JSON fragments for one field of a body, the texts plus what only JSON can
  carry (numbers past a double, `-0`, booleans, null, lists, objects, a lone `"\\ud800"` escape,
  nesting ten thousand deep).

`BODIES` and `CONTENT_TYPES` are whole-body attacks on a write.
"""

import json
from urllib.parse import quote

LONG = 100_000

TEXTS: dict[str, str] = {
    "html": "<script>alert(1)</script>",
    "html_attribute": '"><img src=x onerror=alert(1)>',
    "html_entity": "&lt;b&gt;&amp;#x3C;",
    "sql_or": "' OR '1'='1' --",
    "sql_drop": "'; DROP TABLE directory_actor; --",
    "sql_like": "%_%",
    "sql_quote": "\"'`",
    "backslash": "\\",
    "traversal": "../../../etc/passwd",
    "traversal_encoded": "..%2F..%2Fetc%2Fpasswd",
    "traversal_windows": "..\\..\\windows\\win.ini",
    "long_ascii": "x" * LONG,
    "long_accented": "é" * LONG,
    "rtl_override": "\u202egpj.exe",
    "zero_width": "a\u200bb",
    "bom": "\ufeff93048",
    "only_invisible": "\u200b\ufeff",
    "nul": "\x00",
    "nul_inside": "93048\x00",
    "control": "\x01\x1b[31m\x7f",
    "crlf": "a\r\nSet-Cookie: x=1",
    "whitespace": " \t\n",
    "emoji": "😀",
    "format": "%s%n{0}${x}{{x}}",
    "inf": "1e309",
    "minus_one": "-1",
    "huge": str(9**40),
    "minus_zero": "-0",
    "nan": "NaN",
    "infinity": "Infinity",
    "true": "true",
    "null": "null",
    "date_like": "2024-02-30T25:61:61+99:00",
}

# What a URL carries that a Python string cannot say as text: encoded once, as sent on the wire.
RAW_QUERY_VALUES: dict[str, str] = {
    "lone_surrogate": "%ED%A0%80",
    "lone_surrogate_inside": "a%ED%B0%80b",
    "invalid_utf8": "%FF%FE",
    "overlong_utf8": "%C0%AF",
    "truncated_utf8": "%C3",
    "broken_percent": "%",
    "bad_percent": "%zz",
    "nul_encoded": "%00",
    "plus_signs": "+++",
    "list_syntax": quote('["93048"]', safe=""),
    "object_syntax": quote('{"a": 1}', safe=""),
    "empty_list_syntax": "[]",
}

# Markup that must never come back unescaped in an HTML page.
MARKUP = (TEXTS["html"], TEXTS["html_attribute"])


def query_values() -> dict[str, str]:
    """Every value of the corpus as it appears in a query string (percent-encoded)."""
    return {**{name: quote(text, safe="") for name, text in TEXTS.items()}, **RAW_QUERY_VALUES}


def query_strings(parameter: str) -> dict[str, str]:
    """Whole query strings attacking one parameter: each value, empty, bare, repeated, as a list."""
    name = quote(parameter, safe="")
    shapes = {f"value:{label}": f"{name}={value}" for label, value in query_values().items()}
    shapes.update(
        {
            "empty": f"{name}=",
            "bare": name,
            "repeated": f"{name}=a&{name}=b",
            "repeated_60": "&".join([f"{name}=1"] * 60),
            "php_list": f"{name}[]=1&{name}[]=2",
            "php_object": f"{name}[a]=1",
        }
    )
    return shapes


# Parameter names nobody declared: ignored or refused, never a crash.
HOSTILE_PARAMETER_NAMES: dict[str, str] = {
    "nul_name": "%00=1",
    "surrogate_name": "%ED%A0%80=1",
    "invalid_utf8_name": "%FF=1",
    "long_name": "x" * LONG + "=1",
    "many_parameters": "&".join(f"p{n}=1" for n in range(2000)),
    "only_separators": "&&&&=&=",
    "empty_name": "=1",
}

DEEP = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a": ' * 10_000 + "1" + "}" * 10_000

# Raw JSON fragments for the value of one field.
JSON_VALUES: dict[str, str] = {
    **{f"text:{name}": json.dumps(text) for name, text in TEXTS.items()},
    "lone_surrogate": '"\\ud800"',
    "lone_low_surrogate": '"a\\udfffb"',
    "number_inf": "1e309",
    "number_minus_inf": "-1e309",
    "number_tiny": "1e-309",
    "number_nan": "NaN",
    "number_infinity": "Infinity",
    "number_minus_one": "-1",
    "number_huge": str(9**40),
    "number_minus_zero": "-0",
    "number_minus_zero_float": "-0.0",
    "number_float": "1.5",
    "number_zero": "0",
    "true": "true",
    "false": "false",
    "null": "null",
    "empty_list": "[]",
    "list": '["93048"]',
    "list_of_junk": '[null, 1, {"a": 1}, [], "\\u0000"]',
    "long_list": "[" + ", ".join(['"x"'] * 1_000) + "]",
    "empty_object": "{}",
    "object": '{"a": 1}',
    "nested_33": "[" * 33 + "]" * 33,
    "deep": DEEP,
}

# Whole bodies of a write (sent as application/json).
BODIES: dict[str, bytes] = {
    "deep_list": DEEP.encode(),
    "deep_object": DEEP_OBJECT.encode(),
    "nested_33": ('{"name": ' + "[" * 33 + "]" * 33 + "}").encode(),
    "truncated": b'{"name": ',
    "unquoted_keys": b"{name: 1}",
    "single_quotes": b"{'name': 'x'}",
    "trailing_comma": b'{"name": "x",}',
    "trailing_garbage": b'{"name": "x"} x',
    "two_documents": b'{"a": 1}{"b": 2}',
    "nan": b"NaN",
    "invalid_utf8": b'{"name": "\xff\xfe"}',
    "utf16": '{"name": "x"}'.encode("utf-16"),
    "nul_byte": b"\x00",
    "lone_surrogate_key": b'{"\\ud800": 1}',
    "empty_list": b"[]",
    "list_of_object": b'[{"name": "x"}]',
    "string": b'"x"',
    "null": b"null",
    "number": b"1",
    "true": b"true",
    "whitespace": b" \n\t ",
}

# (label, Content-Type, body): what is not a JSON body.
CONTENT_TYPES: list[tuple[str, str, bytes]] = [
    ("form", "application/x-www-form-urlencoded", b"name=Fictif&legal_form=association"),
    ("text", "text/plain", b'{"name": "Fictif"}'),
    (
        "multipart",
        "multipart/form-data; boundary=BoUnDaRy",
        b'--BoUnDaRy\r\nContent-Disposition: form-data; name="name"\r\n\r\nFictif\r\n--BoUnDaRy--\r\n',
    ),
    ("multipart_without_boundary", "multipart/form-data", b"--x\r\n"),
    ("xml", "application/xml", b"<actor><name>Fictif</name></actor>"),
    ("xml_entities", "text/xml", b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'),
    ("none", "", b'{"name": "Fictif"}'),
    ("octet_stream", "application/octet-stream", b'{"name": "Fictif"}'),
    ("json_utf16_charset", "application/json; charset=utf-16", b'{"name": "Fictif"}'),
    ("json_patch", "application/json-patch+json", b'[{"op": "replace", "path": "/name", "value": "x"}]'),
    ("garbage_media_type", "\x00/\u202e", b'{"name": "Fictif"}'),
]

# If-Match values a client may send: none is the record's current ETag.
IF_MATCH_VALUES: dict[str, str] = {
    "star": "*",
    "empty_tag": '""',
    "weak_only": "W/",
    "separators": ",,, ,",
    "nul": '"\x00"',
    "rtl": '"\u202e1.x"',
    "huge_version": f'"{9**40}.x"',
    "minus_version": '"-1.x"',
    "version_past_int_digits": '"' + "9" * 5000 + '.x"',
    "superscript_digit_version": '"\u00b2.x"',
    "long": '"' + "x" * LONG + '"',
    "many_tags": ", ".join(f'"{n}.x"' for n in range(1000)),
}

# Authorization headers that name no valid token.
AUTHORIZATION_VALUES: dict[str, str] = {
    "bearer_alone": "Bearer",
    "bearer_nul": "Bearer \x00",
    "bearer_long": "Bearer " + "x" * LONG,
    "bearer_three_parts": "Bearer a b",
    "bearer_prefix_only": "Bearer ess_",
    "bearer_sql": "Bearer ' OR 1=1 --",
    "bearer_latin1": "Bearer ess_\u00b2\u00e9",
    "basic": "Basic eDp4",
}

# Accept headers of a list request: JSON, another offered format, or a 406.
ACCEPT_VALUES: dict[str, str] = {
    "xml": "application/xml",
    "html": "text/html",
    "bad_quality": "application/json; q=abc",
    "infinite_quality": "*/*; q=1e309",
    "garbage": "\x00;;;,,,",
    "long": "application/" + "x" * LONG,
    "many": ", ".join(f"type{n}/sub{n}" for n in range(1000)),
}
