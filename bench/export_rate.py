"""How fast the streamed actor exports run against `COPY … TO STDOUT` of the same columns (bench/README.md).

    DATABASE_URL=postgres://…/db_with_actors SECRET_KEY=x .venv/bin/python bench/export_rate.py

On a PostgreSQL database that already holds the actors (`manage.py generate_fake --actors 250000`),
it streams `/api/v1/actors/?format=csv`, `?format=geojson` and `/annuaire/export.csv` through
Django's request handling in this process (as a gunicorn worker would, without the network),
reading every byte, and checks that each body is whole (a CSV line per published actor plus the
header, ending with a complete row; a GeoJSON document with its closing brackets and one feature per
actor). The reference is
`COPY (the export's own query: the same columns and aggregated related ids) TO STDOUT (FORMAT csv)`
over psycopg, read to the end. For each it prints rows/s, the ratio to COPY (target ≥ 0.25) and the
growth of the process's resident memory while streaming (target < 100 MB). `--json FILE` writes them.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from psycopg import ClientCursor

    from directory.api.actors import ActorSerializer, actor_queryset
    from directory.exports import ActorRows
    from directory.models import Actor

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_CLASSES": [],
    }
    if connection.vendor != "postgresql":
        print("export_rate needs PostgreSQL (DATABASE_URL=postgres://…)", file=sys.stderr)
        return 2
    published = Actor.objects.published().count()

    # The reference: COPY of the fast path's own query.
    values = ActorRows(actor_queryset().published().order_by("name", "pk"), ActorSerializer())._values()
    sql, params = values.query.sql_with_params()
    connection.ensure_connection()
    literal = ClientCursor(connection.connection).mogrify(sql, params)
    started = time.perf_counter()
    copied = 0
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            copied += len(block)
    copy_seconds = time.perf_counter() - started
    copy_rate = published / copy_seconds
    results = [
        {
            "scenario": "COPY TO STDOUT",
            "rows": published,
            "seconds": round(copy_seconds, 2),
            "rows_per_s": round(copy_rate),
            "ratio": 1.0,
            "bytes": copied,
            "memory_growth_mb": 0,
            "whole": True,
        }
    ]

    client = Client()
    for label, path, check in [
        ("API CSV", "/api/v1/actors/?format=csv", "csv"),
        ("API GeoJSON", "/api/v1/actors/?format=geojson", "geojson"),
        ("/annuaire/export.csv", "/annuaire/export.csv", "csv"),
    ]:
        before = peak = rss_mb()
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        lines = features = size = 0
        head = tail = b""
        for number, chunk in enumerate(response.streaming_content):
            if not head:
                head = chunk[:100]
            tail = (tail + chunk)[-100:]
            size += len(chunk)
            lines += chunk.count(b"\n")
            features += chunk.count(b'"type":"Feature"')
            if number % 200 == 0:
                peak = max(peak, rss_mb())
        seconds = time.perf_counter() - started
        response.close()
        peak = max(peak, rss_mb())
        if check == "csv":
            # At least a line per actor and the header (a quoted cell may hold line breaks), ending a row.
            whole = lines >= published + 1 and tail.endswith(b"\r\n")
        else:
            whole = head.startswith(b'{"type": "FeatureCollection"') and tail.endswith(b"]}") and features == published
        results.append(
            {
                "scenario": label,
                "rows": published,
                "seconds": round(seconds, 2),
                "rows_per_s": round(published / seconds),
                "ratio": round(copy_seconds / seconds, 2),
                "bytes": size,
                "memory_growth_mb": round(peak - before, 1),
                "whole": whole,
                "lines": lines,
                "features": features,
            }
        )
    for row in results:
        print(
            f"{row['scenario']:<22} {row['rows']:>8} rows {row['seconds']:>7} s {row['rows_per_s']:>8} rows/s "
            f"ratio {row['ratio']:>5}  memory +{row['memory_growth_mb']} MB  whole: {row['whole']}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(row["whole"] for row in results) else 1


if __name__ == "__main__":
    sys.exit(main())
