"""`GET /api/v1/actors/facets/`: the directory's disjunctive counts, for the list's parameters."""

import pytest

from directory.filters import ActorFilterSet
from directory.models import Actor, ApiToken, PublicationStatus
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

MONTREUIL, BAGNOLET = "93048", "93006"


def in_bagnolet(**overrides) -> Actor:
    return factories.actor(commune=factories.commune(BAGNOLET), postal_code="93170", **overrides)


def options(body, group) -> dict:
    return {option["value"]: option for option in body["facets"][group]}


def test_facets_count_every_option_of_every_group(api):
    factories.actor()
    factories.actor(legal_form=Actor.LegalForm.SCOP)
    in_bagnolet()
    response = api.get("/api/v1/actors/facets/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert list(body["facets"]) == list(ActorFilterSet.FACETS)
    communes = options(body, "commune")
    assert communes[MONTREUIL] == {"value": MONTREUIL, "label": "Montreuil", "level": 0, "count": 2, "selected": False}
    assert communes[BAGNOLET]["count"] == 1
    assert sum(option["count"] for option in body["facets"]["commune"]) == 3
    legal_forms = options(body, "legal_form")
    assert (legal_forms["association"]["count"], legal_forms["scop"]["count"]) == (2, 1)
    assert all(option["level"] in (0, 1) for group in body["facets"].values() for option in group)


def test_facets_are_disjunctive_within_a_group_and_conjunctive_across(api):
    factories.actor()
    factories.actor(legal_form=Actor.LegalForm.SCOP)
    in_bagnolet()
    body = api.get(f"/api/v1/actors/facets/?commune={MONTREUIL}").json()
    assert body["count"] == 2
    communes = options(body, "commune")
    # Ticking Montreuil leaves Bagnolet with the result it would add.
    assert (communes[MONTREUIL]["count"], communes[BAGNOLET]["count"]) == (2, 1)
    assert (communes[MONTREUIL]["selected"], communes[BAGNOLET]["selected"]) == (True, False)
    # Other groups count within Montreuil only.
    legal_forms = options(body, "legal_form")
    assert (legal_forms["association"]["count"], legal_forms["scop"]["count"]) == (1, 1)
    both = api.get(f"/api/v1/actors/facets/?commune={MONTREUIL}&commune={BAGNOLET}&legal_form=scop").json()
    assert both["count"] == 1
    assert {value for value, option in options(both, "commune").items() if option["selected"]} == {MONTREUIL, BAGNOLET}
    assert options(both, "commune")[BAGNOLET]["count"] == 0


def test_facets_count_what_the_list_finds(api):
    factories.actor()
    in_bagnolet(legal_form=Actor.LegalForm.SCOP)
    query = f"?commune={BAGNOLET}&legal_form=scop&q=fictif"
    facets = api.get(f"/api/v1/actors/facets/{query}").json()
    assert facets["count"] == api.get(f"/api/v1/actors/{query}").json()["count"] == 1


@pytest.mark.parametrize(
    "query", ["commune=00000", "legal_form=inconnue", "updated_since=hier", "bbox=1,2", "commune=", "siret=x&siret=y"]
)
def test_an_invalid_filter_is_the_lists_400(api, query):
    facets = api.get(f"/api/v1/actors/facets/?{query}")
    listing = api.get(f"/api/v1/actors/?{query}")
    assert facets.status_code == listing.status_code == 400
    assert facets.json() == listing.json()


def test_unpublished_actors_are_never_counted_anonymously(api):
    factories.actor()
    for status in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        in_bagnolet(status=status)
    body = api.get("/api/v1/actors/facets/").json()
    assert body["count"] == 1
    assert options(body, "commune")[BAGNOLET]["count"] == 0
    assert sum(option["count"] for option in body["facets"]["legal_form"]) == 1


def test_a_token_with_read_unpublished_counts_them_as_its_list_does(api):
    factories.actor()
    in_bagnolet(status=PublicationStatus.DRAFT)
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    body = api.get("/api/v1/actors/facets/", **bearer(raw)).json()
    # The token's organisation is a published actor of Montreuil too.
    assert body["count"] == api.get("/api/v1/actors/", **bearer(raw)).json()["count"] == 3
    assert options(body, "commune")[BAGNOLET]["count"] == 1


def test_facets_answer_json_only(api):
    assert api.get("/api/v1/actors/facets/?format=csv").status_code == 406


def test_facets_are_documented_with_the_list_filters(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/actors/facets/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert set(ActorFilterSet.FACETS) | {"q", "siret", "updated_since", "bbox"} <= names
    assert not names & {"page", "page_size", "ordering", "format"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ActorFacets"
    }
    groups = schema["components"]["schemas"]["ActorFacetGroups"]["properties"]
    assert list(groups) == list(ActorFilterSet.FACETS)
    option = schema["components"]["schemas"]["FacetOption"]
    assert set(option["properties"]) == {"value", "label", "level", "count", "selected"}
