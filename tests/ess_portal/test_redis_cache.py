"""With REDIS_URL the shared cache is Redis: throttle counts, sessions and kept answers all work there."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REDIS = ("127.0.0.1", 6379)
ROOT = Path(__file__).resolve().parents[2]


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_the_caches_of_redis_url_store_and_read(tmp_path):
    script = """
from django.core.cache import caches
for alias in ("default", "responses"):
    assert type(caches[alias]).__name__ == "RedisCache", alias
    caches[alias].set("ess-portal-test", {"ok": 1}, 30)
    assert caches[alias].get("ess-portal-test") == {"ok": 1}, alias
    caches[alias].delete("ess-portal-test")
from django.conf import settings
assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
print("ok")
"""
    env = {
        **os.environ,
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
