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


def pytest_terminal_summary(terminalreporter):
    if STATS["requests"]:
        terminalreporter.write_sep("-", "hostile corpus")
        terminalreporter.write_line(
            f"hostile corpus: {STATS['requests']} requests, {STATS['5xx']} answered with a 5xx (database: {_engine()})"
        )


def _engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
