"""What standard third-party clients send and expect: GDAL/QGIS, browsers of partners' maps."""

import json

import pytest

from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

# What GDAL's GeoJSON driver (QGIS « ajouter une couche depuis une URL », ogrinfo, ogr2ogr) sends.
GDAL_ACCEPT = "text/plain, application/json"


@pytest.mark.parametrize("accept", [GDAL_ACCEPT, "application/json", "*/*", "text/html"])
@pytest.mark.parametrize("resource", ["actors", "sites"])
def test_an_explicit_geojson_format_wins_over_the_accept_header(api, resource, accept):
    if resource == "actors":
        factories.actor(latitude="48.880000", longitude="2.420000")
    else:
        project_factories.site()
    response = api.get(f"/api/v1/{resource}/?format=geojson", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 1


@pytest.mark.parametrize("accept", ["text/plain", "application/json"])
def test_an_explicit_csv_format_wins_over_the_accept_header(api, accept):
    factories.actor()
    response = api.get("/api/v1/actors/?format=csv", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_without_a_format_the_accept_header_still_decides(api):
    assert api.get("/api/v1/actors/", HTTP_ACCEPT="application/geo+json").status_code == 200
    assert api.get("/api/v1/actors/", HTTP_ACCEPT="application/xml").status_code == 406


def test_an_unknown_format_is_still_a_406_whatever_the_accept_header(api):
    response = api.get("/api/v1/actors/?format=xml", HTTP_ACCEPT=GDAL_ACCEPT)
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
