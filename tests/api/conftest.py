import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _api_site_url(settings):
    settings.SITE_URL = "https://ess.example.org"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Throttle counters live in the cache: each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(db):
    return APIClient()


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
