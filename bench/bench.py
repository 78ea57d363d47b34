#!/usr/bin/env python3
"""`make bench`: the portal at national scale on PostgreSQL, against a raw-SQL baseline in the same run.

    .venv/bin/python bench/bench.py                       # BENCH_ACTORS actors (default 250,000)
    BENCH_SIZES=100000,250000 .venv/bin/python bench/bench.py
    BENCH_SMALL=1 .venv/bin/python bench/bench.py         # CI: 5,000 actors, one 2 s round

For each size it makes (or reuses) the database `ess_bench_<size>`, starts the portal under gunicorn in
production mode and, beside it, the baseline (`bench/baseline.py`: the portal's own SQL, captured through
Django, run with psycopg and serialised with orjson), drives both with wrk on loopback, interleaved, for
several rounds, and reports medians. Then it times `import_actors` against a raw COPY. Results go to the
terminal and to `bench/results.json` (`BENCH_OUTPUT`). See docs/performance.md and bench/README.md.

Exit status: 0 when every scenario met its target (small mode: when no scenario had errors), 1 otherwise,
2 when the harness itself failed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import dataset
import requests
from harness import (
    BENCH,
    GUNICORN_CONF,
    PYTHON,
    ROOT,
    SetupError,
    check_loopback,
    free_port,
    gunicorn_settings,
    log,
    manage,
    pg_drop,
    pg_exists,
    pg_recreate,
    pg_url_for,
    production_env,
    rss_kib,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
    worker_pids,
)

WRK_SCRIPT = BENCH / "wrk_report.lua"
ADMIN_USER = "bench-admin"
MARKER_PREFIX = "ess-bench"
# Concurrency of the paired measurements: as many connections as the default server has threads.
PAIR_CONNECTIONS = 8
MIX_CONNECTIONS = 16
ADMIN_CONNECTIONS = 2
# An export slower than this is downloaded once, not once per round; one slower than the limit is cut.
EXPORT_SLOW_S = 60
EXPORT_LIMIT_S = float(os.environ.get("BENCH_EXPORT_LIMIT") or 900)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw.strip() else default
    except ValueError:
        raise SetupError(f"{name} must be an integer, not {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError:
        raise SetupError(f"{name} must be a number, not {raw!r}") from None


@dataclass
class Config:
    sizes: list[int]
    rounds: int
    duration: float
    small: bool
    output: Path
    rebuild: bool
    keep: bool
    skip: set[str]
    admin_url: str
    touched: list[str] = field(default_factory=list)  # databases dropped at exit unless --keep


def parse_config(argv=None) -> Config:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rebuild", action="store_true", help="rebuild the database even if it holds the data")
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the databases (a later run reuses them) and the temporary directory (logs, SQL, CSV)",
    )
    p.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres", help="maintenance database")
    p.add_argument(
        "--skip", default=os.environ.get("BENCH_SKIP", ""), help="scenario groups to skip, e.g. import,export"
    )
    args = p.parse_args(argv)
    small = os.environ.get("BENCH_SMALL", "") not in ("", "0")
    actors = env_int("BENCH_ACTORS", 5000 if small else 250_000)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "").replace(" ", "").split(",") if s] or [actors]
    if actors not in sizes:
        sizes.append(actors)
    small = small or max(sizes) <= 20_000
    output = os.environ.get("BENCH_OUTPUT") or str(BENCH / ("small-results.json" if small else "results.json"))
    check_loopback(args.pg_admin_url)
    return Config(
        sizes=sorted(set(sizes)),
        rounds=max(1, env_int("BENCH_ROUNDS", 1 if small else 3)),
        duration=max(1.0, env_float("BENCH_DURATION", 2 if small else 10)),
        small=small,
        output=Path(output),
        rebuild=args.rebuild,
        keep=args.keep,
        skip={s.strip() for s in args.skip.split(",") if s.strip()},
        admin_url=args.pg_admin_url,
    )


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def has_generator() -> bool:
    return any(ROOT.glob("*/management/commands/generate_fake.py"))


def search_terms(env: dict) -> tuple[str, str, str]:
    """(selective, common, where from): generate_fake's terms when it exists, the fallback's otherwise."""
    if has_generator():
        out = manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "import json; from directory import fake; print(json.dumps([fake.SELECTIVE_TERM, fake.COMMON_TERM]))",
        )
        selective, common = json.loads(out.strip().splitlines()[-1])
        return selective, common, "directory.fake"
    return dataset.FALLBACK_SELECTIVE_TERM, dataset.FALLBACK_COMMON_TERM, "bench/dataset.py"


def marker_for(size: int) -> str:
    source = "generate_fake" if has_generator() else "dataset"
    return f"{MARKER_PREFIX} source={source} actors={size} seed=1"


def db_marker(admin_url: str, dbname: str) -> str | None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [dbname]
        ).fetchone()
    return row[0] if row else None


def prepare_database(cfg: Config, size: int, env: dict, tmp: Path) -> str:
    """Make `ess_bench_<size>` hold `size` actors, reusing it when its marker matches; returns its marker."""
    dbname = f"ess_bench_{size}"
    marker = marker_for(size)
    if not cfg.rebuild and pg_exists(cfg.admin_url, dbname) and db_marker(cfg.admin_url, dbname) == marker:
        log(f"reusing database {dbname} ({marker})")
        manage(env, "migrate", "--noinput")
        return marker
    log(f"building database {dbname}")
    pg_recreate(cfg.admin_url, dbname)
    manage(env, "migrate", "--noinput")
    started = time.monotonic()
    if has_generator():
        initiatives = max(1, size * 20_000 // 250_000)
        log(f"generate_fake --actors {size} --initiatives {initiatives} --seed 1 --force")
        manage(
            env,
            "generate_fake",
            "--actors",
            str(size),
            "--initiatives",
            str(initiatives),
            "--seed",
            "1",
            "--force",
            timeout=4 * 3600,
        )
    else:
        log(f"no generate_fake: {size} actors written by bench/dataset.py and imported with import_actors")
        fill_with_fallback(env, size, tmp)
    log(f"data ready in {time.monotonic() - started:.0f} s; VACUUM ANALYZE")
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with psycopg.connect(cfg.admin_url, autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE {dbname} IS '{marker}'")
    return marker


def fill_with_fallback(env: dict, size: int, tmp: Path) -> None:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        sectors = [r[0] for r in conn.execute("SELECT slug FROM directory_sector WHERE parent_id IS NOT NULL")]
    path = tmp / "fill.csv"
    dataset.write_export_csv(path, size, sectors, seed=1)
    manage({**env, "IMPORT_MAX_BYTES": str(path.stat().st_size + 1)}, "import_actors", str(path), timeout=4 * 3600)
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        # Imported rows wait for moderation; the benchmark's are published at once.
        conn.execute("UPDATE directory_actor SET status = 'published', published_at = now() WHERE status = 'pending'")
    path.unlink()


ADMIN_SCRIPT = """
from django.contrib.auth import get_user_model
User = get_user_model()
user = User.objects.filter(username={user!r}).first() or User(username={user!r}, email="bench@example.org")
user.is_staff = user.is_superuser = user.is_active = True
user.set_password({password!r})
user.save()
"""


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    rate: float
    p50_ms: float
    p95_ms: float
    errors: int
    requests: int


def wrk(url: str, *, connections: int, duration: float, headers=(), vary=False, paths=(), timeout_s: int = 60) -> Run:
    env = {**os.environ, "BENCH_VARY": "1" if vary else "0", "BENCH_PATHS": "|".join(paths)}
    env["BENCH_VARY_PREFIX"] = secrets.token_hex(4)
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", f"--timeout={timeout_s}s"]
    for header in headers:
        cmd += ["-H", header]
    cmd += ["-s", str(WRK_SCRIPT), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration + timeout_s + 30)
    line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith("{")), None)
    if proc.returncode or line is None:
        raise SetupError(f"wrk failed ({proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-500:]}")
    data = json.loads(line)
    answered = data["requests"] > 0
    return Run(
        rate=data["rate"],
        p50_ms=data["p50_ms"] if answered else math.inf,
        p95_ms=data["p95_ms"] if answered else math.inf,
        errors=data["non_2xx_3xx"] + data["socket_errors"],
        requests=data["requests"],
    )


def sequential(url: str, *, connections: int = 1, duration: float, headers=(), vary=False, paths=()) -> Run:
    """One client, one request after the other, for `duration` seconds and at least one request."""
    session = requests.Session()
    header_map = dict(h.split(": ", 1) for h in headers)
    latencies, errors = [], 0
    prefix = secrets.token_hex(4)
    started = time.monotonic()
    while not latencies or time.monotonic() - started < duration:
        target = url + (("&" if "?" in url else "?") + f"_={prefix}-{len(latencies)}" if vary else "")
        t0 = time.monotonic()
        try:
            response = session.get(target, headers=header_map, timeout=600)
            errors += response.status_code >= 400
        except requests.RequestException:
            errors += 1
        latencies.append((time.monotonic() - t0) * 1000)
    elapsed = time.monotonic() - started
    latencies.sort()
    return Run(
        rate=len(latencies) / elapsed,
        p50_ms=statistics.median(latencies),
        p95_ms=latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)],
        errors=errors,
        requests=len(latencies),
    )


def median(values):
    return statistics.median(values) if values else 0.0


def summary(runs: list[Run]) -> dict:
    return {
        "rate": round(median([r.rate for r in runs]), 2),
        "p50_ms": round(median([r.p50_ms for r in runs]), 1),
        "p95_ms": round(median([r.p95_ms for r in runs]), 1),
        "errors": sum(r.errors for r in runs),
        "requests": sum(r.requests for r in runs),
    }


@dataclass
class Target:
    ratio: float | None = None  # app / reference at least
    max_p95_ms: float | None = None
    max_p50_ms: float | None = None


@dataclass
class Result:
    name: str
    target: Target
    app: dict
    reference: dict | None = None
    reference_name: str = ""
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.app.get("errors", 0) + (self.reference or {}).get("errors", 0)

    @property
    def passed(self) -> bool:
        if self.errors or self.extra.get("invalid"):
            return False
        t = self.target
        if t.ratio is not None and (self.ratio is None or self.ratio < t.ratio):
            return False
        if t.max_p95_ms is not None and not self.app.get("p95_ms", math.inf) < t.max_p95_ms:
            return False
        return not (t.max_p50_ms is not None and not self.app.get("p50_ms", math.inf) < t.max_p50_ms)

    def target_text(self) -> str:
        t = self.target
        if t.ratio is not None:
            return f">= {t.ratio:g}x"
        if t.max_p95_ms is not None:
            return f"p95 < {t.max_p95_ms:g} ms"
        if t.max_p50_ms is not None:
            return f"median < {t.max_p50_ms:g} ms"
        return ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "app_rate": self.app.get("rate"),
            "reference": self.reference_name,
            "reference_rate": (self.reference or {}).get("rate"),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "target": self.target_text(),
            "passed": self.passed,
            "app_p50_ms": _finite(self.app.get("p50_ms")),
            "app_p95_ms": _finite(self.app.get("p95_ms")),
            "reference_p50_ms": _finite((self.reference or {}).get("p50_ms")),
            "reference_p95_ms": _finite((self.reference or {}).get("p95_ms")),
            "errors": self.errors,
            "notes": self.notes,
            **self.extra,
        }


def _finite(value):
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


class Bench:
    def __init__(self, cfg: Config, app_base: str, ref_base: str):
        self.cfg = cfg
        self.app = app_base
        self.ref = ref_base
        self.results: list[Result] = []

    def pair(
        self,
        name: str,
        target: Target,
        a: tuple,
        b: tuple,
        *,
        reference_name: str,
        connections: int = PAIR_CONNECTIONS,
        notes=(),
    ) -> Result:
        """Measure a then b, interleaved for the configured rounds; ratio = rate(a) / rate(b).

        `a` and `b` are (base, path, options for wrk).
        """
        runs_a, runs_b = [], []
        measure = wrk
        for _ in range(self.cfg.rounds):
            for (base, path, opts), runs in ((a, runs_a), (b, runs_b)):
                run = measure(base + path, connections=connections, duration=self.cfg.duration, **opts)
                if run.requests < connections and measure is wrk:
                    # Answers slower than the round: wrk counts none of those still in flight. The pair is
                    # then measured one request at a time, both sides alike, so that the ratio still holds.
                    measure = sequential
                    runs_a.clear()
                    runs_b.clear()
                    if runs is runs_b:
                        runs_a.append(sequential(a[0] + a[1], duration=self.cfg.duration, **a[2]))
                    run = sequential(base + path, duration=self.cfg.duration, **opts)
                runs.append(run)
        sa, sb = summary(runs_a), summary(runs_b)
        ratio = sa["rate"] / sb["rate"] if sb["rate"] else None
        if measure is sequential:
            notes = [*notes, "slower than a round under load: measured one request at a time (1 client)"]
        result = Result(name, target, sa, sb, reference_name, ratio, list(notes))
        self.add(result)
        return result

    def single(self, name: str, target: Target, path: str, *, connections: int, notes=(), **opts) -> Result:
        runs = [
            wrk(self.app + path, connections=connections, duration=self.cfg.duration, **opts)
            for _ in range(self.cfg.rounds)
        ]
        notes = list(notes)
        if sum(r.requests for r in runs) < connections:
            notes.append(f"fewer answers than clients within {self.cfg.duration:g} s: latencies are of those only")
        result = Result(name, target, summary(runs), notes=notes)
        self.add(result)
        return result

    def add(self, result: Result) -> None:
        self.results.append(result)
        d = result.as_dict()
        log(
            f"  {d['name']}: app {d['app_rate']}/s"
            + (f", reference {d['reference_rate']}/s, ratio {d['ratio']}" if d["reference_rate"] is not None else "")
            + f", p50 {d['app_p50_ms']} ms, p95 {d['app_p95_ms']} ms, errors {d['errors']}"
            + f" -> {'pass' if result.passed else 'FAIL'}"
        )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def probe(base: str, path: str, **kwargs) -> requests.Response:
    response = requests.get(base + path, timeout=300, **kwargs)
    if response.status_code >= 400:
        raise SetupError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return response


# --------------------------------------------------------------------------------------------
# Exports and imports
# --------------------------------------------------------------------------------------------


EXPORT_SQL = """
SELECT a.id, a.slug, a.name, a.siret, a.siren, a.rna, a.legal_form, a.ess_status, a.typology,
  (SELECT string_agg(s.slug, '|' ORDER BY s.slug) FROM directory_actor_sectors x
     JOIN directory_sector s ON s.id = x.sector_id WHERE x.actor_id = a.id) AS sectors,
  (SELECT string_agg(r.slug, '|' ORDER BY r.slug) FROM directory_actor_roles x
     JOIN directory_role r ON r.id = x.role_id WHERE x.actor_id = a.id) AS roles,
  (SELECT string_agg(l.slug, '|' ORDER BY l.slug) FROM directory_actor_labels x
     JOIN directory_label l ON l.id = x.label_id WHERE x.actor_id = a.id) AS labels,
  c.insee_code, c.name AS commune_name, n.slug AS neighbourhood, a.postal_code, a.address, a.latitude,
  a.longitude, a.serves_whole_territory,
  (SELECT string_agg(cc.insee_code, '|' ORDER BY cc.insee_code) FROM directory_actor_communes_served x
     JOIN directory_commune cc ON cc.id = x.commune_id WHERE x.actor_id = a.id) AS communes_served,
  a.website, a.email, a.phone, a.short_description, a.description, a.offer, a.employees, a.fte,
  a.volunteers, a.founded_year, a.opening_hours, a.status, a.source, a.is_fictional, a.last_verified_at,
  a.created_at, a.updated_at, '/annuaire/' || a.slug || '/' AS url
