import pytest
from django.contrib.auth.models import User


@pytest.fixture
def staff_user(db):
    return User.objects.create_superuser("cheffe", "cheffe@example.org", "motdepasse-de-test")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
