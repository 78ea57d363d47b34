"""gunicorn.conf.py: documented defaults, environment overrides, and a stream outlives `timeout`."""

import http.client
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

CONFIG = Path(settings.BASE_DIR) / "gunicorn.conf.py"

SLOW_APP = """
import time


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        for second in range(4):
            time.sleep(1)
            yield b"%d\\n" % second
        yield b"end\\n"

    return body()
"""


def _config(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_the_defaults_are_threaded_workers_recycled_now_and_then(monkeypatch):
    config = _config(monkeypatch)
    assert config["worker_class"] == "gthread" and config["threads"] == 4
    assert 1 <= config["workers"] <= 8
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == (30, 120, 5)
    assert (config["max_requests"], config["max_requests_jitter"]) == (2000, 200)
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert "%(M)sms" in config["access_log_format"]


def test_the_environment_overrides_the_defaults(monkeypatch):
    config = _config(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="8", GUNICORN_TIMEOUT="60")
    assert (config["workers"], config["threads"], config["timeout"]) == (3, 8, 60)


def test_a_bad_value_stops_the_server_with_its_name(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_TIMEOUT must be an integer"):
        _config(monkeypatch, GUNICORN_TIMEOUT="long")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_slow_stream(tmp_path, *flags):
    """gunicorn with gunicorn.conf.py, one worker, `timeout` 1 s, serving a 4-second stream."""
    (tmp_path / "slow_stream.py").write_text(SLOW_APP)
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--pythonpath", str(tmp_path), *flags]
    command += ["--workers", "1", "--timeout", "1", "--bind", f"127.0.0.1:{port}", "slow_stream"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                body = response.read()
        except http.client.IncompleteRead as exc:
            body = None, exc.partial
        return body, time.monotonic() - started, log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_stream_longer_than_the_worker_timeout_completes(tmp_path):
    body, seconds, log = _serve_slow_stream(tmp_path)
    assert body == b"0\n1\n2\n3\nend\n" and seconds > 3
    assert "Using worker: gthread" in log and "WORKER TIMEOUT" not in log


def test_a_sync_worker_would_cut_it_and_the_client_would_know(tmp_path):
    # What gthread avoids: a sync worker answers one request at a time and misses its heartbeat.
    body, _seconds, log = _serve_slow_stream(tmp_path, "--worker-class", "sync", "--threads", "1")
    assert body[0] is None and not body[1].endswith(b"end\n")
    assert "WORKER TIMEOUT" in log
