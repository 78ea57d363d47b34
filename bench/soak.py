#!/usr/bin/env python3
"""Soak test: concurrent reads and writes against gunicorn, the database restarted once.

A self-contained command, run from the project's root with the project's virtual environment:

    .venv/bin/python bench/soak.py                      # PostgreSQL, 120 s, restart at 60 s
    .venv/bin/python bench/soak.py --duration 30 --no-restart
    .venv/bin/python bench/soak.py --database sqlite --duration 30

It prepares a fresh database (PostgreSQL: ``ess_soak``, dropped and recreated; SQLite: a file in a
temporary directory), migrates it, loads the demo data, creates one partner token per writer,
collects the static files and starts gunicorn in production mode on a free loopback port. Readers
then fetch public pages and API lists and details while writers PATCH their own organisation's
record with If-Match, each write carrying a unique marker. Half-way (``--restart-at``) PostgreSQL is
restarted once. At the end gunicorn is stopped and the database is read directly: the last
acknowledged marker of each writer must be its actor's current value, and every acknowledged
marker must be in the actor's history. Results go to the terminal and to
``bench/soak-results.json``. Exit status: 0 when no acknowledged write was lost and no 500 was
seen, 1 otherwise, 2 when the set-up failed. See bench/README.md.

Standard library plus `requests` and `psycopg` (both in the project's virtual environment).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from harness import (
    BENCH,
    SetupError,
    check_loopback,
    free_port,
    make_logger,
    manage,
    pg_drop,
    pg_recreate,
    pg_url_for,
    production_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)

log = make_logger("soak")
REQUEST_TIMEOUT = 10.0
SEARCH_TERMS = ["cooperative", "reemploi", "insertion", "alimentation", "montreuil", "solidaire", "velo", "cafe"]


# --------------------------------------------------------------------------------------------
# Database preparation
# --------------------------------------------------------------------------------------------


PICK_SCRIPT = """
import json
from directory.models import Actor
from projects.models import Initiative
published = Actor.objects.published().order_by("pk")
writers = list(published.filter(is_fictional=True).values_list("slug", flat=True)[:{n}])
print(json.dumps({{
    "writers": writers,
    "actors": list(published.values_list("slug", flat=True)[:200]),
    "initiatives": list(Initiative.objects.published().order_by("pk").values_list("slug", flat=True)[:100]),
}}))
"""


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


@dataclass
class Sample:
    t: float  # seconds since the load started
    kind: str  # page / api_read / api_write
    name: str  # which endpoint
    outcome: str  # HTTP status as text, or "timeout" / "connection_error" / "broken_body"
    latency: float
    retry_after: bool = False


@dataclass
class Ack:
    writer: int
    actor: str
    seq: int
    marker: str
    version: int | None
    t: float


@dataclass
class WriterState:
    writer: int
    actor: str
    token: str
    attempted: dict = field(default_factory=dict)  # marker -> seq, every marker ever sent
    acks: list = field(default_factory=list)
    retries_412: int = 0
    unknown_outcome: int = 0  # PATCH without an answer (timeout, connection error, 5xx)
    rejected: Counter = field(default_factory=Counter)  # other statuses, e.g. 400 / 403 / 428
    ack_body_mismatch: int = 0


class Load:
    def __init__(self, base: str, t0: float, deadline: float):
        self.base = base
        self.t0 = t0
        self.deadline = deadline
        self.samples: list[Sample] = []
        self.stop = threading.Event()

    def running(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def request(self, session: requests.Session, method: str, path: str, kind: str, name: str, **kwargs):
        """One request, recorded. Returns the response, or None when there was none."""
        # The full timeout even near the deadline: a request cut short by the script would count as an error.
        start = time.monotonic()
        try:
            r = session.request(method, self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)
            _ = r.content  # read the whole body (CSV and GeoJSON are streamed)
            outcome = str(r.status_code)
        except requests.Timeout:
            r, outcome = None, "timeout"
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            r, outcome = None, "broken_body"  # the answer started (a status was sent) then broke off
        except requests.ConnectionError:
            r, outcome = None, "connection_error"
        latency = time.monotonic() - start
        self.samples.append(
            Sample(
                t=start - self.t0,
                kind=kind,
                name=name,
                outcome=outcome,
                latency=latency,
                retry_after=bool(r is not None and r.headers.get("Retry-After")),
            )
        )
        return r

    def pause(self, seconds: float) -> None:
        self.stop.wait(min(seconds, max(0.0, self.deadline - time.monotonic())))


def reader(load: Load, rng: random.Random, actors: list[str], initiatives: list[str]) -> None:
    session = requests.Session()
    choices = [
        # (weight, kind, name, path maker)
        (3, "page", "home", lambda: "/"),
        (3, "page", "directory", lambda: "/annuaire/"),
        (3, "page", "directory_search", lambda: f"/annuaire/?q={rng.choice(SEARCH_TERMS)}"),
        (4, "page", "actor", lambda: f"/annuaire/{rng.choice(actors)}/"),
        (2, "page", "initiatives", lambda: "/projets/"),
        (2, "page", "strategy", lambda: "/strategie/"),
        (2, "page", "sites", lambda: "/lieux/"),
        (3, "api_read", "actors", lambda: f"/api/v1/actors/?page={rng.randint(1, 3)}"),
        (1, "api_read", "actors_csv", lambda: "/api/v1/actors/?format=csv"),
        (1, "api_read", "actors_geojson", lambda: "/api/v1/actors/?format=geojson"),
        (2, "api_read", "initiatives", lambda: "/api/v1/initiatives/"),
        (3, "api_read", "actor_detail", lambda: f"/api/v1/actors/{rng.choice(actors)}/"),
    ]
    if initiatives:
        choices.append((2, "api_read", "initiative_detail", lambda: f"/api/v1/initiatives/{rng.choice(initiatives)}/"))
        choices.append((1, "page", "initiative", lambda: f"/projets/{rng.choice(initiatives)}/"))
    weights = [c[0] for c in choices]
    while load.running():
        _, kind, name, path = rng.choices(choices, weights)[0]
        r = load.request(session, "GET", path(), kind, name)
        if r is None or r.status_code >= 500:
            load.pause(0.2)  # no hot loop against a dead server


def etag_version(etag: str | None) -> int | None:
    if not etag:
        return None
    value = etag.strip().removeprefix("W/").strip('"')
    head = value.split(".", 1)[0]
    return int(head) if "." in value and head.isdigit() else None


def writer(load: Load, state: WriterState, run_id: str, field_name: str) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {state.token}"
    path = f"/api/v1/actors/{state.actor}/"
    seq = 0
    while load.running():
        seq += 1
        marker = f"soak {run_id} w{state.writer:02d} n{seq:06d}"
        for _attempt in range(100):
            if not load.running():
                break
            r = load.request(session, "GET", path, "api_read", "writer_get")
            if r is None or r.status_code != 200:
                load.pause(0.2)
                continue
            if marker in state.attempted and r.json().get(field_name) == marker:
                # An earlier attempt of this marker got no answer but did commit: not acknowledged,
                # so not counted as an ack; move on to the next marker.
                break
            state.attempted[marker] = seq
            p = load.request(
                session,
                "PATCH",
                path,
                "api_write",
                "actor_patch",
                json={field_name: marker},
                headers={"If-Match": r.headers.get("ETag", "")},
            )
            if p is None or p.status_code >= 500:
                state.unknown_outcome += 1
                load.pause(0.2)
                continue  # read again: did it commit? if not, retry the same marker
            if p.status_code == 200:
                try:
                    body_value = p.json().get(field_name)
                except ValueError:
                    body_value = None
                if body_value == marker:
                    state.acks.append(
                        Ack(
                            state.writer,
                            state.actor,
                            seq,
                            marker,
                            etag_version(p.headers.get("ETag")),
                            time.monotonic() - load.t0,
                        )
                    )
                else:
                    state.ack_body_mismatch += 1
                break
            if p.status_code == 412:
                state.retries_412 += 1
                continue
            state.rejected[str(p.status_code)] += 1
            load.pause(0.5)
            break


# --------------------------------------------------------------------------------------------
# The restart
# --------------------------------------------------------------------------------------------


def default_restart_command() -> list[str]:
    versions = sorted((p.name for p in Path("/etc/postgresql").iterdir() if p.name.isdigit()), key=int)
    if not versions:
        raise SetupError("no cluster under /etc/postgresql: give --restart-command")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"]


def db_probe_ok(db_url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(db_url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def restart_database(load: Load, at: float, command: list[str], db_url: str, report: dict) -> None:
    """At `at` s into the load, restart PostgreSQL once and measure the outage and the recovery."""
    load.pause(max(0.0, load.t0 + at - time.monotonic()))
    if load.stop.is_set():
        return
    rel = lambda: time.monotonic() - load.t0  # noqa: E731
    report["command"] = " ".join(command)
    report["started_at_s"] = round(rel(), 3)
    down_at = up_at = None
    stop_probe = threading.Event()

    def probe():
        nonlocal down_at, up_at
        while not stop_probe.is_set():
            ok = db_probe_ok(db_url)
            now = rel()
            if not ok and down_at is None:
                down_at = now
            elif ok and down_at is not None and up_at is None:
                up_at = now
                return
            time.sleep(0.05)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    log(f"restarting PostgreSQL: {' '.join(command)}")
    # Output to a file, not a pipe: a restarted server may inherit it and keep it open for ever.
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            status = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()  # the command we started, by its id
            status = "timeout after 120 s"
        out.seek(0)
        output = out.read().decode(errors="replace").strip()
    report["command_status"] = status
    report["command_seconds"] = round(rel() - report["started_at_s"], 3)
    if status != 0:
        report["command_output"] = output[-2000:]
        log(f"restart command failed ({status}): {output[-500:]}")
    # pg_ctlcluster returns once the server accepts connections again; wait (bounded) for the probe.
    prober.join(60 if down_at is not None else 2)
    stop_probe.set()
    prober.join(5)
    if down_at is None:
        report["db_outage_s"] = None
        report["note"] = "the probe never saw the database down (restart faster than one probe?)"
        up_at = rel()
    else:
        report["db_down_at_s"] = round(down_at, 3)
        report["db_up_at_s"] = round(up_at, 3) if up_at is not None else None
        report["db_outage_s"] = round(up_at - down_at, 3) if up_at is not None else None
    log(f"PostgreSQL away for {report.get('db_outage_s')} s")
    # Site recovery: the first 200 from both a page and the API after the database is back.
    session = requests.Session()
    got = set()
    until = time.monotonic() + 120
    while got != {"page", "api"} and time.monotonic() < until:
        for key, path in (("page", "/"), ("api", "/api/v1/actors/?page_size=1")):
            if key in got:
                continue
            try:
                if session.get(load.base + path, timeout=5).status_code == 200:
                    got.add(key)
            except requests.RequestException:
                pass
        if got != {"page", "api"}:
            time.sleep(0.1)
    site_up = rel() if got == {"page", "api"} else None
    report["site_200_at_s"] = round(site_up, 3) if site_up is not None else None
    report["site_recovery_after_db_s"] = round(site_up - up_at, 3) if site_up is not None and up_at else None
    report["site_recovery_after_restart_start_s"] = (
        round(site_up - report["started_at_s"], 3) if site_up is not None else None
    )
    log(f"site answering 200 again {report['site_recovery_after_restart_start_s']} s after the restart began")


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


def read_actor_fields(database: str, db_url: str, sqlite_path: Path | None, slugs: list[str], field_name: str):
    """{slug: (current value, [(history_id, value), …])} read directly from the database."""
    out = {}
    if database == "postgres":
        import psycopg

        with psycopg.connect(db_url, connect_timeout=10) as conn:
            for slug in slugs:
                row = conn.execute(f"SELECT id, {field_name} FROM directory_actor WHERE slug = %s", [slug]).fetchone()
                history = conn.execute(
                    f"SELECT history_id, {field_name} FROM directory_historicalactor WHERE id = %s ORDER BY history_id",
                    [row[0]],
                ).fetchall()
                out[slug] = (row[1], history)
    else:
        conn = sqlite3.connect(sqlite_path)
        try:
            for slug in slugs:
                row = conn.execute(f"SELECT id, {field_name} FROM directory_actor WHERE slug = ?", [slug]).fetchone()
                history = conn.execute(
                    f"SELECT history_id, {field_name} FROM directory_historicalactor WHERE id = ? ORDER BY history_id",
                    [row[0]],
                ).fetchall()
                out[slug] = (row[1], history)
        finally:
            conn.close()
    return out


def verify(writers: list[WriterState], db: dict) -> dict:
    lost = []
    last_not_current = []
    superseded_by_unacked = []
    version_mismatch = 0
    by_actor = defaultdict(list)
    for w in writers:
        by_actor[w.actor].append(w)
    for actor, ws in by_actor.items():
        current, history = db[actor]
        values = {value for _, value in history}
        by_version = dict(history)
        acks = [a for w in ws for a in w.acks]
        attempted = {m: s for w in ws for m, s in w.attempted.items()}
        for a in acks:
            if a.marker not in values:
                lost.append({"writer": a.writer, "actor": actor, "marker": a.marker, "acked_at_s": round(a.t, 3)})
            if a.version is not None and by_version.get(a.version) != a.marker:
                version_mismatch += 1
        if not acks:
            continue
        # The write committed last among the acknowledged ones: highest history id (its ETag's
        # version), the latest acknowledgement when the versions are unknown.
        last = max(acks, key=lambda a: (a.version or 0, a.t))
        if current == last.marker:
            continue
        # Not a loss when a later write of the same writers committed without an answer.
        if current in attempted and (len(ws) > 1 or attempted[current] > last.seq):
            superseded_by_unacked.append({"actor": actor, "last_acked": last.marker, "current": current})
        else:
            last_not_current.append({"actor": actor, "last_acked": last.marker, "current": current})
    return {
        "acknowledged_writes": sum(len(w.acks) for w in writers),
        "lost_writes": len(lost) + len(last_not_current),
        "acked_absent_from_history": lost[:50],
        "last_ack_not_current": last_not_current,
        "current_is_later_unacknowledged_write": superseded_by_unacked,
        "ack_version_mismatch": version_mismatch,
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def summarise(samples: list[Sample], duration: float) -> dict:
    by_kind = Counter(s.kind for s in samples)
    by_status = Counter(s.outcome for s in samples)
    by_kind_status = defaultdict(Counter)
    by_name_status = defaultdict(Counter)
    for s in samples:
        by_kind_status[s.kind][s.outcome] += 1
        by_name_status[s.name][s.outcome] += 1
    fivexx = [s for s in samples if s.outcome.isdigit() and int(s.outcome) >= 500]
    n503 = [s for s in fivexx if s.outcome == "503"]
    latencies = defaultdict(list)
    by_endpoint = defaultdict(list)
    for s in samples:
        if s.outcome.isdigit():
            latencies[s.kind].append(s.latency)
            latencies["all"].append(s.latency)
            by_endpoint[s.name].append(s.latency)
    return {
        "requests_total": len(samples),
        "requests_per_second": round(len(samples) / duration, 1) if duration else None,
        "requests_by_kind": dict(sorted(by_kind.items())),
        "responses_by_status": dict(sorted(by_status.items())),
        "responses_by_kind_and_status": {k: dict(sorted(v.items())) for k, v in sorted(by_kind_status.items())},
        "responses_by_endpoint_and_status": {k: dict(sorted(v.items())) for k, v in sorted(by_name_status.items())},
        "5xx": {
            "total": len(fivexx),
            "500": sum(1 for s in fivexx if s.outcome == "500"),
            "503": len(n503),
            "503_with_retry_after": sum(1 for s in n503 if s.retry_after),
            "503_without_retry_after": sum(1 for s in n503 if not s.retry_after),
            "other": sum(1 for s in fivexx if s.outcome not in ("500", "503")),
            "first_at_s": round(min(s.t for s in fivexx), 3) if fivexx else None,
            "last_at_s": round(max(s.t + s.latency for s in fivexx), 3) if fivexx else None,
        },
        "500_by_endpoint": dict(Counter(s.name for s in fivexx if s.outcome == "500")),
        "connection_errors": by_status.get("connection_error", 0),
        "timeouts": by_status.get("timeout", 0),
        "broken_bodies": by_status.get("broken_body", 0),
        "latency_ms": {
            kind: {"p50": pct(v, 50), "p95": pct(v, 95), "max": round(max(v) * 1000, 1)}
            for kind, v in sorted(latencies.items())
        },
        "latency_ms_by_endpoint": {
            name: {"p50": pct(v, 50), "p95": pct(v, 95), "max": round(max(v) * 1000, 1)}
            for name, v in sorted(by_endpoint.items())
        },
    }


def print_report(results: dict) -> None:
    s = results["load"]
    print()
    print("=" * 72)
    print(
        f"Soak test on {results['database']}: {results['duration_s']} s, "
        f"{results['readers']} readers, {results['writers']} writers, {results['gunicorn_workers']} gunicorn workers"
    )
    print(f"requests: {s['requests_total']} ({s['requests_per_second']}/s)  by kind: {s['requests_by_kind']}")
    print(f"responses by status: {s['responses_by_status']}")
    f = s["5xx"]
    print(
        f"5xx: {f['total']}  (500: {f['500']}, 503: {f['503']} [with Retry-After: {f['503_with_retry_after']}], "
        f"other: {f['other']})"
    )
    if s["500_by_endpoint"]:
        print(f"500 by endpoint: {s['500_by_endpoint']}")
    print(
        f"connection errors: {s['connection_errors']}  timeouts: {s['timeouts']}  broken bodies: {s['broken_bodies']}"
    )
    for kind, lat in s["latency_ms"].items():
        print(f"latency {kind:9s} p50 {lat['p50']} ms  p95 {lat['p95']} ms  max {lat['max']} ms")
    w = results["writes"]
    print(
        f"writes: acknowledged {w['acknowledged_writes']}, 412 retries {w['retries_412']}, "
        f"no answer {w['unknown_outcome']}, rejected {w['rejected']}, ack body mismatch {w['ack_body_mismatch']}"
    )
    print(
        f"LOST WRITES: {w['lost_writes']}  (absent from history: {len(w['acked_absent_from_history'])}, "
        f"last ack not current: {len(w['last_ack_not_current'])}, "
        f"superseded by an unacknowledged write: {len(w['current_is_later_unacknowledged_write'])}, "
        f"ETag version mismatch: {w['ack_version_mismatch']})"
    )
    r = results["restart"]
    if r.get("skipped"):
        print(f"restart: skipped ({r['skipped']})")
    else:
        print(
            f"restart at {r.get('started_at_s')} s: command {r.get('command_seconds')} s (status "
            f"{r.get('command_status')}), database away {r.get('db_outage_s')} s, site 200 again "
            f"{r.get('site_recovery_after_db_s')} s after the database "
            f"({r.get('site_recovery_after_restart_start_s')} s after the restart began); 5xx during the "
            f"outage {r.get('5xx_during_restart_window')}, outside it {r.get('5xx_outside_restart_window')}"
        )
        print(
            f"  as the load saw it: last 5xx ended {r.get('last_5xx_relative_to_db_up_s')} s after the database "
            f"was back; first request sent after that answered 200 in {r.get('first_200_started_after_db_up_s')} s"
        )
    if results.get("server_log_errors"):
        print("exceptions in the server log (count, last line of each traceback):")
        for line, count in list(results["server_log_errors"].items())[:10]:
            print(f"  {count:5d}  {line[:150]}")
    print(f"verdict: {'PASS' if results['passed'] else 'FAIL'} — {results['verdict']}")
    print("=" * 72)


def server_log_errors(path: Path) -> dict:
    """The exceptions in gunicorn's log (Django logs every 5xx with its traceback), counted."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    final = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b.*)$")
    found = Counter()
    for line in lines:
        m = final.match(line.strip())
        if m:
            found[m.group(1)[:240]] += 1
        elif "WORKER TIMEOUT" in line or "CRITICAL" in line:
            found[line.strip()[:240]] += 1
    return dict(found.most_common(40))


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument(
        "--pg-admin-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="maintenance database the soak database is created from (loopback only)",
    )
    p.add_argument("--db-name", default="ess_soak", help="PostgreSQL database to drop, create and drop again")
    p.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    p.add_argument("--readers", type=int, default=8)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument(
        "--writers-per-actor",
        type=int,
        default=1,
        help="writers sharing one organisation (>1 makes them race: 412s, retries)",
    )
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--field", choices=["short_description", "offer"], default="short_description")
    p.add_argument("--restart-at", type=float, default=None, help="seconds into the load (default: half)")
    p.add_argument("--no-restart", action="store_true", help="do not restart PostgreSQL")
    p.add_argument(
        "--restart-command",
        default=None,
        help="shell-split command restarting the database (default: pg_ctlcluster … restart)",
    )
    p.add_argument("--output", default=str(BENCH / "soak-results.json"))
    p.add_argument("--keep", action="store_true", help="keep the database and the temporary directory")
    p.add_argument("--seed", type=int, default=8)
    args = p.parse_args(argv)
    if args.duration <= 0 or args.readers < 0 or args.writers < 0 or args.writers_per_actor < 1:
        p.error("bad --duration, --readers, --writers or --writers-per-actor")
    if args.restart_at is None:
        args.restart_at = args.duration / 2
    if not 0 <= args.restart_at < args.duration:
        p.error("--restart-at must fall within --duration")
    if args.database == "sqlite":
        args.no_restart = True
    return args


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    tmp = Path(tempfile.mkdtemp(prefix="ess-soak-"))
    gunicorn = None
    load = None
    pg_created = False
    db_url = sqlite_path = None
    started = time.time()
    try:
        # ---- configuration
        secret = secrets.token_urlsafe(50)
        if args.database == "postgres":
            check_loopback(args.pg_admin_url)
            db_url = pg_url_for(args.pg_admin_url, args.db_name)
        else:
            sqlite_path = tmp / "soak.sqlite3"
            db_url = f"sqlite:///{sqlite_path}"
        prod_env = production_env(db_url, secret, tmp)
        demo_env = {**prod_env, "DEBUG": "1"}

        # ---- database
        if args.database == "postgres":
            log(f"recreating PostgreSQL database {args.db_name}")
            pg_recreate(args.pg_admin_url, args.db_name)
            pg_created = True
        log("migrate")
        manage(prod_env, "migrate", "--noinput")
        log("load_demo (DEBUG=1)")
        manage(demo_env, "load_demo")
        n_orgs = -(-args.writers // args.writers_per_actor)
        picked = json.loads(
            manage(prod_env, "shell", "--no-imports", "-c", PICK_SCRIPT.format(n=n_orgs)).splitlines()[-1]
        )
        if len(picked["writers"]) < n_orgs:
            raise SetupError(f"only {len(picked['writers'])} published demo actors for {n_orgs} writer organisations")
        writers = []
        for i in range(args.writers):
            slug = picked["writers"][i // args.writers_per_actor]
            # `trusted`: the partner's edits go live at once (200), as the soak's acknowledged writes need;
            # without it they wait for a moderator (202 and a change request).
            out = manage(
                prod_env,
                "create_api_token",
                slug,
                "--scope",
                "write:actors",
                "--scope",
                "trusted",
                "--name",
                f"soak writer {i}",
            )
            writers.append(WriterState(writer=i, actor=slug, token=out.strip().splitlines()[-1].strip()))
        log(f"{len(writers)} token(s) for {n_orgs} organisation(s): {', '.join(picked['writers'][:n_orgs])}")
        log("collectstatic")
        manage(prod_env, "collectstatic", "--noinput")

        # ---- server
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn_log = tmp / "gunicorn.log"
        log(f"gunicorn --workers {args.workers} on {base}")
        # Synchronous workers, as many as asked: the soak test's own settings, not the production file's.
        gunicorn = start_gunicorn(
            prod_env, port, gunicorn_log, settings=["--workers", str(args.workers), "--timeout", "60"]
        )
        wait_until_up(base, gunicorn)

        restart_command = None
        if not args.no_restart:
            import shlex

            restart_command = shlex.split(args.restart_command) if args.restart_command else default_restart_command()

        # ---- load
        run_id = secrets.token_hex(3)
        t0 = time.monotonic()
        load = Load(base, t0, t0 + args.duration)
        threads = []
        rng = random.Random(args.seed)
        for i in range(args.readers):
            threads.append(
                threading.Thread(
                    target=reader,
                    args=(load, random.Random(rng.random()), picked["actors"], picked["initiatives"]),
                    name=f"reader-{i}",
                    daemon=True,
                )
            )
        for w in writers:
            threads.append(
                threading.Thread(
                    target=writer, args=(load, w, run_id, args.field), name=f"writer-{w.writer}", daemon=True
                )
            )
        restart_report: dict = {}
        if restart_command:
            threads.append(
                threading.Thread(
                    target=restart_database,
                    args=(load, args.restart_at, restart_command, db_url, restart_report),
                    name="restart",
                    daemon=True,
                )
            )
        else:
            restart_report["skipped"] = "--database sqlite" if args.database == "sqlite" else "--no-restart"
        log(
            f"load for {args.duration:.0f} s: {args.readers} readers, {args.writers} writers"
            + (f", PostgreSQL restart at {args.restart_at:.0f} s" if restart_command else ", no restart")
        )
        for t in threads:
            t.start()
        next_tick = t0 + 10
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(0.2)
            now = time.monotonic()
            if now >= next_tick:
                next_tick += 10
                done = list(load.samples)
                bad = sum(1 for s in done if not s.outcome.isdigit() or int(s.outcome) >= 500)
                acks = sum(len(w.acks) for w in writers)
                log(f"{now - t0:5.0f} s: {len(done)} requests, {bad} 5xx/errors, {acks} acknowledged writes")
            if now > load.deadline + 330:  # the restart thread is bounded; this is a last resort
                log("threads still running long past the deadline; giving up on them")
                break
        elapsed = time.monotonic() - t0

        # ---- stop the server, then read the database directly
        log("stopping gunicorn")
        stop_gunicorn(gunicorn)
        gunicorn = None
        log("verifying acknowledged writes against the database")
        slugs = sorted({w.actor for w in writers})
        db = read_actor_fields(args.database, db_url, sqlite_path, slugs, args.field) if slugs else {}
        verdict_writes = verify(writers, db)
        verdict_writes.update(
            retries_412=sum(w.retries_412 for w in writers),
            unknown_outcome=sum(w.unknown_outcome for w in writers),
            rejected=dict(sum((w.rejected for w in writers), Counter())),
            ack_body_mismatch=sum(w.ack_body_mismatch for w in writers),
            per_writer=[
                {
                    "writer": w.writer,
                    "actor": w.actor,
                    "acknowledged": len(w.acks),
                    "last_acknowledged": w.acks[-1].marker if w.acks else None,
                    "current_value": db[w.actor][0] if w.actor in db else None,
                }
                for w in writers
            ],
        )
        summary = summarise(load.samples, elapsed)
        if "started_at_s" in restart_report:
            # 5xx outside [restart began, site answering again + 5 s] have another cause than the restart.
            end = restart_report.get("site_200_at_s") or elapsed
            window = (restart_report["started_at_s"], end + 5)
            restart_report["5xx_outside_restart_window"] = sum(
                1
                for x in load.samples
                if x.outcome.isdigit() and int(x.outcome) >= 500 and not window[0] <= x.t + x.latency <= window[1]
            )
            restart_report["5xx_during_restart_window"] = (
                summary["5xx"]["total"] - restart_report["5xx_outside_restart_window"]
            )
            up = restart_report.get("db_up_at_s")
            if up is not None:
                # Recovery as the load saw it (the probe's own requests queue behind the load's).
                ends_5xx = [x.t + x.latency for x in load.samples if x.outcome.isdigit() and int(x.outcome) >= 500]
                ok_after = [x.t + x.latency for x in load.samples if x.outcome == "200" and x.t >= up]
                restart_report["last_5xx_relative_to_db_up_s"] = round(max(ends_5xx) - up, 3) if ends_5xx else None
                restart_report["first_200_started_after_db_up_s"] = round(min(ok_after) - up, 3) if ok_after else None
        problems = []
        if verdict_writes["lost_writes"]:
            problems.append(f"{verdict_writes['lost_writes']} acknowledged write(s) lost")
        if summary["5xx"]["500"]:
            problems.append(f"{summary['5xx']['500']} answer(s) 500")
        if args.writers and not verdict_writes["acknowledged_writes"]:
            problems.append("no write was acknowledged")
        results = {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "database": args.database,
            "duration_s": round(elapsed, 1),
            "readers": args.readers,
            "writers": args.writers,
            "writers_per_actor": args.writers_per_actor,
            "gunicorn_workers": args.workers,
            "field": args.field,
            "load": summary,
            "writes": verdict_writes,
            "restart": restart_report,
            "server_log_errors": server_log_errors(gunicorn_log),
            "passed": not problems,
            "verdict": "; ".join(problems) or "no acknowledged write lost, no 500",
        }
        print_report(results)
        Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        log(f"results written to {args.output}")
        if args.keep:
            log(f"kept: {tmp}" + (f", database {args.db_name}" if pg_created else ""))
        return 0 if not problems else 1
    except SetupError as exc:
        log(f"set-up failed: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if load is not None:
            load.stop.set()
        stop_gunicorn(gunicorn)
        if not args.keep:
            if pg_created:
                pg_drop(args.pg_admin_url, args.db_name)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
