"""The SQL each scenario's request issues, captured through Django in-process (run by bench/bench.py).

    python bench/capture.py REQUESTS.json OUTPUT.json

REQUESTS.json is `{scenario: path}`. Each path is requested once with Django's test client, on the
database of `DATABASE_URL`, within `CaptureQueriesContext`; on PostgreSQL `connection.queries` holds each
statement with its parameters inlined. OUTPUT.json gets `{scenario: [sql, …]}` and, beside it,
`{scenario: status}` under the key `"_status"`.

Left out, as only the framework needs them: transaction and savepoint control and session settings
(`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `BEGIN`, `COMMIT`, `SET …`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FRAMEWORK_ONLY = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ", "SHOW ")


def main(requests_file: str, output_file: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    captured: dict = {"_status": {}}
    for key, path in json.loads(Path(requests_file).read_text()).items():
        # The portal's steady state: one request first (what it keeps per data version, such as a list's
        # count, is then kept), then the one recorded; each with its own `_` so that neither is a kept
        # answer (the portal's side of the load gets a new `_` on every request too).
        separator = "&" if "?" in path else "?"
        warm = client.get(f"{path}{separator}_=capture-warm")
        if getattr(warm, "streaming", False):
            b"".join(warm.streaming_content)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{path}{separator}_=capture")
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        captured["_status"][key] = response.status_code
        captured[key] = [
            query["sql"]
            for query in queries.captured_queries
            if not query["sql"].lstrip().upper().startswith(FRAMEWORK_ONLY)
        ]
    Path(output_file).write_text(json.dumps(captured, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:3])
