"""The per-request statement timeout: a statement it cuts is a clear 503 with Retry-After, never a 500 or a 200.

On PostgreSQL the real thing (a tiny `statement_timeout` and `pg_sleep`); on both engines the
answer to a cancelled statement, and the setting's validation.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

from directory.models import ActorQuerySet
from ess_portal import statement_timeout
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(not is_postgres(), reason="statement_timeout is PostgreSQL's")


class _QueryCanceled(Exception):
    """What psycopg raises for a cancelled statement, as far as the error path looks (its SQLSTATE)."""

    sqlstate = "57014"


def _cancelled(self):
    try:
        raise _QueryCanceled("canceling statement due to statement timeout")
    except _QueryCanceled as exc:
        raise OperationalError("canceling statement due to statement timeout") from exc


def _sleeping(self):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return self.filter(status="published")


@pytest.fixture
def forget_session_timeout():
    """The test's transaction rolls a `SET` back: the connection must not believe it still holds it."""
    yield
    connection.statement_timeout_ms = None


def _assert_timeout_answer(response, path):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["status"] == 503 and body["code"] == "query_timeout" and body["errors"] == {}
        assert body["detail"].startswith("La requête a dépassé le temps de calcul permis")
    else:
        content = response.content.decode()
        assert '<html lang="fr">' in content and "Service momentanément indisponible" in content
        assert "trop de temps de calcul" in content


@pytest.mark.parametrize("path", ["/api/v1/actors/", "/annuaire/"])
def test_a_cancelled_statement_is_a_503_saying_so(monkeypatch, path):
    monkeypatch.setattr(ActorQuerySet, "published", _cancelled)
    _assert_timeout_answer(Client(raise_request_exception=False).get(path), path)


@postgres_only
@pytest.mark.parametrize("path", ["/api/v1/actors/", "/annuaire/"])
def test_a_statement_longer_than_the_timeout_is_cut_and_answered_503(
    monkeypatch, settings, forget_session_timeout, path
):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 50
    monkeypatch.setattr(ActorQuerySet, "published", _sleeping)
    _assert_timeout_answer(Client(raise_request_exception=False).get(path), path)


@postgres_only
def test_a_request_sets_the_timeout_on_its_session(settings, forget_session_timeout):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 1234
    client = Client()
    client.get("/api/v1/sectors/")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1234ms"
    # Remembered on the connection: the next requests send no `SET` while the value stays the same.
    assert connection.statement_timeout_ms == 1234


@postgres_only
def test_a_connection_opened_during_a_request_gets_the_timeout(settings, forget_session_timeout):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 4321
    token = statement_timeout._request_timeout_ms.set(4321)
    try:
        statement_timeout._on_connection_created(sender=None, connection=connection)
    finally:
        statement_timeout._request_timeout_ms.reset(token)
    assert connection.statement_timeout_ms == 4321


def test_outside_a_request_nothing_is_set(forget_session_timeout):
    connection.statement_timeout_ms = 0
    statement_timeout._on_connection_created(sender=None, connection=connection)
    assert connection.statement_timeout_ms == 0


@postgres_only
def test_management_commands_keep_the_servers_limit():
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout')\n"
        "    print(cursor.fetchone()[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "x",
            "DATABASE_URL": url,
            "DATABASE_STATEMENT_TIMEOUT_MS": "50",
        },
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_the_setting_refuses_a_negative_timeout():
    result = subprocess.run(
        [sys.executable, "-c", "import ess_portal.settings"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_STATEMENT_TIMEOUT_MS": "-5"},
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "DATABASE_STATEMENT_TIMEOUT_MS must be 0" in result.stderr


def test_the_default_is_twenty_seconds_in_production_and_off_under_debug():
    code = "from django.conf import settings; print(settings.DATABASE_STATEMENT_TIMEOUT_MS)"
    outputs = []
    for debug in ("0", "1"):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={"PATH": "/usr/bin:/bin", "DEBUG": debug, "DJANGO_SETTINGS_MODULE": "ess_portal.settings"},
            capture_output=True,
            text=True,
            check=False,
            cwd=settings.BASE_DIR,
        )
        outputs.append(result.stdout.strip())
    assert outputs == ["20000", "0"]
