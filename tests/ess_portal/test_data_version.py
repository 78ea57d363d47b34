"""The data version and what is kept by it: every write, by any path, changes what is served at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory import moderation
from directory.models import Actor, ApiToken, ChangeRequest, PublicationStatus, Sector
from ess_portal import dataversion, response_cache
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import is_postgres
from tests.directory.test_imports import edit, export_file, run_file

pytestmark = pytest.mark.django_db


def test_every_content_table_has_the_trigger():
    tables = set(dataversion.content_tables())
    assert "directory_actor" in tables and "projects_initiative" in tables
    assert "directory_actor_sectors" in tables  # links between records too
    assert "directory_apitoken" not in tables  # written at each use of a token: not content
    assert dataversion.installed_triggers() >= tables


def test_each_kind_of_write_advances_the_version():
    actor = factories.actor()
    writes = [
        lambda: factories.actor(),
        lambda: Actor.objects.filter(pk=actor.pk).update(offer="Une offre."),
        lambda: actor.sectors.add(Sector.objects.first()),
        lambda: Actor.objects.bulk_create([Actor(name="Bulk fictif", slug="bulk-fictif")]),
        lambda: Actor.objects.filter(slug="bulk-fictif").delete(),
    ]
    for write in writes:
        before = dataversion.current()
        write()
        assert dataversion.current() > before


def test_a_raw_sql_write_advances_it_too():
    actor = factories.actor()
    before = dataversion.current()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_actor SET offer = %s WHERE id = %s", ["Écrit à la main.", actor.pk])
    assert dataversion.current() > before


def test_a_token_stamped_at_use_leaves_it():
    token, _raw = factories.api_token()
    before = dataversion.current()
    ApiToken.objects.filter(pk=token.pk).update(name="Autre nom")
    assert dataversion.current() == before


def test_a_repeated_anonymous_page_is_served_kept_with_one_query(client, django_assert_num_queries):
    factories.actor(name="Atelier fictif gardé")
    first = client.get("/annuaire/")
    with django_assert_num_queries(1):  # the data version
        again = client.get("/annuaire/")
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    with django_assert_num_queries(1):
        assert client.get("/annuaire/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_conditional_api_request_that_finds_nothing_kept_leaves_the_answer_for_the_next(
    client, django_assert_num_queries
):
    factories.actor()
    etag = client.get("/api/v1/actors/", HTTP_ACCEPT="application/json")["ETag"]
    # Another Accept header: another kept answer, none yet. The first conditional request makes the
    # answer (a 304 all the same) and keeps it; the next one is answered from it.
    first = client.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=etag)
    assert first.status_code == 304
    with django_assert_num_queries(1):  # the data version
        again = client.get("/api/v1/actors/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert client.get("/api/v1/actors/").status_code == 200


def test_a_signed_in_visitor_gets_a_page_made_for_them(client, admin_user):
    factories.actor()
    kept = client.get("/annuaire/")
    assert "Cookie" in kept["Vary"]  # shared caches must not give it to signed-in visitors either
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/annuaire/").status_code == 200
    assert len(queries) > 2  # the session, the user, the page's own queries: not the kept answer


def test_answers_that_set_a_cookie_or_use_a_form_token_are_not_kept(client, rf):
    request = rf.get("/annuaire/")
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    from django.http import HttpResponse

    assert not response_cache.response_is_cacheable(request, HttpResponse("x"))
    response = HttpResponse("x")
    response.set_cookie("a", "b")
    assert not response_cache.response_is_cacheable(rf.get("/annuaire/"), response)
    assert response_cache.response_is_cacheable(rf.get("/annuaire/"), HttpResponse("x"))


def test_api_answers_are_kept_after_the_throttle_and_not_for_tokens(django_assert_num_queries):
    from rest_framework.test import APIClient

    api = APIClient()
    factories.actor(name="Atelier fictif")
    first = api.get("/api/v1/actors/")
    with django_assert_num_queries(1):
        again = api.get("/api/v1/actors/")
    assert again.json() == first.json()
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    factories.actor(name="Brouillon fictif", status=PublicationStatus.DRAFT)
    # A token reading unpublished records never gets the anonymous answer (nor does it keep its own).
    names = {row["name"] for row in api.get("/api/v1/actors/", **bearer(raw)).json()["results"]}
    assert "Brouillon fictif" in names
    assert "Brouillon fictif" not in {row["name"] for row in api.get("/api/v1/actors/").json()["results"]}


def names_served(client, url="/annuaire/") -> str:
    return client.get(url).content.decode()


def test_an_admin_action_changes_the_kept_page_at_once(client, admin_client):
    actor = factories.actor(name="Ressourcerie fictive des Lilas")
    assert "Ressourcerie fictive des Lilas" in names_served(client)
    admin_client.post(
        reverse("admin:directory_actor_changelist"), {"action": "archive", "_selected_action": [str(actor.pk)]}
    )
    assert Actor.objects.get(pk=actor.pk).status == PublicationStatus.ARCHIVED
    assert "Ressourcerie fictive des Lilas" not in names_served(client)


def test_an_api_write_changes_the_kept_record_at_once():
    from rest_framework.test import APIClient

    api = APIClient()
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED])
    url = f"/api/v1/actors/{token.organisation.slug}/"
    before = api.get(url)
    assert api.get(url).json() == before.json()  # kept
    response = api.patch(
        url, {"offer": "Une offre toute neuve."}, format="json", HTTP_IF_MATCH=before["ETag"], **bearer(raw)
    )
    assert response.status_code == 200
    after = api.get(url)
    assert after.json()["offer"] == "Une offre toute neuve."
    assert after["ETag"] != before["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_moderation_decision_changes_the_kept_page_at_once(client, admin_user):
    actor = factories.actor(name="Épicerie fictive du canal")
    page = actor.get_absolute_url()
    assert "Une offre validée." not in names_served(client, page)
    token, _raw = factories.api_token(organisation=actor, scopes=[ApiToken.Scope.WRITE_ACTORS])
    request = moderation.submit(
        kind=ChangeRequest.Kind.PARTNER, actor=actor, changes={"offer": "Une offre validée."}, token=token
    )
    assert "Une offre validée." not in names_served(client, page)
    moderation.approve(request, moderator=admin_user)
    assert "Une offre validée." in names_served(client, page)


def test_an_import_changes_the_kept_page_at_once(client, tmp_path):
    actor = factories.actor(name="Atelier fictif des Malassis", phone="01 99 00 12 34")
    page = actor.get_absolute_url()
    assert "01 99 00 12 34" in names_served(client, page)
    path = edit(export_file(client, tmp_path), actor.slug, "téléphone", "0199005678")
    assert run_file(path).written
    assert "01 99 00 56 78" in names_served(client, page)


def test_the_list_count_follows_writes():
    from rest_framework.test import APIClient

    api = APIClient()
    factories.actor()
    assert api.get("/api/v1/actors/", {"page_size": 1}).json()["count"] == 1
    factories.actor()
    assert api.get("/api/v1/actors/", {"page_size": 1}).json()["count"] == 2


@pytest.mark.skipif(not is_postgres(), reason="Django advances the version after commits on PostgreSQL only")
def test_migrating_a_new_database_writes_no_error(tmp_path):
    """The migrations' own writes come before the version's storage exists: they leave it alone."""
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from django.conf import settings

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "SECRET_KEY": "x"}
    import psycopg

    default = settings.DATABASES["default"]
    created = f"ess_migrate_{uuid.uuid4().hex[:8]}"
    admin = f"postgres://{default['USER'] or 'postgres'}@{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}"
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {created}")
    env["DATABASE_URL"] = f"{admin}/{created}"
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {created}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
