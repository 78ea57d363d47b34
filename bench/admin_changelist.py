"""Time the staff admin's big changelists in-process, with their queries.

Run against a database made by `generate_fake` (PostgreSQL at national scale, e.g.
`DATABASE_URL=postgres://…/fake_bench SECRET_KEY=x .venv/bin/python bench/admin_changelist.py`).
It signs a superuser in with the test client (the superuser is made inside a transaction that is
rolled back, so the database is left as it was) and prints, for each URL, the wall time of each
try and every query with its time, slowest first.

Options: `--tries N` (default 2: the first try warms the caches), `--queries N` (how many of the
slowest queries to print per URL, default 12), `--url PATH` (repeatable; default: the actor
changelist, its searches for `directory.fake.COMMON_TERM` and `SELECTIVE_TERM`, and the other big
changelists).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")


def main() -> None:
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from directory import fake

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=2)
    parser.add_argument("--queries", type=int, default=12)
    parser.add_argument("--url", action="append")
    options = parser.parse_args()
    urls = options.url or [
        "/admin/directory/actor/",
        f"/admin/directory/actor/?q={fake.COMMON_TERM}",
        f"/admin/directory/actor/?q={fake.SELECTIVE_TERM}",
        "/admin/directory/actor/?status__exact=published&q=" + fake.COMMON_TERM,
        "/admin/directory/actor/?o=11",
        "/admin/directory/actor/?p=500",
        "/admin/directory/changerequest/",
        "/admin/projects/initiative/",
        "/admin/projects/initiative/?q=" + fake.COMMON_TERM,
    ]
    setup_test_environment()  # the test client's host, and templates' context kept for nothing else
    with transaction.atomic():
        user = get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.org", "x")
        client = Client()
        client.force_login(user)
        for url in urls:
            for attempt in range(options.tries):
                with CaptureQueriesContext(connection) as context:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - started
                print(f"{url}  try {attempt + 1}: {response.status_code} in {elapsed:.3f} s, {len(context)} queries")
            slowest = sorted(context.captured_queries, key=lambda query: -float(query["time"]))
            for query in slowest[: options.queries]:
                print(f"    {float(query['time']):7.3f} s  {query['sql'][:300]}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
