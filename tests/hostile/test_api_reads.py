"""Every filter and query parameter of every API list, and every detail lookup, against the corpus.

The routes come from the API's router and the parameters from each viewset's FilterSet, so a new
resource or filter is attacked without editing this file. The answer is a 200, or a 4xx in the
API's error shape (`{"status", "code", "detail", "errors"}`, French messages, a 400 naming the
parameter) — never a 5xx.
"""

import json
from decimal import Decimal

import pytest

from ess_portal.api_urls import router
from tests import factories
from tests.hostile import corpus
from tests.hostile.harness import api_error_problem, query_names, query_shapes, report, send
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PAGINATION_PARAMETERS = ["page", "page_size", "ordering", "format"]
READ_STATUSES = {200, 400, 404, 406}


def list_routes() -> list[tuple[str, list[str]]]:
    """(path, parameters) of every list of the router, and of the lists' own routes (facets…):
    the FilterSet's filters plus pagination."""
    routes = []
    for prefix, viewset, _basename in router.registry:
        if not hasattr(viewset, "list"):
            continue
        filterset = getattr(viewset, "filterset_class", None)
        parameters = [*(filterset.base_filters if filterset is not None else []), *PAGINATION_PARAMETERS]
        routes.append((f"{API}{prefix}/", parameters))
        for extra in viewset.get_extra_actions():
            if not extra.detail and "get" in extra.mapping:
                routes.append((f"{API}{prefix}/{extra.url_path}/", parameters))
    return routes


def detail_routes() -> list[str]:
    return [f"{API}{prefix}/{{}}/" for prefix, viewset, _basename in router.registry if hasattr(viewset, "retrieve")]


def _signed_in_if_needed(client, path: str) -> None:
    """Resources that anonymous callers may not read (`anonymous_reads = False`) are read by staff."""
    for prefix, viewset, _basename in router.registry:
        if path.startswith(f"{API}{prefix}/") and not getattr(viewset, "anonymous_reads", True):
            client.force_login(factories.staff_user(superuser=True))
            return


@pytest.fixture
def records():
    """A few published records of each kind, so that every filter has rows to work on."""
    actor = factories.actor(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    factories.support_offer(provider=actor)
    project_factories.initiative(lead_actor=actor, communes=[factories.commune("93048")])
    project_factories.site(owner=actor, latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    return actor


def _read_problem(response, query: str | None) -> str | None:
    if response.status_code not in READ_STATUSES:
        return f"status {response.status_code}: {_excerpt(response)}"
    if response.status_code == 200:
        return None
    return api_error_problem(response, parameters=query_names(query) if query else None)


def _excerpt(response) -> str:
    try:
        return json.dumps(response.json())[:300]
    except ValueError:
        return repr(getattr(response, "content", b"")[:300])


def test_the_corpus_reaches_every_list_and_filter_of_the_router():
    routes = dict(list_routes())
    assert {"/api/v1/actors/", "/api/v1/initiatives/", "/api/v1/sites/", "/api/v1/support-offers/"} <= set(routes)
    assert {"q", "commune", "sector", "siret", "updated_since", "bbox"} <= set(routes["/api/v1/actors/"])
    assert {"available", "bbox"} <= set(routes["/api/v1/sites/"])
    assert routes["/api/v1/actors/facets/"] == routes["/api/v1/actors/"]


def _refused(response, pieces: dict[str, str]) -> set[str]:
    """The parameters an answer refuses: those its errors name, `format` for a 406, `page` for a 404."""
    if response.status_code == 406:
        return {"format"} & pieces.keys()
    if response.status_code == 404:
        return {"page"} & pieces.keys()
    named = set(response.json()["errors"])
    return {parameter for parameter, piece in pieces.items() if query_names(piece) & named}


@pytest.mark.parametrize(("path", "parameters"), list_routes(), ids=[path for path, _ in list_routes()])
def test_hostile_query_strings_on_an_api_list_are_a_200_or_a_clear_4xx(hostile_client, records, path, parameters):
    """Each value goes to every parameter at once; the answer names what it refuses, which is dropped
    and the rest sent again until the list answers 200. Every parameter thus validates every value of
    the corpus, and every value a parameter accepts reaches the filter behind it."""
    failures = []
    _signed_in_if_needed(hostile_client, path)
    for label, pieces in query_shapes(parameters).items():
        while pieces:
            query = "&".join(pieces.values())
            response = send(hostile_client, "GET", path, query=query)
            if response.status_code == 200:
                break
            if problem := _read_problem(response, query):
                failures.append((label, sorted(pieces), problem))
                break
            refused = _refused(response, pieces)
            if not refused:
                failures.append((label, sorted(pieces), "a refusal naming none of them", _excerpt(response)))
                break
            pieces = {parameter: piece for parameter, piece in pieces.items() if parameter not in refused}
    for label, query in corpus.HOSTILE_PARAMETER_NAMES.items():
        response = send(hostile_client, "GET", path, query=query)
        if problem := _read_problem(response, query):
            failures.append(("<name>", label, problem))
    for label, accept in corpus.ACCEPT_VALUES.items():
        response = send(hostile_client, "GET", path, HTTP_ACCEPT=accept)
        if problem := _read_problem(response, None):
            failures.append(("<accept>", label, problem))
    assert failures == [], report(failures)


# Any other address under the API: the catch-all route answers it.
UNKNOWN_ROUTE = f"{API}{{}}/"


def _newline_in_unknown_route(route: str, value: str) -> bool:
    # The known bug of test_an_unknown_api_address_with_a_newline_is_a_json_404, kept out of the loop.
    return route == UNKNOWN_ROUTE and "%0A" in value.upper()


@pytest.mark.parametrize("route", [*detail_routes(), UNKNOWN_ROUTE])
def test_hostile_lookups_on_the_api_are_a_404_in_the_error_shape(hostile_client, records, route):
    lookups = {**corpus.query_values(), "dot_dot": "..", "encoded_dot_dot": "%2e%2e", "encoded_slash": "a%2Fb"}
    failures = []
    _signed_in_if_needed(hostile_client, route)
    for label, value in lookups.items():
        if _newline_in_unknown_route(route, value):
            continue
        response = send(hostile_client, "GET", route.format(value))
        if response.status_code != 404:
            failures.append((label, response.status_code))
        elif problem := api_error_problem(response):
            failures.append((label, problem))
    assert failures == [], report(failures)


def test_an_unknown_api_address_with_a_newline_is_a_json_404(hostile_client):
    response = send(hostile_client, "GET", "/api/v1/a%0Ab/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"status": 404, "code": "not_found", "detail": "Ressource introuvable.", "errors": {}}