FROM directory_actor a
LEFT JOIN directory_commune c ON c.id = a.commune_id
LEFT JOIN directory_neighbourhood n ON n.id = a.neighbourhood_id
WHERE a.status = 'published'
ORDER BY a.name, a.id
"""


def download(url: str, gunicorn=None, path: Path | None = None) -> dict:
    """GET a whole streamed answer; its time, size, status, and the growth of the workers' memory."""
    samples: dict[int, list[int]] = {}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid in worker_pids(gunicorn):
                rss = rss_kib(pid)
                if rss is not None:
                    samples.setdefault(pid, []).append(rss)
            stop.wait(0.1)

    sampler = None
    if gunicorn is not None:
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(0.25)
    started = time.monotonic()
    size = 0
    broken = None
    status = None
    sink = path.open("wb") if path else None
    try:
        with requests.get(url, stream=True, timeout=600) as response:
            status = response.status_code
            for chunk in response.iter_content(chunk_size=1 << 16):
                size += len(chunk)
                if sink:
                    sink.write(chunk)
                if time.monotonic() - started > EXPORT_LIMIT_S:
                    broken = f"cut by the bench after {EXPORT_LIMIT_S:g} s (BENCH_EXPORT_LIMIT)"
                    break
    except requests.RequestException as exc:
        broken = type(exc).__name__
    finally:
        if sink:
            sink.close()
    seconds = time.monotonic() - started
    stop.set()
    if sampler:
        sampler.join()
    growth = max((max(v) - v[0] for v in samples.values() if v), default=None)
    return {
        "seconds": seconds,
        "bytes": size,
        "status": status,
        "broken": broken,
        "rss_growth_mib": None if growth is None else round(growth / 1024, 1),
    }


