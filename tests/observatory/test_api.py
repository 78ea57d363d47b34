"""`/api/v1/observatory/figures/`: the page's aggregates, in JSON and CSV, with the same suppression."""

import csv
import io

import pytest

from tests.observatory.factories import figures

pytestmark = pytest.mark.django_db

EMPTY = {
    "members": None,
    "members_actors": 0,
    "integration_hours": None,
    "integration_hours_actors": 0,
}


@pytest.fixture
def api(client):
    return client


def test_the_territory_by_year(api, territory):
    response = api.get("/api/v1/observatory/figures/")
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "min_actors": 3,
        "hidden_groups": 0,
        "results": [
            {
                "year": 2025,
                "by": "year",
                "group": "",
                "label": "Est Ensemble",
                "actors": 9,
                "employees": 52,
                "employees_actors": 9,
                "fte": 29.5,
                "fte_actors": 6,
                "volunteers": 40,
                "volunteers_actors": 3,
                "budget": 350000,
                "budget_actors": 3,
                "local_purchasing_share": 41.7,
                "local_purchasing_share_actors": 6,
                **EMPTY,
            },
            {
                "year": 2024,
                "by": "year",
                "group": "",
                "label": "Est Ensemble",
                "actors": 3,
                "employees": 32,
                "employees_actors": 3,
                "fte": None,
                "fte_actors": 0,
                "volunteers": None,
                "volunteers_actors": 0,
                "budget": None,
                "budget_actors": 0,
                "local_purchasing_share": None,
                "local_purchasing_share_actors": 0,
                **EMPTY,
            },
        ],
    }


def test_communes_of_one_year_leave_the_small_groups_out(api, territory):
    payload = api.get("/api/v1/observatory/figures/", {"by": "commune", "year": "2025"}).json()
    assert (payload["count"], payload["hidden_groups"]) == (2, 3)
    assert [(row["group"], row["label"], row["actors"], row["employees"]) for row in payload["results"]] == [
        ("93048", "Montreuil", 3, 35),
        ("93055", "Pantin", 3, 3),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("typology", {"entrepreneurial": 35, "militant": 3, "undetermined": 14}),
        ("sector", {"alimentation": 35, "reemploi-economie-circulaire": 3, "": 14}),
        ("neighbourhood", {"la-noue-malassis-le-plateau": 35, "": 17}),
        ("legal_family", {"associations": 17}),
    ],
)
def test_every_breakdown_of_the_page(api, territory, by, expected):
    payload = api.get("/api/v1/observatory/figures/", {"by": by, "year": "2025"}).json()
    assert {row["group"]: row["employees"] for row in payload["results"]} == expected


def test_the_threshold_setting_holds_in_the_api(api, territory, settings):
    settings.OBSERVATORY_MIN_ACTORS = 1
    payload = api.get("/api/v1/observatory/figures/", {"by": "commune", "year": "2025"}).json()
    assert (payload["min_actors"], payload["count"], payload["hidden_groups"]) == (1, 5, 0)


def test_unpublished_actors_change_nothing(api, territory):
    from directory.models import PublicationStatus
    from tests import factories

    before = api.get("/api/v1/observatory/figures/", {"by": "commune"}).content
    figures(factories.actor(status=PublicationStatus.PENDING), 2025, employees=500)
    figures(factories.actor(status=PublicationStatus.ARCHIVED), 2022, employees=500)
    after = api.get("/api/v1/observatory/figures/", {"by": "commune"})
    assert after.content == before


def test_the_csv_has_the_same_rows_and_its_table_schema(api, territory):
    response = api.get("/api/v1/observatory/figures/", {"by": "commune", "year": "2025", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "observatory-figures.json" in response["Link"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["group"], row["label"], row["actors"], row["employees"], row["fte"]) for row in rows] == [
        ("93048", "Montreuil", "3", "35", "27.5"),
        ("93055", "Pantin", "3", "3", "2.0"),
    ]
    assert rows[0]["volunteers"] == "" and rows[0]["volunteers_actors"] == "0"
    schema = api.get("/api/v1/schemas/observatory-figures.json").json()
    assert [field["name"] for field in schema["fields"]] == list(rows[0])


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"by": "commune_insee"}, "by", "Regroupement inconnu"),
        ({"year": "20x5"}, "year", "Indiquez une année de 1900 à 2100, en chiffres."),
        ({"year": "3000"}, "year", "Indiquez une année de 1900 à 2100, en chiffres."),
        ({"year": ""}, "year", "Valeur vide"),
    ],
)
def test_bad_parameters_are_400s_naming_the_parameter(api, territory, query, field, message):
    response = api.get("/api/v1/observatory/figures/", query)
    assert response.status_code == 400
    assert message in response.json()["errors"][field][0]


def test_a_repeated_parameter_is_a_400(api, territory):
    response = api.get("/api/v1/observatory/figures/?by=commune&by=sector")
    assert response.status_code == 400


def test_the_answer_has_an_etag_and_answers_304(api, territory):
    response = api.get("/api/v1/observatory/figures/")
    etag = response["ETag"]
    assert "Last-Modified" not in response
    assert api.get("/api/v1/observatory/figures/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_no_per_actor_route(api, territory):
    assert api.get(f"/api/v1/observatory/figures/{territory['M1'].slug}/").status_code == 404
