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


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import ess_portal.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_mode_requires_a_secret_key():
    result = _import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_development_mode_runs_without_a_secret_key():
    assert _import_settings(DEBUG="1").returncode == 0
