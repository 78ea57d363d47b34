"""/api/v1/cooperations/: published links only, the network page's filters, every format, conditional reads."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import timezone

from directory.models import ApiToken, Cooperation, PublicationStatus, Typology
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

HIDDEN = ("Fiche brouillon API", "Fiche archivée API")
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture
def links():
    montreuil = factories.actor(
        name="Épicerie fictive API",
        slug="epicerie-fictive-api",
        typology=Typology.ENTREPRENEURIAL,
        latitude=Decimal("48.86"),
        longitude=Decimal("2.44"),
    )
    bagnolet = factories.actor(
        name="Atelier fictif API",
        commune=factories.commune("93006"),
        postal_code="93170",
        typology=Typology.MILITANT,
        latitude=Decimal("48.87"),
        longitude=Decimal("2.42"),
    )
    pantin = factories.actor(name="Jardin fictif API", commune=factories.commune("93055"), postal_code="93500")
    formal = factories.cooperation(
        source=montreuil, target=bagnolet, kind=Cooperation.Kind.PARTNERSHIP, is_formal=True, since="2020-03-01"
    )
    informal = factories.cooperation(source=bagnolet, target=pantin, kind=Cooperation.Kind.SUPPLY, description="=1+1")
    draft = factories.actor(name=HIDDEN[0], status=PublicationStatus.DRAFT)
    archived = factories.actor(name=HIDDEN[1], status=PublicationStatus.ARCHIVED)
    factories.cooperation(source=draft, target=montreuil)
    factories.cooperation(source=bagnolet, target=archived)
    return {"formal": formal, "informal": informal, "montreuil": montreuil, "bagnolet": bagnolet, "pantin": pantin}


def consume(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_list_gives_published_links_with_both_ends_named(api, links):
    response = api.get("/api/v1/cooperations/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and data["previous"] is None and data["next"] is None
    formal = links["formal"]
    formal.refresh_from_db()
    assert data["results"][0] == {
        "id": formal.pk,
        "source": {"slug": "epicerie-fictive-api", "name": "Épicerie fictive API"},
        "target": {"slug": links["bagnolet"].slug, "name": "Atelier fictif API"},
        "kind": "partnership",
        "is_formal": True,
        "since": "2020-03-01",
        "description": "",
        "created_at": data["results"][0]["created_at"],
        "updated_at": data["results"][0]["updated_at"],
    }
    assert data["results"][1]["id"] == links["informal"].pk
    assert api.get(f"/api/v1/cooperations/{formal.pk}/").json()["kind"] == "partnership"


def test_no_unpublished_actor_appears_in_any_format_nor_any_count(api, links):
    hidden_links = Cooperation.objects.exclude(pk__in=[links["formal"].pk, links["informal"].pk])
    for hidden in hidden_links:
        assert api.get(f"/api/v1/cooperations/{hidden.pk}/").status_code == 404
    # A token that may read unpublished records reads the same network.
    _token, secret = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    for query in ("", "?format=csv", "?format=geojson", "graph/", "graph/?format=graphml"):
        for headers in ({}, bearer(secret)):
            body = consume(api.get(f"/api/v1/cooperations/{query}", **headers)).decode()
            for name in HIDDEN:
                assert name not in body, query
    assert api.get("/api/v1/cooperations/", **bearer(secret)).json()["count"] == 2


def test_filters_are_those_of_the_network_page(api, links):
    def ids(query):
        response = api.get("/api/v1/cooperations/", query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    formal, informal = links["formal"].pk, links["informal"].pk
    assert ids({"commune": "93055"}) == [informal]
    assert ids({"commune": ["93055", "93048"]}) == [formal, informal]
    assert ids({"kind": "supply"}) == [informal]
    assert ids({"formal": "true"}) == [formal]
    assert ids({"formal": "false"}) == [informal]
    assert ids({"updated_since": "2999-01-01T00:00:00Z"}) == []
    assert ids({"ordering": "-updated_at"}) == [informal, formal]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"commune": "99999"}, "commune"),
        ({"sector": "pas-un-secteur"}, "sector"),
        ({"kind": "friendship"}, "kind"),
        ({"formal": "yes"}, "formal"),
        ({"updated_since": "hier"}, "updated_since"),
        ({"formal": ""}, "formal"),
        ({"ordering": "name"}, "ordering"),
        ({"cursor": "pas-un-curseur"}, "cursor"),
    ],
)
def test_bad_filter_values_are_400s_naming_the_parameter(api, links, query, field):
    for path in ("/api/v1/cooperations/", "/api/v1/cooperations/graph/"):
        if path.endswith("graph/") and field in ("ordering", "cursor"):
            continue
        response = api.get(path, query)
        assert response.status_code == 400, (path, query)
        assert field in response.json()["errors"]


def test_unknown_ids_and_formats_answer_as_for_unpublished_records(api, links):
    assert api.get("/api/v1/cooperations/999999/").status_code == 404
    assert api.get("/api/v1/cooperations/abc/").status_code == 404
    assert api.get("/api/v1/cooperations/", {"format": "xml"}).status_code == 406
    assert api.get("/api/v1/cooperations/graph/", {"format": "csv"}).status_code == 406


def test_keyset_pagination_follows_next_links(api, links):
    first = api.get("/api/v1/cooperations/", {"page_size": 1}).json()
    assert "cursor=" in first["next"]
    second = api.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == [links["formal"].pk, links["informal"].pk]
    assert second["next"] is None


def test_csv_comes_from_the_csv_module_with_formulas_neutralised(api, links):
    response = api.get("/api/v1/cooperations/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "schemas/cooperations.json" in response["Link"]
    rows = list(csv.DictReader(io.StringIO(consume(response).decode())))
    assert [(row["source_slug"], row["target_name"], row["kind"], row["is_formal"]) for row in rows] == [
        ("epicerie-fictive-api", "Atelier fictif API", "partnership", "true"),
        (links["bagnolet"].slug, "Jardin fictif API", "supply", "false"),
    ]
    assert rows[1]["description"] == "'=1+1"
    assert rows[0]["since"] == "2020-03-01"
    schema = api.get("/api/v1/schemas/cooperations.json").json()
    assert [field["name"] for field in schema["fields"]] == list(rows[0])


def test_geojson_draws_a_line_between_two_located_actors(api, links):
    response = api.get("/api/v1/cooperations/", {"format": "geojson"})
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(consume(response))
    assert data["type"] == "FeatureCollection"
    # Pantin's garden has no coordinates: its link is not drawn.
    assert [feature["geometry"] for feature in data["features"]] == [
        {"type": "LineString", "coordinates": [[2.44, 48.86], [2.42, 48.87]]}
    ]
    assert data["features"][0]["properties"]["id"] == links["formal"].pk


def test_the_graph_is_json_graph_format_by_default(api, links):
    response = api.get("/api/v1/cooperations/graph/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(consume(response))
    graph = data["graph"]
    assert graph["directed"] is True
    assert set(graph["nodes"]) == {"epicerie-fictive-api", links["bagnolet"].slug, links["pantin"].slug}
    assert graph["nodes"]["epicerie-fictive-api"] == {
        "label": "Épicerie fictive API",
        "metadata": {
            "typology": "entrepreneurial",
            "commune_insee_code": "93048",
            "commune_name": "Montreuil",
            "latitude": 48.86,
            "longitude": 2.44,
            "url": "http://testserver/annuaire/epicerie-fictive-api/",
        },
    }
    assert [(edge["source"], edge["target"], edge["relation"]) for edge in graph["edges"]] == [
        ("epicerie-fictive-api", links["bagnolet"].slug, "partnership"),
        (links["bagnolet"].slug, links["pantin"].slug, "supply"),
    ]
    assert graph["edges"][0]["metadata"]["is_formal"] is True


def test_the_graph_is_graphml_on_request_and_filtered_like_the_list(api, links):
    response = api.get("/api/v1/cooperations/graph/", {"format": "graphml", "kind": "supply"})
    assert response["Content-Type"] == "application/graphml+xml; charset=utf-8"
    root = ET.fromstring(consume(response))
    graph = root.find(f"{GRAPHML}graph")
    assert graph.get("edgedefault") == "directed"
    assert sorted(node.get("id") for node in graph.iter(f"{GRAPHML}node")) == sorted(
        [links["bagnolet"].slug, links["pantin"].slug]
    )
    edges = list(graph.iter(f"{GRAPHML}edge"))
    assert [(edge.get("source"), edge.get("target")) for edge in edges] == [
        (links["bagnolet"].slug, links["pantin"].slug)
    ]
    data = {item.get("key"): item.text for item in edges[0]}
    assert data == {"kind": "supply", "is_formal": "false", "updated_at": data["updated_at"]}


def test_the_graph_answers_304_to_its_etag_until_the_data_changes(api, links):
    first = api.get("/api/v1/cooperations/graph/")
    etag = first["ETag"]
    consume(first)
    assert api.get("/api/v1/cooperations/graph/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another format is another body.
    assert api.get("/api/v1/cooperations/graph/?format=graphml", HTTP_IF_NONE_MATCH=etag).status_code == 200
    links["pantin"].status = PublicationStatus.ARCHIVED
    links["pantin"].save()
    again = api.get("/api/v1/cooperations/graph/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and links["pantin"].slug not in consume(again).decode()


def test_the_list_is_conditional_and_kept_per_data_version(api, links, settings):
    settings.RESPONSE_CACHE_SECONDS = 60
    first = api.get("/api/v1/cooperations/")
    assert api.get("/api/v1/cooperations/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    links["pantin"].status = PublicationStatus.DRAFT
    links["pantin"].save()
    again = api.get("/api/v1/cooperations/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again.json()["count"] == 1


# -- query counts, at two sizes


@pytest.fixture(params=[2, 8], ids=["small", "larger"])
def chain(request):
    actors = [factories.actor(latitude=Decimal("48.86"), longitude=Decimal("2.44")) for _ in range(request.param)]
    for source, target in zip(actors, actors[1:], strict=False):
        factories.cooperation(source=source, target=target)
    factories.cooperation(source=factories.actor(status=PublicationStatus.DRAFT), target=actors[0])
    return actors


@pytest.mark.parametrize(
    "path, queries",
    [
        # the data version, the count, the page (with both ends joined)
        ("/api/v1/cooperations/", 3),
        ("/api/v1/cooperations/?commune=93048&kind=partnership&formal=false", 4),  # + the commune
        # + the tombstones: the withdrawn actors (none here, so no query for the links they left), the deleted links
        ("/api/v1/cooperations/?updated_since=2000-01-01T00:00:00Z", 5),
        # streamed: the rows only (never kept, no version)
        ("/api/v1/cooperations/?format=csv", 1),
        ("/api/v1/cooperations/?format=geojson", 1),
        # the data version (ETag), the actors, the links
        ("/api/v1/cooperations/graph/", 3),
        ("/api/v1/cooperations/graph/?format=graphml", 3),
    ],
)
def test_cooperation_endpoints_queries_do_not_grow(api, chain, django_assert_num_queries, path, queries):
    with django_assert_num_queries(queries):
        response = api.get(path)
        consume(response)
    assert response.status_code == 200


def test_cooperation_detail_queries(api, chain, django_assert_num_queries):
    link = Cooperation.objects.published().first()
    # the data version, the link with both ends, its version (the latest history row, in the ETag)
    with django_assert_num_queries(3):
        assert api.get(f"/api/v1/cooperations/{link.pk}/").status_code == 200


def _sync(api, since) -> dict:
    response = api.get("/api/v1/cooperations/", {"updated_since": since.isoformat()})
    assert response.status_code == 200
    return response.json()


def test_updated_since_reports_the_links_that_left_the_list_as_tombstones(api, links):

    since = timezone.now()
    assert _sync(api, since)["withdrawn"] == []

    # An actor at one end archived: its links leave the list, with the actor's reason and date.
    pantin = links["pantin"]
    pantin.status = PublicationStatus.ARCHIVED
    pantin.save()
    # A link deleted by staff: a tombstone « deleted ».
    formal_pk = links["formal"].pk
    links["formal"].delete()

    page = _sync(api, since)
    tombstones = {item["id"]: item for item in page["withdrawn"]}
    assert set(tombstones) == {links["informal"].pk, formal_pk}
    assert tombstones[links["informal"].pk]["reason"] == "archived"
    assert tombstones[formal_pk]["reason"] == "deleted"
    assert all(item["slug"] is None and item["deleted"] is True for item in tombstones.values())
    assert page["results"] == []
    # Links that were never public (a draft actor at one end) are never named, not even as tombstones.
    hidden = set(Cooperation.objects.exclude(pk=links["informal"].pk).values_list("pk", flat=True))
    assert not hidden & set(tombstones)
    # Before the withdrawals, nothing to report; the tombstones are on the first page only, in JSON only.
    assert _sync(api, timezone.now())["withdrawn"] == []
    assert b"withdrawn" not in consume(
        api.get("/api/v1/cooperations/", {"updated_since": since.isoformat(), "format": "csv"})
    )


def test_a_token_that_reads_unpublished_records_gets_the_same_tombstones(api, links):

    since = timezone.now()
    links["pantin"].status = PublicationStatus.DRAFT
    links["pantin"].save()
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    response = api.get("/api/v1/cooperations/", {"updated_since": since.isoformat()}, **bearer(raw))
    assert [(item["id"], item["reason"]) for item in response.json()["withdrawn"]] == [
        (links["informal"].pk, "unpublished")
    ]
