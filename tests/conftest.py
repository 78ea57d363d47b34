"""Shared fixtures. Factories are small functions in tests/factories.py.

Invalid template variables fail the test (pytest-django's FAIL_INVALID_TEMPLATE_VARS in
pyproject.toml); tests of Django's own admin templates opt out with
`@pytest.mark.ignore_template_errors`, as those templates rely on empty defaults.
"""

import re

import pytest
from django.conf import settings
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _web_test_settings(settings, tmp_path_factory):
    """Production settings, made usable by the test client.

    The test client speaks plain HTTP (no HTTPS redirect), and static files are served
    without `collectstatic` (plain storage, no manifest; WhiteNoise warns — an error
    under `-W error` — when STATIC_ROOT does not exist, as on a fresh clone).
    """
    settings.SECURE_SSL_REDIRECT = False
    # Tests run with DEBUG off, where superusers must pass a second factor; admin tests sign in with
    # `force_login`, which has none. Tests of that rule (tests/ess_portal/test_login_security.py) turn it on.
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Query counts pin the application's own queries: the cache (the database in production, whose
    # reads and writes would be counted) is process memory here; tests of the shared cache set it.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "responses"},
    }
    root = tmp_path_factory.getbasetemp() / "staticfiles"
    root.mkdir(exist_ok=True)
    settings.STATIC_ROOT = root


@pytest.fixture(autouse=True)
def _empty_cache(_web_test_settings):
    """Each test starts with an empty cache: no search vocabulary (or anything else) leaks between tests.

    After the test settings, so that the cache cleared is the in-memory one, never the database's.
    """
    # Kept answers too: on SQLite the data version rolls back with each test's transaction, and the
    # next test would find the answers made at the same version number.
    for alias in ("default", "responses"):
        caches[alias].clear()
    yield
    for alias in ("default", "responses"):
        caches[alias].clear()


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def read_sitemap():
    """Return a function reading the whole sitemap: the index at /sitemap.xml, then every page it lists."""

    def read(client) -> str:
        index = client.get("/sitemap.xml")
        assert index.status_code == 200
        pages = []
        for location in re.findall(r"<loc>([^<]+)</loc>", index.content.decode()):
            response = client.get(location.replace("&amp;", "&"))
            assert response.status_code == 200, location
            pages.append(response.content.decode())
        return "\n".join(pages)

    return read


# The hostile corpus's counts (tests/hostile/harness.py), added up over pytest-xdist's workers.
_HOSTILE = {"requests": 0, "5xx": 0, "engine": ""}


class _WorkerCounts:
    """pytest-xdist's hook, registered only with xdist (`-p no:xdist` would refuse an unknown hook)."""

    def pytest_testnodedown(self, node, error):
        output = getattr(node, "workeroutput", {})
        for key in ("requests", "5xx"):
            _HOSTILE[key] += output.get("hostile_stats", {}).get(key, 0)
        _HOSTILE["engine"] = output.get("hostile_engine") or _HOSTILE["engine"]


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_WorkerCounts(), "hostile-worker-counts")


def pytest_terminal_summary(terminalreporter):
    from tests.hostile.harness import STATS

    requests = _HOSTILE["requests"] + STATS["requests"]
    if requests:
        errors = _HOSTILE["5xx"] + STATS["5xx"]
        engine = _HOSTILE["engine"] or settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        terminalreporter.write_sep("-", "hostile corpus")
        terminalreporter.write_line(
            f"hostile corpus: {requests} requests, {errors} answered with a 5xx (database: {engine})"
        )
