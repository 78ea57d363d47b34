"""gunicorn's settings for the portal in production (gunicorn reads ./gunicorn.conf.py by itself).

Run from the project's root: `gunicorn ess_portal.wsgi --bind 0.0.0.0:8000`. Each value can be
changed by its environment variable below, and a command-line flag still wins over this file.
docs/operations.md (« gunicorn ») says why each value is what it is.
"""

import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}.") from None
    if value < 0:
        raise SystemExit(f"{name} must be 0 or more, got {value}.")
    return value


# Processes: the usual 2 × cores + 1, capped at 8 (each worker holds up to `threads` database
# connections: keep workers × threads × servers under PostgreSQL's max_connections).
workers = _env_int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)) or 1
# Threads per worker. With gthread the worker's main loop tells the arbiter it is alive while its
# threads answer, so `timeout` only ends a worker whose main loop is stuck, never a long streamed
# export (tests/ess_portal/test_gunicorn.py streams for longer than `timeout`).
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 4) or 1
# Seconds without a heartbeat before a worker is killed and replaced (a hung worker).
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# Seconds a worker being stopped (deploy, restart, `max_requests`) has to finish its requests: an
# export still running after that is cut, which its client sees (the chunked body never ends).
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 120)
# Recycle each worker after about this many requests (memory kept by fragmentation is given back);
# the jitter keeps the workers from all restarting at once. 0 disables.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Seconds an idle keep-alive connection stays open: the proxy in front reuses it.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)

# Access log on standard output (`GUNICORN_ACCESS_LOG=` empty: none): the client as the proxy
# says it, the request, status, bytes, duration in milliseconds, referrer and user agent.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%({x-forwarded-for}i)s" "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Peers allowed to set X-Forwarded-Proto (the scheme gunicorn reports): the proxy, on this host by
# default. It matches TRUSTED_PROXY_COUNT (settings), which says how many of those proxies append
# to X-Forwarded-For: with a proxy on another host, list its address here (FORWARDED_ALLOW_IPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
