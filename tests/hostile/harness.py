"""Sending the corpus and judging the answers: counted requests, the API's error shape, untouched records."""

import re
from collections import Counter
from urllib.parse import unquote

from django.apps import apps
from django.db import connection, transaction

# Requests sent by the hostile suite in this run, and how many got a 5xx (printed by conftest.py).
STATS: Counter = Counter()

API_ERROR_KEYS = {"status", "code", "detail", "errors"}

# Django's and DRF's English defaults: seeing one means a message escaped the French translation.
ENGLISH = re.compile(
    r"This field|Ensure this|A valid|Not a valid|Expected a|does not exist|is required|Invalid|"
    r"parse error|Unsupported media|must be|Enter a valid|Select a valid|Not found|not allowed|"
    r"Authentication credentials|Incorrect type|Could not satisfy",
)


def wire_header(value: str) -> str:
    """A header value as a WSGI server hands it over (text decoded as latin-1).

    Latin-1 text stands for the bytes a client sent as they are; other text (U+202E…) is sent as
    its UTF-8 bytes, which the server reads as latin-1.
    """
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("latin-1")
    return value


def send(client, method: str, path: str, *, query: str = "", body: bytes = b"", content_type: str = "", **headers):
    """One request of the corpus, counted; a 5xx's database work is rolled back so the next ones run.

    The answer's streamed content (CSV, GeoJSON) is read to the end: a stream that breaks half
    way is a server error too, reported with status 500.
    """
    url = f"{path}?{query}" if query else path
    extra = {name: wire_header(value) for name, value in headers.items()}
    if body:
        extra["CONTENT_TYPE"] = wire_header(content_type)
    STATS["requests"] += 1
    with transaction.atomic():
        try:
            response = client.generic(method, url, body, **extra)
            if response.streaming:
                response.content_bytes = b"".join(response.streaming_content)
        except Exception as exc:  # a streamed body that breaks half way is what the corpus looks for
            response = _BrokenStream(exc)
        if response.status_code >= 500:
            STATS["5xx"] += 1
            transaction.set_rollback(True)
    return response


class _BrokenStream:
    """Stands for a response whose streamed body raised half way."""

    status_code = 500
    streaming = False

    def __init__(self, exc: Exception):
        self.exc = exc
        self.headers = {}

    def json(self):
        return {"stream_error": repr(self.exc)}


def query_shapes(parameters) -> dict[str, dict[str, str]]:
    """For each shape of the corpus (`corpus.query_strings` labels), the query piece of each parameter."""
    from tests.hostile.corpus import query_strings

    per_parameter = {parameter: query_strings(parameter) for parameter in parameters}
    labels = next(iter(per_parameter.values())).keys() if per_parameter else []
    return {label: {parameter: pieces[label] for parameter, pieces in per_parameter.items()} for label in labels}


def query_names(query: str) -> set[str]:
    """The parameter names of a raw query string, decoded as Django decodes them."""
    return {unquote(pair.partition("=")[0].replace("+", " "), errors="replace") for pair in query.split("&")}


def api_error_problem(response, *, parameters: set[str] | None = None) -> str | None:
    """What is wrong with an API error answer, or None when it is a clear one.

    A clear error is JSON `{"status", "code", "detail", "errors"}`, `status` repeating the HTTP
    code, a non-empty French `detail`, `errors` mapping names to lists of French messages; a 400
    about query parameters names one of them.
    """
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return f"not JSON: {response.headers.get('Content-Type')!r}"
    body = response.json()
    if set(body) != API_ERROR_KEYS:
        return f"keys {sorted(body)}"
    if body["status"] != response.status_code:
        return f"status {body['status']} in a {response.status_code}"
    if not isinstance(body["detail"], str) or not body["detail"].strip():
        return f"detail {body['detail']!r}"
    if not isinstance(body["code"], str) or not body["code"]:
        return f"code {body['code']!r}"
    errors = body["errors"]
    if not isinstance(errors, dict) or not all(
        isinstance(messages, list) and messages and all(isinstance(m, str) and m.strip() for m in messages)
        for messages in errors.values()
    ):
        return f"errors {errors!r:.200}"
    for text in [body["detail"], *(m for messages in errors.values() for m in messages)]:
        if ENGLISH.search(text):
            return f"English message {text!r:.200}"
    if body["code"] == "invalid" and not errors:
        return "invalid without per-field messages"
    if parameters is not None and body["code"] == "invalid" and not parameters & set(errors):
        return f"400 names none of {sorted(parameters)}: {sorted(errors)}"
    return None


def _tracked_tables() -> list[str]:
    # The records a write may touch, and every history table (a refused write must leave none).
    labels = [
        "directory.Actor",
        "directory.ApiToken",
        "directory.ChangeRequest",
        "projects.Initiative",
        "projects.StatusChange",
    ]
    models = [apps.get_model(label) for label in labels]
    models += [model for model in apps.get_models() if model.__name__.startswith("Historical")]
    return [model._meta.db_table for model in models]


def row_counts() -> dict[str, int]:
    """The number of rows of each tracked table, in one query."""
    tables = _tracked_tables()
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def record_state(obj) -> dict:
    """Every column of `obj`'s row and the ids of each of its many-to-many relations."""
    model = type(obj)
    state = model.objects.filter(pk=obj.pk).values().get()
    for field in model._meta.many_to_many:
        state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return state


def database_state(obj) -> tuple:
    return row_counts(), record_state(obj)


def changes(before: tuple, after: tuple) -> dict:
    """What differs between two `database_state`s (table counts and the record's fields)."""
    (counts_before, fields_before), (counts_after, fields_after) = before, after
    diff = {table: (counts_before[table], n) for table, n in counts_after.items() if counts_before[table] != n}
    diff.update(
        {field: (fields_before[field], value) for field, value in fields_after.items() if fields_before[field] != value}
    )
    return diff


def report(failures: list) -> str:
    """The failures of a corpus loop, one a line (pytest would cut a long list short)."""
    return f"{len(failures)} failures:\n" + "\n".join(repr(failure)[:500] for failure in failures)
