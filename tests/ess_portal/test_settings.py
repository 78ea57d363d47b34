import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from ess_portal.settings import env_bool, env_int, env_list


def test_booleans_accept_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", default=not expected) is expected


def test_an_unreadable_boolean_stops_the_start_up(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        env_bool("FLAG", default=False)


def test_an_unreadable_integer_stops_the_start_up(monkeypatch):
    monkeypatch.setenv("SIZE", "ten")
    with pytest.raises(ImproperlyConfigured, match="SIZE must be an integer"):
        env_int("SIZE", default=1)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example.org, b.example.org ,,")
    assert env_list("HOSTS", default=[]) == ["a.example.org", "b.example.org"]


def _run(code: str, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "ess_portal.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_web_server_refuses_to_start_without_a_secret_key_in_production_mode():
    result = _run("import ess_portal.wsgi", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_production_mode_refuses_to_sign_with_an_empty_key():
    result = _run("import django; django.setup(); from django.core import signing; signing.dumps(1)", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY setting must not be empty" in result.stderr


def test_commands_that_sign_nothing_run_without_a_secret_key():
    result = _run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'makemigrations', '--check', '--dry-run'])",
        DEBUG="0",
    )
    assert result.returncode == 0, result.stderr


def test_the_deployment_check_reports_a_missing_secret_key():
    result = _run(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DEBUG="0",
        ALLOWED_HOSTS="ess.example.org",
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_development_mode_runs_without_a_secret_key():
    assert _run("import ess_portal.wsgi", DEBUG="1").returncode == 0
