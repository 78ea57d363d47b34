"""The bulk rows give, to the byte, what the serializer and DRF's renderer give: pages, CSV cells, JSON."""

import csv
import io
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from directory.api.actors import ACTOR_CSV, ActorSerializer, actor_csv_row, actor_queryset
from directory.exports import ActorRows
from directory.models import Actor, Label, Neighbourhood, PublicationStatus, Role, Sector
from ess_portal.api import renderers
from ess_portal.api.formats import geojson_feature, json_bytes
from ess_portal.csv_export import safe_cell
from tests import factories

pytestmark = pytest.mark.django_db


def _varied_actors() -> list[Actor]:
    """Actors with every kind of value: lists in another order than created, None, decimals, formulas."""
    sectors = list(Sector.objects.order_by("-position", "-name")[:3])
    rich = factories.actor(
        name="Épicerie fictive « L'Îlot »",
        commune=factories.commune("93048"),
        latitude=Decimal("48.861234"),
        longitude=Decimal("-0.000050"),
        fte=Decimal("100.0"),
        employees=0,
        volunteers=12,
        founded_year=2011,
        neighbourhood=Neighbourhood.objects.filter(communes__insee_code="93048").first(),
        last_verified_at="2024-05-06",
        description='Ligne 1\nLigne 2 ; « guillemets » "doubles" \u2028 séparateur',
        website="https://epicerie.example.org",
        serves_whole_territory=True,
    )
    rich.sectors.set(sectors)
    rich.roles.set(Role.objects.order_by("-position")[:2])
    rich.labels.set(Label.objects.all()[:2])
    rich.communes_served.set([factories.commune("93048"), factories.commune("93006"), factories.commune("93010")])
    bare = factories.actor(name="=Structure sans rien", postal_code="", website="", email="")
    # Values the model's checks would refuse, as older records may hold them.
    Actor.objects.filter(pk=bare.pk).update(commune=None, phone="+33 1 23 45 67 89")
    small = factories.actor(name="-Petite structure")
    Actor.objects.filter(pk=small.pk).update(latitude=Decimal("0.000001"), longitude=Decimal("2.5"))
    small.sectors.set(sectors[:1])
    factories.actor(name="Brouillon caché", status=PublicationStatus.DRAFT)
    factories.actor(name="Archivée cachée", status=PublicationStatus.ARCHIVED)
    return [rich, bare, small]


def test_a_page_of_bulk_records_is_the_serializer_s_payload(api):
    _varied_actors()
    queryset = actor_queryset().published().order_by("name", "pk")
    expected = ActorSerializer(queryset, many=True).data
    assert ActorRows.of_page(list(queryset), ActorSerializer()) == expected
    body = api.get("/api/v1/actors/").json()
    assert body["results"] == json.loads(JSONRenderer().render(expected))
    assert "Brouillon caché" not in json.dumps(body) and "Archivée cachée" not in json.dumps(body)


def test_the_list_s_json_bytes_and_cursor_links_are_those_of_the_serializer(api):
    _varied_actors()
    for n in range(4):
        factories.actor(name=f"Structure fictive {n}")
    queryset = actor_queryset().published().order_by("name", "pk")
    expected = ActorSerializer(queryset, many=True).data
    seen = []
    response = api.get("/api/v1/actors/", {"page_size": 2})
    while True:
        body = response.json()
        seen.extend(body["results"])
        if body["next"] is None:
            break
        response = api.get(body["next"])
    assert seen == json.loads(JSONRenderer().render(expected))
    page = api.get("/api/v1/actors/", {"page_size": 3})
    records = ActorSerializer(queryset[:3], many=True).data
    assert json.loads(page.content)["results"] == json.loads(JSONRenderer().render(records))


def test_json_bytes_are_drf_s_rendering():
    _varied_actors()
    data = list(ActorSerializer(actor_queryset().published(), many=True).data)
    data.append(
        {
            "tiny": [Decimal(x) for x in ("1E-7", "-0.00005", "0.0001", "0.000", "1E16")],
            "text": '\u2028\u2029\x00\x1f"\\é😀',
        }
    )
    assert json_bytes(data) == JSONRenderer().render(data)
    for record in data[:-1]:
        feature = geojson_feature(record, record["latitude"], record["longitude"])
        reference = {**feature}
        if feature["geometry"] is not None:
            coordinates = [float(record["longitude"]), float(record["latitude"])]
            reference["geometry"] = {"type": "Point", "coordinates": coordinates}
        assert json_bytes(feature) == JSONRenderer().render(reference)


def test_the_api_renders_with_orjson_and_falls_back_on_drf_for_what_orjson_refuses():
    ours, drf = renderers.JSONRenderer(), JSONRenderer()
    data = {"name": "Épicerie « fictive »\u2028", "n": Decimal("48.861234"), "list": [1, None, True]}
    assert ours.render(data) == drf.render(data)
    indented = "application/json; indent=2"
    assert ours.render(data, indented) == drf.render(data, indented)
    assert b"\n  " in ours.render(data, indented)
    # Keys that are not text and integers beyond 64 bits: orjson refuses them, DRF's renderer writes them.
    odd = {1: "un", "big": 2**70}
    assert ours.render(odd) == drf.render(odd)
    assert ours.render(None) == b""


def test_every_api_answer_goes_through_the_orjson_renderer(client):
    from rest_framework.settings import api_settings

    assert [renderers.JSONRenderer] == api_settings.DEFAULT_RENDERER_CLASSES
    response = client.get("/api/v1/actors/")
    assert isinstance(response.accepted_renderer, renderers.JSONRenderer)


def test_streamed_exports_are_the_serialized_records_cell_for_cell(api):
    _varied_actors()
    queryset = actor_queryset().published().order_by("name", "pk")
    records = ActorSerializer(queryset, many=True).data
    header = ACTOR_CSV.header()
    expected = [header] + [[safe_cell(actor_csv_row(data)[column]) for column in header] for data in records]
    body = b"".join(api.get("/api/v1/actors/", {"format": "csv"}).streaming_content).decode()
    assert list(csv.reader(io.StringIO(body))) == expected
    geojson = b"".join(api.get("/api/v1/actors/", {"format": "geojson"}).streaming_content)
    features = [
        {
            "type": "Feature",
            "geometry": None
            if data["latitude"] is None
            else {"type": "Point", "coordinates": [float(data["longitude"]), float(data["latitude"])]},
            "properties": data,
        }
        for data in records
    ]
    reference = b'{"type": "FeatureCollection", "features": [' + b",".join(map(JSONRenderer().render, features))
    assert geojson == reference + b"]}"
