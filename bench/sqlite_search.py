"""Time the SQLite search (the typo-tolerant fallback) on 20,000 fake actors.

Builds an SQLite database in a temporary directory (or reuses `--database PATH` if it exists) with
`migrate` and `generate_fake --actors 20000 --initiatives 2000 --seed 1` (DEBUG=1: the command
refuses to run otherwise), then runs each search in a fresh process several times and prints the
median and slowest wall time of the actor search, of the `/annuaire/?q=` page's query and of the
initiatives' and sites' search, with the number of results.

    .venv/bin/python bench/sqlite_search.py [--actors 20000] [--database /tmp/search.sqlite3] [--tries 5]

The target: every search under one second at 20,000 actors.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import statistics, sys, time
import django
django.setup()
from directory import fake
from directory.models import Actor
from projects.filters import InitiativeFilterSet, SiteFilterSet
from projects.models import Initiative, Site

tries = int(sys.argv[1])
queries = [fake.COMMON_TERM, fake.SELECTIVE_TERM, fake.SELECTIVE_TERM[:-2] + "ei", "epicerie solidaire", "recylerie"]
list(Actor.objects.search("chauffe"))  # vocabulary and connection warmed once
print(f"{Actor.objects.count()} actors")
for text in queries:
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        found = Actor.objects.published().search(text)
        count = found.count()
        page = list(found[:20])
        times.append(time.perf_counter() - started)
    print(f"actors {text!r:24} {count:6d} found  median {statistics.median(times):.3f} s  max {max(times):.3f} s")
for label, filterset, model in (("initiatives", InitiativeFilterSet, Initiative), ("sites", SiteFilterSet, Site)):
    for text in (fake.COMMON_TERM, "ressourcerie"):
        times = []
        for _ in range(tries):
            started = time.perf_counter()
            rows = filterset({"q": text}, queryset=model.objects.all()).qs
            count = rows.count()
            list(rows[:20])
            times.append(time.perf_counter() - started)
        print(f"{label} {text!r:20} {count:6d} found  median {statistics.median(times):.3f} s  max {max(times):.3f} s")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=20000)
    parser.add_argument("--database")
    parser.add_argument("--tries", type=int, default=5)
    options = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="sqlite-search-")
    database = Path(options.database or Path(directory) / "search.sqlite3")
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "ess_portal.settings",
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    if not database.exists():
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        initiatives = max(options.actors // 10, 1)
        subprocess.run(
            [python, "manage.py", "generate_fake", "--actors", str(options.actors)]
            + ["--initiatives", str(initiatives), "--seed", "1"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    subprocess.run([python, "-c", MEASURE, str(options.tries)], cwd=ROOT, env=env, check=True)
    print(f"database: {database}")


if __name__ == "__main__":
    main()
