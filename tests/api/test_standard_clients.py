"""What standard third-party clients send and expect: GDAL/QGIS, browsers of partners' maps."""

import json
import keyword
import re

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


# -- Generated clients (openapi-generator's Python client turns each component into a class and
# each enum member into a constant: a component it cannot name or type is code that does not compile)

PYTHON_BASES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def enum_member_name(value) -> str:
    """The constant openapi-generator's Python client makes of an enum value."""
    name = re.sub(r"\W+", "_", str(value), flags=re.ASCII).strip("_").upper()
    return f"NUMBER_{name}" if name[:1].isdigit() else name


def enum_module(name: str, component: dict) -> str:
    """The enum class a generated client would declare for `component`."""
    members = "\n".join(f"    {enum_member_name(value)} = {value!r}" for value in component["enum"])
    return f"from enum import Enum\n\n\nclass {name}({PYTHON_BASES.get(component.get('type'), '')}, Enum):\n{members}\n"


@pytest.fixture
def components(api):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def test_every_component_name_is_a_python_class_name(components):
    for name in components:
        assert name.isidentifier() and not keyword.iskeyword(name), name


def test_every_enum_component_compiles_as_a_python_enum(components):
    enums = {name: component for name, component in components.items() if "enum" in component}
    assert "PublicationStatusEnum" in enums
    for name, component in enums.items():
        assert component.get("type") in PYTHON_BASES, name
        members = [enum_member_name(value) for value in component["enum"]]
        assert all(member.isidentifier() for member in members), (name, members)
        assert len(set(members)) == len(members), (name, members)
        compile(enum_module(name, component), f"{name}.py", "exec")


def test_the_enum_check_catches_the_null_enum_generators_choke_on():
    with pytest.raises(SyntaxError):
        compile(enum_module("NullEnum", {"enum": [None]}), "NullEnum.py", "exec")


def test_every_property_name_is_a_python_attribute_name(components):
    for name, component in components.items():
        for prop in component.get("properties", {}):
            assert prop.isidentifier() and not keyword.iskeyword(prop), (name, prop)
