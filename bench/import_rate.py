"""How fast `import_actors` imports a SIRENE stock, and how much memory it takes (bench/README.md).

    .venv/bin/python bench/import_rate.py --rows 10000                      # SQLite, in a temporary file
    .venv/bin/python bench/import_rate.py --rows 10000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ess_bench_imports  # PostgreSQL

It writes a synthetic StockEtablissement and StockUniteLegale of N rows (valid SIREN/SIRET check digits,
names marked « FICTIVE », addresses spread over the nine communes), makes a fresh database (a temporary
SQLite file, or drops and recreates the PostgreSQL database of --database-url, whose name must start with
« ess_bench »), migrates it, then runs `manage.py import_actors --format sirene` twice: the first run
creates the N actors, the second finds them unchanged. For each run it prints rows/s (the command's own
time, Django's start-up left out) and the process's peak resident memory (ru_maxrss); with --tracemalloc,
also the peak of Python's allocations during the import (slower: the rate is then not comparable).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The nine communes of Est Ensemble and their postal codes (shared/reference/est-ensemble.md).
COMMUNES = [
    ("93006", "93170", "BAGNOLET"),
    ("93008", "93000", "BOBIGNY"),
    ("93010", "93140", "BONDY"),
    ("93045", "93260", "LES LILAS"),
    ("93048", "93100", "MONTREUIL"),
    ("93053", "93130", "NOISY-LE-SEC"),
    ("93055", "93500", "PANTIN"),
    ("93061", "93310", "LE PRE-SAINT-GERVAIS"),
    ("93063", "93230", "ROMAINVILLE"),
]
STREET_TYPES = ["R", "AV", "BD", "PL", "IMP", "ALL", "CHE", "QUAI"]
CATEGORIES = ["9220", "9220", "9220", "9300", "5458", "8250", "5710"]
# The real stock's columns (StockEtablissement has more; the import reads these and ignores the rest).
ESTABLISHMENT_COLUMNS = [
    "siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
    "trancheEffectifsEtablissement", "activitePrincipaleRegistreMetiersEtablissement", "etablissementSiege",
    "complementAdresseEtablissement", "numeroVoieEtablissement", "indiceRepetitionEtablissement",
    "typeVoieEtablissement", "libelleVoieEtablissement", "codePostalEtablissement",
    "libelleCommuneEtablissement", "codeCommuneEtablissement", "enseigne1Etablissement",
    "denominationUsuelleEtablissement", "activitePrincipaleEtablissement", "etatAdministratifEtablissement",
]  # fmt: skip
LEGAL_UNIT_COLUMNS = [
    "siren", "statutDiffusionUniteLegale", "dateCreationUniteLegale", "denominationUniteLegale",
    "categorieJuridiqueUniteLegale", "activitePrincipaleUniteLegale", "economieSocialeSolidaireUniteLegale",
    "etatAdministratifUniteLegale",
]  # fmt: skip


def luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def generate(directory: Path, rows: int) -> tuple[Path, Path]:
    """Write the two files, row by row (nothing held in memory)."""
    stock, units = directory / "StockEtablissement.csv", directory / "StockUniteLegale.csv"
    with (
        stock.open("w", newline="", encoding="utf-8") as stock_file,
        units.open("w", newline="", encoding="utf-8") as units_file,
    ):
        establishments, legal_units = csv.writer(stock_file), csv.writer(units_file)
        establishments.writerow(ESTABLISHMENT_COLUMNS)
        legal_units.writerow(LEGAL_UNIT_COLUMNS)
        for n in range(rows):
            body = f"{90_000_000 + n:08d}"
            siren = body + luhn_digit(body)
            nic = "0001"
            siret = siren + nic + luhn_digit(siren + nic)
            insee, postal_code, commune = COMMUNES[n % len(COMMUNES)]
            establishments.writerow(
                [
                    siren,
                    siret[9:],
                    siret,
                    "O",
                    "2015-01-01",
                    "NN",
                    "",
                    "true",
                    "",
                    str(1 + n % 150),
                    "",
                    STREET_TYPES[n % len(STREET_TYPES)],
                    f"DE LA FICTION {n % 300}",
                    postal_code,
                    commune,
                    insee,
                    "",
                    "",
                    "88.99B",
                    "A",
                ]  # fmt: skip
            )
            legal_units.writerow(
                [
                    siren,
                    "O",
                    "2015-01-01",
                    f"ASSOCIATION FICTIVE BANC D'ESSAI {n:06d}",
                    CATEGORIES[n % len(CATEGORIES)],
                    "88.99B",
                    "O",
                    "A",
                ]  # fmt: skip
            )
    return stock, units


def fresh_database(url: str | None, directory: Path) -> str:
    if not url:
        return f"sqlite:///{directory / 'bench.sqlite3'}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres") or not name.startswith("ess_bench"):
        sys.exit("--database-url: a PostgreSQL database whose name starts with « ess_bench » (it is dropped).")
    import psycopg

    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url


def run_child(args: list[str], env: dict) -> tuple[dict, float]:
    """Run this script as a child; return what it printed (JSON) and its peak resident memory in MiB."""
    process = subprocess.Popen([PYTHON, __file__, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"the child failed ({process.returncode}): {output}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024  # KiB on Linux


def child(stock: str, units: str, traced: bool) -> None:
    """In the child: Django set up, then one import; prints its time (and Python's peak allocations)."""
    import io

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess_portal.settings")
    django.setup()
    import tracemalloc

    from django.core.management import call_command

    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    out = io.StringIO()
    call_command("import_actors", stock, "--format", "sirene", "--legal-units", units, stdout=out)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024) if traced else None
    print(json.dumps({"seconds": seconds, "traced_mib": peak, "summary": out.getvalue().strip().splitlines()[-1]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL: postgres://…/ess_bench_… (dropped first)")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python's allocations (slower)")
    parser.add_argument("--child", nargs=2, metavar=("STOCK", "UNITS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, traced=args.tracemalloc)
        return
    with tempfile.TemporaryDirectory(prefix="ess-bench-imports-") as temporary:
        directory = Path(temporary)
        started = time.perf_counter()
        stock, units = generate(directory, args.rows)
        print(f"{args.rows} rows generated in {time.perf_counter() - started:.1f} s "
              f"({stock.stat().st_size / 2**20:.1f} + {units.stat().st_size / 2**20:.1f} MiB)")  # fmt: skip
        env = {
            **os.environ,
            "DATABASE_URL": fresh_database(args.database_url, directory),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-not-secret"),
            "IMPORT_MAX_BYTES": str(max(stock.stat().st_size, units.stat().st_size) + 1),
        }
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
        flags = ["--tracemalloc"] if args.tracemalloc else []
        for label in ("first run (creates)", "second run (unchanged)"):
            result, peak_mib = run_child([*flags, "--child", str(stock), str(units)], env)
            rate = args.rows / result["seconds"]
            traced = f", Python allocations peak {result['traced_mib']:.1f} MiB" if result["traced_mib"] else ""
            print(f"{engine} {label}: {args.rows} rows in {result['seconds']:.1f} s = {rate:,.0f} rows/s, "
                  f"peak RSS {peak_mib:.0f} MiB{traced}")  # fmt: skip
            print(f"    {result['summary']}")
        print(f"baseline (Django loaded, nothing imported): peak RSS {baseline_rss(env):.0f} MiB")


def baseline_rss(env: dict) -> float:
    process = subprocess.Popen(
        [
            PYTHON,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ess_portal.settings'); "
            "django.setup(); from directory import imports",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
    )
    _pid, _status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024


if __name__ == "__main__":
    main()
