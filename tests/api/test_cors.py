"""Cross-origin reads of the API: a partner's map in a browser may read, never write with cookies."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

ORIGIN = "https://carte.partenaire.example"


def test_an_anonymous_cross_origin_read_is_allowed_for_any_origin(api):
    factories.actor()
    response = api.get("/api/v1/actors/", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = {header.strip().lower() for header in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "link", "last-modified", "retry-after", "content-disposition"} <= exposed


def test_a_read_preflight_is_granted_without_credentials(api):
    response = api.options(
        "/api/v1/actors/",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "if-none-match" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_a_write_preflight_is_not_granted(api, method):
    response = api.options(
        "/api/v1/actors/",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert method not in response.get("Access-Control-Allow-Methods", "")
    assert "content-type" not in response.get("Access-Control-Allow-Headers", "")
    assert "Access-Control-Allow-Credentials" not in response


def test_pages_outside_the_api_send_no_cors_header(client):
    response = client.get("/annuaire/", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
