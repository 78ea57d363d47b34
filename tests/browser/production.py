"""The portal as production serves it: `collectstatic`, gunicorn, DEBUG=0, WhiteNoise with hashed files.

pytest-django's live server runs in the test process with plain static storage (no manifest, files
found where they lie), so a fault that only hashed names or WhiteNoise reveal cannot show there.
`ProductionSite` builds a throwaway copy of the site instead: a database migrated and filled with the
demo data set (`load_demo`, which needs DEBUG=1 for itself only) — a new PostgreSQL database on the
server of DATABASE_URL when it names one (dropped afterwards), a file SQLite database otherwise —, `collectstatic`
into a temporary STATIC_ROOT, and gunicorn on a free port with the production settings. Only two of
those are bent, both as a deployment behind a proxy would have them: the host is 127.0.0.1, and the
browser sends `X-Forwarded-Proto: https` (SECURE_PROXY_SSL_HEADER) since the test speaks plain HTTP;
map tiles are off so that the tests stay offline.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
# What the browser sends so that Django sees the HTTPS that a proxy in front of it would terminate.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

# Slugs of records whose pages the tests visit (the demo data set is the same on every machine, but
# asking the database keeps the tests independent of its exact names).
RECORDS_SCRIPT = """
import json
from directory.models import Actor
from projects.models import Initiative, Site
actor = Actor.objects.published().filter(latitude__isnull=False, is_fictional=True).order_by("pk").first()
located = Site.objects.published().filter(latitude__isnull=False)
initiative = Initiative.objects.published().filter(sites__in=located).order_by("pk").distinct().first()
print(json.dumps({"actor": actor.get_absolute_url(), "initiative": initiative.get_absolute_url()}))
"""


def throwaway_database_url(url: str) -> str | None:
    """A new, empty PostgreSQL database on the server of `url` (None when `url` is not PostgreSQL)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return None
    import psycopg

    name = f"ess_portal_production_{secrets.token_hex(4)}"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProductionSite:
    """A gunicorn server on the demo data with the production settings; `start()`, then `url`, `stop()`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "gunicorn.log"
        self.records: dict[str, str] = {}
        self._server = None
        self.postgresql_url = throwaway_database_url(os.environ.get("DATABASE_URL", ""))
        self.env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("DJANGO_ALLOW")},
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": self.postgresql_url or f"sqlite:///{directory / 'portal.sqlite3'}",
            "STATIC_ROOT": str(directory / "staticfiles"),
            "MEDIA_ROOT": str(directory / "media"),
            "ALLOWED_HOSTS": "127.0.0.1",
            "MAP_TILES_URL": "",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def _manage(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> "ProductionSite":
        self._manage("migrate", "--noinput")
        self._manage("load_demo", DEBUG="1")  # the data only; the server below runs with DEBUG=0
        self._manage("collectstatic", "--noinput")
        self.records = json.loads(self._manage("shell", "--no-imports", "-c", RECORDS_SCRIPT).strip().splitlines()[-1])
        with self.log.open("w") as log:
            self._server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "ess_portal.wsgi", "--bind", f"127.0.0.1:{self.port}"]
                + ["--workers", "2", "--log-level", "warning"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(self.url + "/robots.txt", headers=PROXY_HEADERS)
        while time.monotonic() < deadline:
            if self._server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start-up:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log.read_text()}")

    def server_log(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        if self._server and self._server.poll() is None:
            self._server.terminate()
            try:
                self._server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
        if self.postgresql_url:
            drop_database(self.postgresql_url)
            self.postgresql_url = None
