import pytest
from django.core.cache import cache
from django.test import Client

from tests.hostile.harness import STATS


@pytest.fixture(autouse=True)
def high_rates(settings):
    # The corpus sends thousands of requests from one address: throttling is tested elsewhere.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "token": "1000000/minute"},
    }
    settings.SITE_URL = "https://ess.example.org"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hostile_client(db):
    """A client that answers a crash as the server would (handler500), so the corpus can count it."""
    return Client(raise_request_exception=False)


def pytest_sessionfinish(session):
    # Under pytest-xdist each worker counts its own requests: it hands them to the controller, whose
    # root conftest (tests/conftest.py) adds them up and prints the total.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["hostile_stats"] = dict(STATS)
        workeroutput["hostile_engine"] = _engine()


def _engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
