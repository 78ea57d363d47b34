"""The benchmark's reference: a minimal WSGI app, no Django, issuing the portal's own SQL.

`BENCH_SQL_FILE` names a JSON file `{scenario: [sql, …]}` written at set-up by running each scenario's
request once through Django (`bench/capture.py`). `GET /q/<scenario>` executes exactly those statements
with psycopg 3 on a connection kept per thread, fetches every row as a dict and answers them serialised
by orjson: the cost of the same database work with the thinnest possible web layer.
`GET /copy/<scenario>` streams `COPY (<the scenario's single statement>) TO STDOUT WITH CSV HEADER`:
the reference of the exports. `GET /` answers `ok` (the harness waits for it).

Served by gunicorn with the portal's settings: `gunicorn bench.baseline:application`.
"""

from __future__ import annotations

import json
import os
import threading

import orjson
import psycopg
from psycopg.rows import dict_row

SQL = json.loads(open(os.environ["BENCH_SQL_FILE"], encoding="utf-8").read())  # noqa: SIM115
DATABASE_URL = os.environ["BASELINE_DATABASE_URL"]
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(DATABASE_URL, autocommit=True, row_factory=dict_row)
    return conn


def _answer(start_response, status: str, body: bytes, content_type: str = "application/json"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _query(key: str, start_response):
    results = []
    with _connection().cursor() as cursor:
        for statement in SQL[key]:
            cursor.execute(statement)
            results.append(cursor.fetchall() if cursor.description else [])
    return _answer(start_response, "200 OK", orjson.dumps({"results": results}, default=str))


def _copy(key: str, start_response):
    (statement,) = SQL[key]
    start_response("200 OK", [("Content-Type", "text/csv; charset=utf-8")])

    def stream():
        # A connection of its own: the answer is streamed after this function returns.
        with (
            psycopg.connect(DATABASE_URL, autocommit=True) as conn,
            conn.cursor() as cursor,
            cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
        ):
            for chunk in copy:
                yield bytes(chunk)

    return stream()


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    kind, _, key = path.strip("/").partition("/")
    if path == "/":
        return _answer(start_response, "200 OK", b"ok", "text/plain")
    if key in SQL and kind == "q":
        return _query(key, start_response)
    if key in SQL and kind == "copy":
        return _copy(key, start_response)
    return _answer(start_response, "404 Not Found", b"not found", "text/plain")