def check_csv(path: Path, expected: int) -> str | None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    return None if rows == expected else f"{rows} CSV rows for {expected} published actors"


def check_geojson(path: Path, expected: int) -> str | None:
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return "no features array"
    return None if len(features) == expected else f"{len(features)} features for {expected} published actors"


IMPORT_CHILD = """
import io, json, sys, time
import django
django.setup()
from django.core.management import call_command
out = io.StringIO()
started = time.perf_counter()
call_command("import_actors", sys.argv[1], "--format", "export", "--skip-invalid", stdout=out)
print(json.dumps({"seconds": time.perf_counter() - started, "summary": out.getvalue().strip().splitlines()[-1]}))
"""


def run_import(env: dict, csv_path: Path) -> dict:
    """import_actors in a child process: its own time (Django's start-up left out) and peak memory."""
    err_path = csv_path.with_name("import.err")
    with err_path.open("w") as err_file:
        proc = subprocess.Popen(
            [PYTHON, "-c", IMPORT_CHILD, str(csv_path)],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "ess_portal.settings", "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
        )
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)  # reaped here, for its rusage
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SetupError(f"import_actors failed: {err_path.read_text()[-1500:]}")
    data = json.loads(out.strip().splitlines()[-1])
    data["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    return data


def import_scenario(cfg: Config, size: int, prod_env: dict, csv_path: Path, published: int, bench: Bench) -> None:
    """import_actors of the whole export into a copy of the database emptied of actors, vs a raw COPY."""
    import psycopg

    source = f"ess_bench_{size}"
    target = f"ess_bench_{size}_import"
    log(f"import: copying {source} to {target}, emptying its actors")
    pg_recreate(cfg.admin_url, target, template=source)
    target_url = pg_url_for(cfg.admin_url, target)
    try:
        with psycopg.connect(target_url, autocommit=True) as conn:
            conn.execute("TRUNCATE directory_actor CASCADE")
            conn.execute("VACUUM ANALYZE")
        # New records: the export's identifiers name actors of the source database, not of this one.
        rows_path = csv_path.with_name("import.csv")
        with (
            csv_path.open(encoding="utf-8-sig", newline="") as src,
            rows_path.open("w", encoding="utf-8-sig", newline="") as dst,
        ):
            reader = csv.reader(src, delimiter=";")
            writer = csv.writer(dst, delimiter=";")
            header = next(reader)
            slug_at = header.index("identifiant")
            writer.writerow(header)
            for row in reader:
                row[slug_at] = ""
                writer.writerow(row)
        env = {**prod_env, "DATABASE_URL": target_url, "IMPORT_MAX_BYTES": str(rows_path.stat().st_size + 1)}
        log(f"import: import_actors of {published} rows")
        imported = run_import(env, rows_path)
        app_rate = published / imported["seconds"]
        # The reference: the same rows COPYed into an empty table of directory_actor's structure and indexes.
        with psycopg.connect(prod_env["DATABASE_URL"]) as conn, conn.cursor() as cur:
            buffer = io.BytesIO()
            with cur.copy("COPY (SELECT * FROM directory_actor WHERE status = 'published') TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
        with psycopg.connect(target_url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE bench_copy (LIKE directory_actor INCLUDING ALL)")
            started = time.monotonic()
            with cur.copy("COPY bench_copy FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            copy_seconds = time.monotonic() - started
        ref_rate = published / copy_seconds
        result = Result(
            "6. import_actors (export layout) vs COPY",
            Target(ratio=0.4),
            {"rate": round(app_rate, 1), "errors": 0},
            {"rate": round(ref_rate, 1), "errors": 0},
            "COPY into CREATE TABLE (LIKE directory_actor INCLUDING ALL)",
            app_rate / ref_rate,
            notes=[
                imported["summary"],
                "rates in rows/s; one run each (not interleaved rounds); COPY carries the actor table only "
                "(no sectors, no history, no search trigger: LIKE copies no trigger)",
            ],
            extra={"peak_rss_mib": imported["peak_rss_mib"]},
        )
        bench.add(result)
    finally:
        if not cfg.keep:
            pg_drop(cfg.admin_url, target)


# --------------------------------------------------------------------------------------------
# One size
# --------------------------------------------------------------------------------------------


def admin_cookie(base: str, password: str) -> str:
    session = requests.Session()
    login = base + "/admin/login/"
    session.get(login, timeout=60).raise_for_status()
    response = session.post(
        login,
        data={
            "username": ADMIN_USER,
            "password": password,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=60,
        allow_redirects=False,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise SetupError(f"admin login failed ({response.status_code})")
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


# PostgreSQL settings for an interactive workload on SSD storage (docs/performance.md, « Sizing »): no JIT
# compilation (it costs more than it saves on queries of a few milliseconds) and random reads priced
# as on SSD, so that the full-text and trigram indexes are chosen for a search over a third of the rows.
DATABASE_SETTINGS = {"jit": "off", "random_page_cost": "1.1"}


def postgresql_settings(admin_url: str) -> dict:
    """The server settings that bear on the figures (docs/performance.md, « Sizing »)."""
    import psycopg

    names = ["server_version", "shared_buffers", "effective_cache_size", "work_mem", "max_parallel_workers_per_gather"]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def run_size(cfg: Config, size: int, tmp: Path) -> dict:
    dbname = f"ess_bench_{size}"
    db_url = pg_url_for(cfg.admin_url, dbname)
    env = production_env(db_url, secrets.token_urlsafe(50), tmp)
    # Throttles lifted (and their history kept to one second, as small as production's 120 a minute);
    # the bench superuser logs in with a password only (no TOTP device to enrol).
    env.update(API_THROTTLE_ANON="1000000/second", API_THROTTLE_TOKEN="1000000/second")
    env["OTP_REQUIRED_FOR_SUPERUSERS"] = "0"
    # The shared cache of docs/performance.md (throttle counts, sessions, kept answers): Redis when one
    # answers on the machine, as a deployment at this scale has; the database cache otherwise.
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if redis_url and redis_answers(redis_url):
        env["REDIS_URL"] = redis_url
    cfg.touched.append(dbname)
    marker = prepare_database(cfg, size, env, tmp)
    # The database settings docs/performance.md gives for this workload (per database, idempotent).
    import psycopg

    with psycopg.connect(cfg.admin_url, autocommit=True) as conn:
        for setting, value in DATABASE_SETTINGS.items():
            conn.execute(f"ALTER DATABASE {dbname} SET {setting} = {value}")
    selective, common, terms_from = search_terms(env)
    password = secrets.token_urlsafe(16)
    manage(env, "shell", "--no-imports", "-c", ADMIN_SCRIPT.format(user=ADMIN_USER, password=password))
    log("collectstatic")
    manage(env, "collectstatic", "--noinput")

    app_proc = ref_proc = None
    results_meta: dict = {}
    try:
        port = free_port()
        app = f"http://127.0.0.1:{port}"
        log(f"portal: gunicorn {' '.join(gunicorn_settings())} on {app}")
        app_proc = start_gunicorn(env, port, tmp / f"gunicorn-{size}.log")
        wait_until_up(app, app_proc, timeout=300)

        # ---- what the scenarios request
        first = probe(app, "/api/v1/actors/?page_size=100").json()
        published = first["count"]
        last = max(1, math.ceil(published / 100))
        deep_number = f"/api/v1/actors/?page_size=100&page={max(1, last - 1)}"
        deep_answer = probe(app, deep_number).json()
        deep_cursor = None
        for link in (first.get("next"), deep_answer.get("next"), deep_answer.get("previous")):
            if link and "cursor=" in link:
                deep_cursor = path_of(deep_answer.get("next") or deep_answer.get("previous") or link)
                break
        slug = first["results"][len(first["results"]) // 2]["slug"]
        paths = {
            "list": "/api/v1/actors/?page_size=100",
            "detail": f"/api/v1/actors/{slug}/",
            "api_default": "/api/v1/actors/",
            "search_selective": f"/api/v1/actors/?page_size=100&q={selective}",
            "search_common": f"/api/v1/actors/?page_size=100&q={common}",
        }
        for path in paths.values():
            probe(app, path)

        # ---- the baseline: the same SQL, captured through Django
        sql_file = tmp / f"sql-{size}.json"
        (tmp / "requests.json").write_text(json.dumps(paths))
        proc = subprocess.run(
            [PYTHON, str(BENCH / "capture.py"), str(tmp / "requests.json"), str(sql_file)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if proc.returncode:
            raise SetupError(f"capturing the SQL failed: {proc.stderr[-1500:]}")
        captured = json.loads(sql_file.read_text())
        statuses = captured.pop("_status")
        # The throttle's bookkeeping in the database cache is left out: replaying its INSERT would fail.
        for key in captured:
            captured[key] = [q for q in captured[key] if "ess_portal_cache" not in q]
        captured["export"] = [EXPORT_SQL.strip()]
        sql_file.write_text(json.dumps(captured, indent=1, ensure_ascii=False))
        results_meta["captured_sql"] = {k: len(v) for k, v in captured.items()}
        results_meta["captured_status"] = statuses
        ref_port = free_port()
        ref = f"http://127.0.0.1:{ref_port}"
        ref_env = {**env, "BENCH_SQL_FILE": str(sql_file), "BASELINE_DATABASE_URL": db_url}
        log(f"baseline: gunicorn bench.baseline:application on {ref}")
        ref_proc = start_gunicorn(ref_env, ref_port, tmp / f"baseline-{size}.log", app="bench.baseline:application")
        wait_until_up(ref, ref_proc, timeout=60)
        probe(ref, "/q/list")

        bench = Bench(cfg, app, ref)
        none = {}
        log(f"{published} published actors; {cfg.rounds} round(s) of {cfg.duration:g} s per measurement")

        # Scenarios 1 to 4 measure answers made for each request: the portal keeps anonymous answers per
        # data version (ess_portal.response_cache), so its side gets a new `_` parameter on every request
        # (the list's count, kept per version for the same query, is still read from memory). Kept
        # answers are measured by 5a, 5b and 8b.
        fresh = {"vary": True}
        # 1. API list vs the baseline
        bench.pair(
            "1. API actor list, 100 per page",
            Target(ratio=0.5),
            (app, paths["list"], fresh),
            (ref, "/q/list", none),
            reference_name="baseline (same SQL, psycopg + orjson)",
        )
        # 2. deep pages vs page 1
        bench.pair(
            f"2a. deep page by number (page {max(1, last - 1)})",
            Target(ratio=0.8),
            (app, deep_number, fresh),
            (app, paths["list"], fresh),
            reference_name="API page 1",
        )
        if deep_cursor:
            bench.pair(
                "2b. deep page by cursor (its next link)",
                Target(ratio=0.8),
                (app, deep_cursor, fresh),
                (app, paths["list"], fresh),
                reference_name="API page 1",
            )
        else:
            bench.add(
                Result(
                    "2b. deep page by cursor",
                    Target(),
                    {"rate": None, "errors": 0},
                    notes=["the API's next links carry no cursor: not measured"],
                )
            )
        # 3. search
        for label, term, target in (("selective", selective, 0.8), ("common", common, 0.3)):
            bench.pair(
                f"3. API search, {label} term « {term} »",
                Target(ratio=target),
                (app, f"/api/v1/actors/?page_size=100&q={term}", fresh),
                (app, paths["list"], fresh),
                reference_name="API list",
            )
            bench.pair(
                f"3. /annuaire/ search, {label} term « {term} »",
                Target(ratio=target),
                (app, f"/annuaire/?q={term}", fresh),
                (app, "/annuaire/", fresh),
                reference_name="/annuaire/",
            )
        # 4. HTML vs JSON
        bench.pair(
            "4. /annuaire/ (facet counts) vs its JSON list",
            Target(ratio=0.5),
            (app, "/annuaire/", fresh),
            (app, paths["api_default"], fresh),
            reference_name="/api/v1/actors/",
        )
        bench.pair(
            "4. actor page vs its JSON",
            Target(ratio=0.5),
            (app, f"/annuaire/{slug}/", fresh),
            (app, paths["detail"], fresh),
            reference_name=f"/api/v1/actors/{slug}/",
        )
        # 5. conditional and cached answers vs uncached ones (a new `_` parameter on every request)
        etag = probe(app, paths["list"]).headers.get("ETag")
        if etag:
            answer = requests.get(app + paths["list"], headers={"If-None-Match": etag}, timeout=300)
            result = bench.pair(
                "5a. conditional GET (If-None-Match) vs uncached full answer",
                Target(ratio=20),
                (app, paths["list"], {"headers": [f"If-None-Match: {etag}"]}),
                (app, paths["list"], {"vary": True}),
                reference_name="same list, &_=<n> on every request",
            )
            result.extra["conditional_status"] = answer.status_code
            if answer.status_code != 304:
                result.notes.append(f"the If-None-Match request answered {answer.status_code}, not 304")
        else:
            bench.add(Result("5a. conditional GET", Target(ratio=20), {"rate": None}, notes=["no ETag"]))
        bench.pair(
            "5b. repeated identical GET of /annuaire/ vs uncached",
            Target(ratio=10),
            (app, "/annuaire/", none),
            (app, "/annuaire/", {"vary": True}),
            reference_name="/annuaire/?_=<n> on every request",
        )
        # 7. exports
        if "export" not in cfg.skip:
            export_scenarios(cfg, bench, app, ref, app_proc, published, tmp)
        # 8. mixed load
        mix = [
            "/",
            "/annuaire/",
            f"/annuaire/?q={selective}",
            f"/annuaire/?q={common}",
            f"/annuaire/{slug}/",
            paths["list"],
            paths["api_default"],
            paths["detail"],
            paths["search_selective"],
            paths["search_common"],
            deep_number,
            "/projets/",
        ]
        bench.single(
            f"8. {MIX_CONNECTIONS} clients, mixed pages, API and search, each answer made anew",
            Target(max_p95_ms=1000),
            "/",
            connections=MIX_CONNECTIONS,
            paths=mix,
            vary=True,
        )
        bench.single(
            f"8b. {MIX_CONNECTIONS} clients, the same mix, kept answers served",
            Target(max_p95_ms=1000),
            "/",
            connections=MIX_CONNECTIONS,
            paths=mix,
        )
        # 9. admin
        cookie = admin_cookie(app, password)
        for label, path in (
            ("changelist", "/admin/directory/actor/"),
            (f"search « {common} »", f"/admin/directory/actor/?q={common}"),
        ):
            probe(app, path, headers={"Cookie": cookie})
            bench.single(
                f"9. admin actor {label}",
                Target(max_p50_ms=1000),
                path,
                connections=ADMIN_CONNECTIONS,
                headers=[f"Cookie: {cookie}"],
            )
        # 6. import (last: it copies the database, which needs it idle)
        csv_export = tmp / "export.csv"
        import_skipped = "import" in cfg.skip
        if not import_skipped:
            got = download(app + "/annuaire/export.csv", path=csv_export)
            if got["status"] != 200 or got["broken"]:
                import_skipped = True
                bench.add(
                    Result(
                        "6. import_actors (export layout) vs COPY",
                        Target(ratio=0.4),
                        {"rate": None, "errors": 1},
                        notes=[f"/annuaire/export.csv, the file to import, failed: {got}"],
                    )
                )
        stop_gunicorn(app_proc)
        stop_gunicorn(ref_proc)
        app_proc = ref_proc = None
        if not import_skipped:
            import_scenario(cfg, size, env, csv_export, published, bench)
        return {
            "actors": size,
            "published": published,
            "database": dbname,
            "data": marker,
            "search_terms": {"selective": selective, "common": common, "from": terms_from},
            **results_meta,
            "scenarios": [r.as_dict() for r in bench.results],
            "passed": all(r.passed for r in bench.results if r.target_text()),
            "errors": sum(r.errors for r in bench.results),
            "server_log_tail": log_tail(tmp / f"gunicorn-{size}.log"),
        }
    finally:
        stop_gunicorn(app_proc)
        stop_gunicorn(ref_proc)


def export_scenarios(cfg: Config, bench: Bench, app: str, ref: str, app_proc, published: int, tmp: Path) -> None:
    for fmt, check in (("csv", check_csv), ("geojson", check_geojson)):
        app_runs, ref_runs, problems, growths = [], [], [], []
        for round_number in range(cfg.rounds):
            if round_number and app_runs[0]["seconds"] > EXPORT_SLOW_S:
                break  # one slow round says enough
            body = tmp / f"export.{fmt}"
            got = download(f"{app}/api/v1/actors/?format={fmt}", app_proc, body)
            problem = None
            if got["status"] != 200 or got["broken"]:
                problem = f"status {got['status']}, broken: {got['broken']}"
            else:
                problem = check(body, published)
            if problem:
                problems.append(problem)
            growths.append(got["rss_growth_mib"])
            app_runs.append(got)
            ref_runs.append(download(f"{ref}/copy/export", None, None))
            body.unlink(missing_ok=True)
        app_s = median([r["seconds"] for r in app_runs])
        ref_s = median([r["seconds"] for r in ref_runs])
        growth = max((g for g in growths if g is not None), default=None)
        result = Result(
            f"7. full {fmt.upper()} export of {published} actors vs COPY TO STDOUT",
            Target(ratio=0.25),
            {"rate": round(published / app_s, 1), "errors": len(problems), "seconds": round(app_s, 2)},
            {"rate": round(published / ref_s, 1), "errors": 0, "seconds": round(ref_s, 2)},
            "COPY (SELECT the same columns) TO STDOUT through the baseline",
            ref_s / app_s,
            notes=[*sorted(set(problems)), "rates in actors/s; one download at a time"],
            extra={
                "worker_rss_growth_mib": growth,
                "bytes": median([r["bytes"] for r in app_runs]),
                "invalid": bool(problems) or (growth is not None and growth >= 100),
            },
        )
        if growth is not None and growth >= 100:
            result.notes.append(f"worker memory grew {growth} MiB (limit 100)")
        bench.add(result)


def log_tail(path: Path) -> list[str]:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    interesting = [line for line in lines if re.search(r"Error|Exception|TIMEOUT|CRITICAL|Traceback", line)]
    return interesting[-20:]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def print_table(size_result: dict) -> None:
    print()
    print(f"== {size_result['published']} published actors ({size_result['data']}) ==")
    header = (
        f"{'scenario':62s} {'app/s':>9s} {'ref/s':>9s} {'ratio':>7s} {'target':>14s} "
        f"{'p50ms':>8s} {'p95ms':>8s} {'err':>4s}  ok"
    )
    print(header)
    print("-" * len(header))
    for s in size_result["scenarios"]:

        def num(v, fmt="{:.1f}"):
            return "-" if v is None else fmt.format(v)

        print(
            f"{s['name'][:62]:62s} {num(s['app_rate']):>9s} {num(s['reference_rate']):>9s} "
            f"{num(s['ratio'], '{:.2f}'):>7s} {s['target']:>14s} {num(s['app_p50_ms']):>8s} "
            f"{num(s['app_p95_ms']):>8s} {s['errors']:>4d}  {('yes' if s['passed'] else 'NO') if s['target'] else '-'}"
        )
        for note in s["notes"]:
            print(f"{'':4s}{note}")
    print()


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    tmp = Path(tempfile.mkdtemp(prefix="ess-bench-"))
    cfg = None
    try:
        cfg = parse_config(argv)
        if shutil.which("wrk") is None:
            log("wrk not found: installing the Debian package")
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
            if shutil.which("wrk") is None:
                raise SetupError("wrk is missing (apt-get install wrk)")
        started = time.time()
        load_at_start = os.getloadavg()
        sizes = []
        for size in cfg.sizes:
            sizes.append(run_size(cfg, size, tmp))
            print_table(sizes[-1])
        results = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "minutes": round((time.time() - started) / 60, 1),
            "mode": "small" if cfg.small else "full",
            "rounds": cfg.rounds,
            "duration_s": cfg.duration,
            "gunicorn": gunicorn_settings(),
            "gunicorn_conf": GUNICORN_CONF.name if GUNICORN_CONF.exists() else None,
            "machine": {
                "cpus": os.cpu_count(),
                "wrk": "-t1, loopback",
                # What else ran shows here: 1-, 5- and 15-minute load averages before and after the run.
                "load_average_start": [round(x, 2) for x in load_at_start],
                "load_average_end": [round(x, 2) for x in os.getloadavg()],
                "postgresql": postgresql_settings(cfg.admin_url),
            },
            "git": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
            "sizes": sizes,
        }
        cfg.output.parent.mkdir(parents=True, exist_ok=True)
        cfg.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        log(f"results written to {cfg.output}")
        if cfg.small:
            return 1 if any(s["errors"] for s in sizes) else 0
        return 0 if all(s["passed"] for s in sizes) else 1
    except SetupError as exc:
        log(f"harness failed: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if cfg is not None and cfg.keep:
            log(f"kept: {tmp}, databases {', '.join(cfg.touched)}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            for dbname in cfg.touched if cfg else ():
                pg_drop(cfg.admin_url, dbname)


if __name__ == "__main__":
    sys.exit(main())
