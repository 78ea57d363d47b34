import pytest

from directory.models import ApiToken
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "token": "5/minute"},
    }


def test_anonymous_callers_are_throttled_with_a_429(api, low_rates):
    for _ in range(3):
        assert api.get("/api/v1/sectors/").status_code == 200
    response = api.get("/api/v1/sectors/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 429
    assert body["code"] == "throttled"
    assert body["errors"] == {}


def test_tokens_have_their_own_rate(api, low_rates):
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    for _ in range(3):
        api.get("/api/v1/sectors/")
    assert api.get("/api/v1/sectors/").status_code == 429
    for _ in range(5):
        assert api.get("/api/v1/sectors/", **bearer(raw)).status_code == 200
    assert api.get("/api/v1/sectors/", **bearer(raw)).status_code == 429


def test_404_has_the_error_shape(api):
    response = api.get("/api/v1/actors/inconnu/")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "detail": "Ressource introuvable.", "errors": {}}


def test_unacceptable_accept_header_is_a_406(api):
    response = api.get("/api/v1/sectors/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert response.json()["status"] == 406


HOSTILE_VALUES = [
    "\x00",
    "a\x00b",
    "'; DROP TABLE directory_actor; --",
    "%",
    "_",
    "é" * 5000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "9" * 40,
    "-1",
    "1e309",
    " ",
]
LISTS = [
    ("/api/v1/actors/", ["q", "commune", "sector", "legal_form", "typology", "siret", "updated_since", "bbox"]),
    ("/api/v1/initiatives/", ["q", "axis", "status", "commune", "actor", "updated_since"]),
    ("/api/v1/sites/", ["q", "kind", "commune", "available", "bbox"]),
    ("/api/v1/support-offers/", ["stage", "kind", "commune", "typology", "sector", "updated_since"]),
    ("/api/v1/sectors/", ["page", "page_size", "ordering"]),
]


@pytest.fixture
def high_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "token": "100000/minute"},
    }


@pytest.mark.parametrize(("path", "params"), LISTS)
def test_hostile_query_strings_never_cause_a_500(api, high_rates, path, params):
    factories.actor()
    for param in [*params, "page", "page_size", "ordering", "format"]:
        for value in HOSTILE_VALUES:
            response = api.get(path, {param: value})
            assert response.status_code in (200, 400, 404, 406), (param, value, response.status_code)
            if response.status_code != 200:
                assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    "path", ["/api/v1/actors/{}/", "/api/v1/initiatives/{}/", "/api/v1/sites/{}/", "/api/v1/communes/{}/"]
)
def test_hostile_lookups_are_404(api, path):
    for value in ["%00", "a%00b", "%C3%A9" * 300, "'%20OR%201=1"]:
        response = api.get(path.format(value))
        assert response.status_code == 404, value


def test_hostile_write_bodies_are_400_never_500(api):
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    bodies = [
        {"name": None, "legal_form": None},
        {"name": ["liste"], "legal_form": {"objet": 1}},
        {"name": "Fictif", "legal_form": "association", "latitude": "abc", "longitude": "1e309"},
        {"name": "Fictif", "legal_form": "association", "employees": -5, "founded_year": 99999},
        {"name": "Fictif", "legal_form": "association", "sectors": "pas-une-liste"},
        {"name": "Fictif", "legal_form": "association", "sectors": [None, 1, {"a": 1}]},
        {"name": "Fictif", "legal_form": "association", "email": "pas un e-mail", "website": "javascript:alert(1)"},
        {"name": "x" * 10_000, "legal_form": "association"},
        {"name": "Fictif", "legal_form": "association", "opening_hours": "n'importe quand"},
        {"name": "Fictif", "legal_form": "association", "phone": "12"},
        {"name": "Fictif", "legal_form": "association", "commune": ["93048"]},
    ]
    for body in bodies:
        response = api.post("/api/v1/actors/", data=body, format="json", **bearer(raw))
        assert response.status_code == 400, (body, response.status_code)
        assert response.json()["errors"], body
    for raw_body in [
        '{"name": "Fictif", "legal_form": "association", "latitude": 1e309, "longitude": NaN}',
        '"x"',
        "null",
    ]:
        response = api.post("/api/v1/actors/", data=raw_body, content_type="application/json", **bearer(raw))
        assert response.status_code == 400, raw_body
