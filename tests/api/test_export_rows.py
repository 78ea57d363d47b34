"""The bulk row path of the actor exports gives exactly the serialized records, in any number of chunks."""

import json
from decimal import Decimal
from unittest import mock

import pytest

from directory.api.actors import ActorSerializer
from directory.exports import ActorRows
from directory.models import Actor, Label, Neighbourhood, PublicationStatus, Role, Sector
from ess_portal import streams
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    """Two rows per round trip, so that a few actors already span several chunks."""
    monkeypatch.setattr(streams, "STREAM_CHUNK_SIZE", 2)
    monkeypatch.setattr(streams.server_side_rows, "__defaults__", (2,))


def _varied_actors() -> list[Actor]:
    sectors = list(Sector.objects.order_by("-position", "-name")[:3])
    neighbourhood = Neighbourhood.objects.filter(communes__insee_code="93048").first()
    rich = factories.actor(
        name="Épicerie fictive « L'Îlot »",
        commune=factories.commune("93048"),
        postal_code="93100",
        latitude=Decimal("48.861234"),
        longitude=Decimal("2.443210"),
        fte=Decimal("2.5"),
        employees=3,
        founded_year=2011,
        neighbourhood=neighbourhood,
        last_verified_at="2024-05-06",
    )
    rich.sectors.set(sectors)
    rich.roles.set(Role.objects.all()[:2])
    rich.labels.set(Label.objects.all()[:2])
    rich.communes_served.set([factories.commune("93048"), factories.commune("93006"), factories.commune("93010")])
    bare = factories.actor(name="=Structure sans rien", commune=None, postal_code="", website="", email="")
    others = [factories.actor(name=f"Structure fictive {n}") for n in range(3)]
    others[0].sectors.set(sectors[:1])
    factories.actor(name="Brouillon caché", status=PublicationStatus.DRAFT)
    return [rich, bare, *others]


def test_bulk_rows_are_the_serialized_records_across_chunks(small_chunks):
    _varied_actors()
    queryset = Actor.objects.published().for_list().prefetch_related("roles", "labels", "communes_served")
    expected = [dict(data) for data in ActorSerializer(queryset.order_by("name", "pk"), many=True).data]
    rows = list(ActorRows(queryset.order_by("name", "pk"), ActorSerializer()))
    assert rows == expected
    assert [list(row) for row in rows] == [list(data) for data in expected]


def test_exports_span_several_chunks_whole(api, small_chunks):
    actors = _varied_actors()
    geojson = json.loads(b"".join(api.get("/api/v1/actors/", {"format": "geojson"}).streaming_content))
    assert len(geojson["features"]) == len(actors)
    lines = b"".join(api.get("/api/v1/actors/", {"format": "csv"}).streaming_content).decode().splitlines()
    assert len(lines) == len(actors) + 1
    # Every cell still goes through safe_cell.
    assert any(line.startswith(",") is False and "'=Structure sans rien" in line for line in lines)


@pytest.mark.parametrize("size", [3, 9])
def test_export_queries_do_not_grow_with_rows_or_chunks(api, small_chunks, django_assert_num_queries, size):
    for n in range(size):
        factories.actor(name=f"Structure fictive {n}").sectors.set(Sector.objects.all()[:2])
    # the reference lists (sectors, roles, labels, communes: one query), then the actors (related ids
    # aggregated in the same query)
    for export in ("csv", "geojson"):
        with django_assert_num_queries(2):
            body = b"".join(api.get("/api/v1/actors/", {"format": export}).streaming_content)
        assert body


@pytest.mark.parametrize("export", ["csv", "geojson"])
def test_a_stream_cut_half_way_is_logged_and_never_ends_as_a_whole_one(api, monkeypatch, export):
    _varied_actors()
    real_iter = ActorRows.__iter__

    def broken(self):
        rows = real_iter(self)
        yield next(rows)
        raise RuntimeError("canceling statement due to statement timeout")

    monkeypatch.setattr(ActorRows, "__iter__", broken)
    # One row per chunk: the first chunk (made in the view) is sent, the break comes after it.
    monkeypatch.setattr("ess_portal.csv_export.CHUNK_SIZE", 1)
    monkeypatch.setattr("ess_portal.api.formats.CHUNK_SIZE", 1)
    response = api.get("/api/v1/actors/", {"format": export})
    assert response.status_code == 200
    received = []
    with mock.patch.object(streams.logger, "exception") as log, pytest.raises(RuntimeError):
        for chunk in response.streaming_content:
            received.append(chunk)
    assert log.call_count == 1 and "interrupted" in log.call_args[0][0]
    if export == "geojson":
        assert not b"".join(received).endswith(b"]}")
