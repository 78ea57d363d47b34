"""What the soak test and the benchmark share: databases, `manage.py`, gunicorn in production mode.

Both are scripts run from the project's root with the project's virtual environment; this module sits
beside them (imported as `harness`). Standard library plus `requests` and `psycopg`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
# The project's gunicorn settings, when it has them; the command line's defaults otherwise.
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


class SetupError(Exception):
    pass


def make_logger(prefix: str):
    def log(message: str) -> None:
        print(f"[{prefix} {time.strftime('%H:%M:%S')}] {message}", flush=True)

    return log


log = make_logger("bench")


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def pg_url_for(admin_url: str, dbname: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def check_loopback(url_or_host: str) -> None:
    host = urlsplit(url_or_host).hostname if "://" in url_or_host else url_or_host
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SetupError(f"only loopback addresses are allowed, not {host!r}")


def check_db_name(dbname: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", dbname):
        raise SetupError(f"invalid database name {dbname!r}")


def pg_recreate(admin_url: str, dbname: str, *, template: str | None = None) -> None:
    import psycopg

    check_db_name(dbname)
    if template:
        check_db_name(template)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {dbname}" + (f" TEMPLATE {template}" if template else ""))


def pg_exists(admin_url: str, dbname: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is not None


def pg_drop(admin_url: str, dbname: str) -> None:
    import psycopg

    check_db_name(dbname)
    last = None
    for _ in range(10):
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
            return
        except psycopg.Error as exc:  # e.g. just after a restart
            last = exc
            time.sleep(1)
    log(f"could not drop database {dbname}: {last}")


def manage(env: dict, *args: str, timeout: float = 600) -> str:
    proc = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise SetupError(f"manage.py {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


# --------------------------------------------------------------------------------------------
# Production mode
# --------------------------------------------------------------------------------------------


def production_env(db_url: str, secret: str, tmp: Path) -> dict:
    """The environment of a production server on loopback: DEBUG off, no TLS, throttles lifted."""
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL")}
    return {
        **base_env,
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "DATABASE_URL": db_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_TOKEN": "1000000/minute",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "LOG_LEVEL": "WARNING",
    }


# --------------------------------------------------------------------------------------------
# gunicorn
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_settings(workers: int | None = None) -> list[str]:
    """The production settings: the project's `gunicorn.conf.py`, else 2 workers of 4 threads.

    `workers` forces a number of worker processes on top of either (the soak test asks for its own).
    """
    if GUNICORN_CONF.exists():
        args = ["-c", str(GUNICORN_CONF)]
    else:
        args = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "60"]
    if workers is not None:
        args += ["--workers", str(workers)]
    return args


def start_gunicorn(
    env: dict, port: int, log_path: Path, *, app: str = "ess_portal.wsgi", settings: list[str] | None = None
) -> subprocess.Popen:
    """gunicorn serving `app` on 127.0.0.1:`port`, in its own process group, its output in `log_path`."""
    log_file = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            app,
            *(settings if settings is not None else gunicorn_settings()),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole, never by name
    )
    proc._harness_log = log_file  # type: ignore[attr-defined]
    return proc


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc._harness_log.close()  # type: ignore[attr-defined]


def worker_pids(proc: subprocess.Popen) -> list[int]:
    """gunicorn's worker processes: the children of its master."""
    try:
        text = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def wait_until_up(base: str, proc: subprocess.Popen, timeout: float = 60, path: str = "/") -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"gunicorn exited with status {proc.returncode}")
        try:
            r = requests.get(base + path, timeout=30)
            if r.status_code == 200:
                return
            last = r.status_code
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise SetupError(f"gunicorn did not answer 200 on {path} within {timeout:.0f} s (last: {last})")
