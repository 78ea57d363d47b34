import pytest
from django.contrib.auth.models import User


@pytest.fixture
def staff_user(db):
    return User.objects.create_superuser("cheffe", "cheffe@example.org", "motdepasse-de-test")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Plain HTTP in the test client.
    settings.SECURE_SSL_REDIRECT = False
    # No collectstatic before tests: plain storage, no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise warns (an error under -W error) when STATIC_ROOT does not exist, as on a fresh clone.
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()
