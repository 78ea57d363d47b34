"""Requests a hostile or broken client sends: a clear 4xx (a 503 while the database is away), never a 500."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from directory.models import ActorQuerySet, ApiToken
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(api):
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    etag = api.get(f"/api/v1/actors/{token.organisation.slug}/")["ETag"]
    return token.organisation, {**bearer(raw), "HTTP_IF_MATCH": etag}


def _patch(api, actor, headers, body: bytes):
    return api.generic("PATCH", f"/api/v1/actors/{actor.slug}/", body, content_type="application/json", **headers)


def test_json_nested_ten_thousand_deep_is_a_400(api, writer):
    actor, headers = writer
    response = _patch(api, actor, headers, b"[" * 10_000 + b"]" * 10_000)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "imbriqué" in response.json()["detail"]


def test_a_lone_surrogate_in_a_choice_field_is_a_400_that_can_be_sent(api, writer):
    actor, headers = writer
    response = _patch(api, actor, headers, b'{"legal_form": "\\ud800"}')
    assert response.status_code == 400
    assert "substitut" in response.json()["detail"]
    actor.refresh_from_db()
    assert actor.legal_form == "association"


def test_an_oversized_body_is_a_413_in_the_error_shape(api, writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    actor, headers = writer
    response = _patch(api, actor, headers, b'{"description": "' + b"x" * 2000 + b'"}')
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "code": "payload_too_large",
        "detail": "Corps de requête trop volumineux.",
        "errors": {},
    }


def test_malformed_json_is_a_400_naming_the_problem(api, writer):
    actor, headers = writer
    response = _patch(api, actor, headers, b'{"name": ')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON invalide")


def test_a_nul_byte_in_a_document_path_is_a_404(client):
    assert client.get("/media/projects/documents/x%00.pdf").status_code == 404


def test_an_unexpected_error_under_the_api_is_a_json_500(monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(ActorQuerySet, "for_list", broken)
    response = Client(raise_request_exception=False).get("/api/v1/actors/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"


@pytest.mark.parametrize("path", ["/api/v1/actors/", "/annuaire/"])
def test_while_the_database_is_unreachable_the_answer_is_a_503_with_retry_after(monkeypatch, path):
    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ActorQuerySet, "published", unreachable)
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if path.startswith("/api/"):
        assert response.json()["code"] == "service_unavailable"
    else:
        assert "Service momentanément indisponible" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/api/v1/actors/?format=csv", "/api/v1/actors/?format=geojson", "/annuaire/export.csv"]
)
def test_an_export_whose_rows_cannot_be_read_is_a_503_not_a_cut_stream(path):
    """The export's first rows are read in the view: a database gone by then is a 503, before any byte."""
    factories.actor()

    def unreachable_on_actors(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and '"directory_actor"' in sql:
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(unreachable_on_actors):
        response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert not response.streaming


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}


def test_a_spoofed_x_forwarded_for_does_not_reset_the_anonymous_rate(api, low_rates):
    for n in range(3):
        assert api.get("/api/v1/sectors/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 200
    assert api.get("/api/v1/sectors/", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_client(api, settings, low_rates):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        assert api.get("/api/v1/sectors/", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 200
    assert api.get("/api/v1/sectors/", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # Another client behind the same proxy has its own count.
    assert api.get("/api/v1/sectors/", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200


def test_throttle_counts_live_in_the_shared_database_cache_by_default(api, settings, low_rates):
    from ess_portal import settings as portal_settings

    # The production default (no REDIS_URL): the database, which every app process shares.
    settings.CACHES = portal_settings.CACHES
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    for _ in range(3):
        assert api.get("/api/v1/sectors/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM ess_portal_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_anon" in key for key in keys)
    # Another process's cache object reads the same count.
    from django.core.cache.backends.db import DatabaseCache

    other_worker = DatabaseCache("ess_portal_cache", {})
    key = next(key for key in keys if "throttle_anon" in key).split(":", 2)[-1]
    assert len(other_worker.get(key)) == 3
    assert api.get("/api/v1/sectors/").status_code == 429


def test_an_undeclared_method_is_a_405_whatever_the_query(api):
    response = api.generic("TRACE", "/api/v1/actors/?format=csv&commune=0")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("updated_since=", "updated_since"),
        ("commune=", "commune"),
        ("page=", "page"),
        ("format=", "format"),
        ("available=null", "available"),
        ("available=true&available=false", "available"),
        ("page_size=2&page_size=3", "page_size"),
    ],
)
def test_empty_repeated_or_malformed_parameters_are_400s_naming_them(api, query, parameter):
    path = "/api/v1/sites/" if parameter == "available" else "/api/v1/actors/"
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


def test_an_empty_search_is_no_search_and_repeatable_filters_repeat(api):
    factories.actor(commune=factories.commune("93048"))
    factories.actor(commune=factories.commune("93006"), postal_code="93170")
    assert api.get("/api/v1/actors/?q=").json()["count"] == 2
    assert api.get("/api/v1/actors/?commune=93048&commune=93006").json()["count"] == 2


def test_an_unknown_format_is_a_406(api):
    response = api.get("/api/v1/actors/?format=xml")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_a_number_where_the_schema_says_text_is_a_400(api):
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    response = api.post("/api/v1/actors/", {"name": 0, "legal_form": "association"}, format="json", **bearer(raw))
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["Une chaîne de caractères est attendue."]}
