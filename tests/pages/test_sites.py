"""The sites and premises page: available and occupied sites, filters, a map."""

import json
from decimal import Decimal

import pytest

from directory.models import PublicationStatus
from projects.models import Site
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


def _sites(size: int):
    occupant = factories.actor(name="Occupant fictif")
    sites = []
    for n in range(size):
        site = project_factories.site(
            name=f"Local fictif {n}",
            commune=factories.commune(["93048", "93055"][n % 2]),
            postal_code=["93100", "93500"][n % 2],
            pipeline_stage=[Site.Pipeline.NEGOTIATING, Site.Pipeline.OCCUPIED][n % 2],
            kind=[Site.Kind.GROUND_FLOOR, Site.Kind.VACANT_LAND][n % 2],
            latitude=Decimal("48.86") + Decimal(n) / 1000,
            longitude=Decimal("2.44"),
            surface_m2=Decimal("80"),
        )
        site.occupants.set([occupant])
        initiative = project_factories.initiative(title=f"Projet du local fictif {n}")
        initiative.sites.set([site])
        sites.append(site)
    return sites


def test_page_lists_published_sites_with_stage_occupants_and_initiatives(client):
    _sites(2)
    project_factories.site(name="Lieu brouillon", publication_status=PublicationStatus.DRAFT)
    content = client.get("/lieux/").content.decode()
    assert "Local fictif 0" in content and "Local fictif 1" in content
    assert "Lieu brouillon" not in content
    assert "En négociation" in content and "Occupé" in content
    assert "Occupant fictif" in content and "Projet du local fictif 0" in content


def test_map_markers_follow_the_filters(client):
    _sites(4)
    response = client.get("/lieux/?commune=93055")
    markers = response.context["markers"]
    assert [marker["name"] for marker in markers] == ["Local fictif 1", "Local fictif 3"]
    assert json.dumps(markers[0]["name"]) in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?available=true", {"Local fictif 0", "Local fictif 2"}),
        ("?available=false", {"Local fictif 1", "Local fictif 3"}),
        ("?pipeline_stage=occupied", {"Local fictif 1", "Local fictif 3"}),
        ("?kind=vacant_land", {"Local fictif 1", "Local fictif 3"}),
        ("?commune=93048", {"Local fictif 0", "Local fictif 2"}),
        ("?q=LOCAL fictif 2", {"Local fictif 2"}),
    ],
)
def test_filters(client, query, expected):
    _sites(4)
    response = client.get("/lieux/" + query)
    assert {site.name for site in response.context["page_obj"].object_list} == expected


@pytest.mark.parametrize(
    "query",
    ["?commune=00000", "?kind=chateau", "?available=peut-etre", "?page=99999", "?q=<img src=x onerror=alert(1)>"],
)
def test_hostile_query_strings_never_fail_and_are_escaped(client, query):
    _sites(1)
    response = client.get("/lieux/" + query)
    assert response.status_code == 200
    assert b"<img src=x" not in response.content


@pytest.mark.parametrize("size", [2, 8])
def test_page_queries_do_not_grow(client, django_assert_num_queries, size):
    _sites(size)
    # data version (kept page), count, page rows, occupants, initiatives, next events, counts per stage,
    # map markers, communes, neighbourhoods
    with django_assert_num_queries(10):
        assert client.get("/lieux/").status_code == 200
