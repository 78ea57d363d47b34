"""Read replicas: which requests read from a replica, which stay on the primary.

The replica here is Django's test mirror of `default` (`TEST["MIRROR"]`, as settings.py declares
each alias of `DATABASE_REPLICA_URLS`): the same database under another connection, so that the
queries of each alias can be counted. The suite's settings have no replica; this module adds one
for its own tests, as `DATABASE_REPLICA_URLS` would.
"""

import copy

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import Actor, PublicationStatus
from ess_portal.replicas import PIN_COOKIE, ReplicaRouter
from tests import factories

REPLICA = "replica_1"

# Transactional: the replica connection sees only committed rows. The reference data of the
# migrations is restored after each test (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """A `replica_1` alias mirroring the test database, for this module's tests only."""
    replica = copy.deepcopy(connections.settings["default"])
    replica["TEST"]["MIRROR"] = "default"
    connections.settings[REPLICA] = replica
    connections[REPLICA].creation.set_as_test_mirror(connections["default"].settings_dict)
    yield REPLICA
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def _replicas_on(settings):
    settings.DATABASE_REPLICAS = [REPLICA]


@pytest.fixture
def published():
    return factories.actor(name="Ressourcerie du Quai (fictif)", status=PublicationStatus.PUBLISHED)


def queries_per_alias(client, method, path, **extra):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as copy_:
        response = getattr(client, method)(path, **extra)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return response, len(primary), len(copy_)


def test_anonymous_pages_and_api_read_from_the_replica(client, published):
    for path in (published.get_absolute_url(), reverse("directory:actor_list"), "/api/v1/actors/"):
        response, primary, replica = queries_per_alias(client, "get", path)
        assert response.status_code == 200, path
        assert replica > 0, path
        # Only the data version, which is the primary's (a replica's sequence lags behind in steps).
        assert primary == 1, path


def test_a_signed_in_caller_and_a_token_read_from_the_primary(client, published):
    user = factories.staff_user()
    _, secret = factories.api_token(scopes=["read:unpublished"])
    client.force_login(user)
    response, primary, replica = queries_per_alias(client, "get", published.get_absolute_url())
    assert (response.status_code, replica) == (200, 0)
    assert primary > 0
    client.logout()
    response, primary, replica = queries_per_alias(
        client, "get", "/api/v1/actors/", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert (response.status_code, replica) == (200, 0)


def test_the_admin_reads_from_the_primary(client):
    response, primary, replica = queries_per_alias(client, "get", "/admin/login/")
    assert (response.status_code, replica) == (200, 0)


def test_after_a_write_the_caller_reads_the_primary_for_a_while(client, published, settings):
    response, _, _ = queries_per_alias(client, "post", reverse("directory:propose"), data={})
    assert response.status_code in (200, 302, 400, 429)
    cookie = response.cookies[PIN_COOKIE]
    assert int(cookie["max-age"]) == settings.REPLICA_PIN_SECONDS
    assert cookie["httponly"]
    response, primary, replica = queries_per_alias(client, "get", published.get_absolute_url())
    assert (response.status_code, replica) == (200, 0)
    assert primary > 0


def test_writes_and_private_tables_always_use_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(Actor) == "default"
    assert router.allow_migrate(REPLICA, "directory") is False
    assert router.allow_migrate("default", "directory") is True
    # Outside a request (management commands), reads are Django's own choice: the primary.
    assert router.db_for_read(Actor) is None
    assert router.db_for_read(User) is None


def test_without_replicas_nothing_is_routed(client, published, settings):
    settings.DATABASE_REPLICAS = []
    response, primary, replica = queries_per_alias(client, "get", published.get_absolute_url())
    assert (response.status_code, replica) == (200, 0)
    assert primary > 0


def test_each_replica_url_becomes_a_mirrored_alias():
    from tests.ess_portal.test_settings import _run

    result = _run(
        "from django.conf import settings; "
        "print(settings.DATABASE_REPLICAS, [settings.DATABASES[a]['HOST'] for a in settings.DATABASE_REPLICAS], "
        "settings.DATABASES['replica_2']['TEST'])",
        DEBUG="1",
        DATABASE_REPLICA_URLS="postgres://reader@replica-a:5432/ess, postgres://reader@replica-b:5432/ess",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['replica_1', 'replica_2'] ['replica-a', 'replica-b'] {'MIRROR': 'default'}"


def test_with_redis_the_cache_and_sessions_are_shared_by_every_app_server():
    from tests.ess_portal.test_settings import _run

    result = _run(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)",
        DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]
