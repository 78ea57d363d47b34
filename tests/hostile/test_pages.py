"""Every query parameter of every public page, and every lookup in a page's address, against the corpus.

A page answers hostile input with a 200 (the filter's error shown on the page, or the value
ignored) or a 4xx — never a 5xx, and never the corpus's markup unescaped.
"""

import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern

from directory import urls as directory_urls
from directory.filters import ActorFilterSet, CooperationFilterSet, DealFilterSet, SupportOfferFilterSet
from ess_portal import urls as root_urls
from observatory import urls as observatory_urls
from observatory.filters import ObservatoryFilterSet
from projects import urls as projects_urls
from projects.filters import ConsultationFilterSet, EventFilterSet, InitiativeFilterSet, SiteFilterSet
from purchasing import urls as purchasing_urls
from purchasing.filters import BuyerNeedFilterSet, SupplierOfferFilterSet
from tests import factories
from tests.hostile import corpus
from tests.hostile.harness import query_names, query_shapes, report, send
from tests.observatory import factories as observatory_factories
from tests.projects import factories as project_factories
from tests.purchasing import factories as purchasing_factories

pytestmark = pytest.mark.django_db

# Each list page reads its FilterSet (the parameters come from `base_filters`) plus these.
LIST_PAGES = {
    "/annuaire/": ActorFilterSet,
    "/annuaire/export.csv": ActorFilterSet,
    "/annuaire/reseau/": CooperationFilterSet,
    "/accompagnement/": SupportOfferFilterSet,
    "/projets/": InitiativeFilterSet,
    "/lieux/": SiteFilterSet,
    "/strategie/consultations/": ConsultationFilterSet,
    "/annuaire/transactions/": DealFilterSet,
    "/agenda/": EventFilterSet,
    "/agenda.ics": EventFilterSet,
    "/observatoire/": ObservatoryFilterSet,
    "/acheteurs/": SupplierOfferFilterSet,
    "/acheteurs/export.csv": SupplierOfferFilterSet,
    "/acheteurs/besoins/": BuyerNeedFilterSet,
}
COMMON_PARAMETERS = ["page", "view", "q"]
# Pages without a FilterSet still get the common parameters, and the sitemap its page number.
OTHER_PAGES = {
    "/": [],
    "/strategie/": [],
    "/mentions-legales/": [],
    "/confidentialite/": [],
    "/accessibilite/": [],
    "/annuaire/proposer/": [],
    "/annuaire/proposer/merci/": [],
    "/robots.txt": [],
    "/sitemap.xml": ["p"],
    "/annuaire/nouveautes.atom": [],
    "/projets/actualites.atom": [],
    "/agenda/proposer/": [],
    "/agenda/proposer/merci/": [],
}
OTHER_PAGES |= {
    "/compte/": [],
    "/compte/connexion/": ["next"],
    "/compte/deconnexion/": [],
    "/compte/mot-de-passe/oublie/": [],
    "/compte/mot-de-passe/envoye/": [],
    "/compte/chiffres/": [],
}
OTHER_PAGES |= {"/acheteurs/besoins/deposer/": [], "/acheteurs/besoins/merci/": []}

ACCEPTED_PAGE_STATUSES = {200, 400, 404}
# A structure's account pages send anonymous visitors to sign in; signing out is a POST.
SIGN_IN = "/compte/connexion/"
ACCOUNT_PAGES = "/compte/"
PAGE_STATUSES = {"/compte/": {302}, "/compte/deconnexion/": {405}, "/compte/chiffres/": {302}}


def _public_routes() -> list[str]:
    """Every route of the public pages, as written in the URL modules (`<converter:name>` included)."""
    patterns = [
        *directory_urls.urlpatterns,
        *projects_urls.urlpatterns,
        *observatory_urls.urlpatterns,
        *purchasing_urls.urlpatterns,
    ]
    patterns += [p for p in root_urls.urlpatterns if isinstance(p, URLPattern) and not str(p.pattern).startswith("api")]
    return ["/" + str(pattern.pattern) for pattern in patterns]


def page_parameters() -> list[tuple[str, type | None, list[str]]]:
    """(path, FilterSet, parameters) of every page: the FilterSet's filters plus the common parameters."""
    targets = [
        (path, filterset, list(dict.fromkeys([*filterset.base_filters, *COMMON_PARAMETERS])))
        for path, filterset in LIST_PAGES.items()
    ]
    targets += [(path, None, [*extra, *COMMON_PARAMETERS]) for path, extra in OTHER_PAGES.items()]
    return targets


DETAIL_ROUTES = [route for route in _public_routes() if "<" in route]


@pytest.fixture
def records():
    """A few published records of each kind, so that every filter has rows to work on."""
    actor = factories.actor(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    factories.support_offer(provider=actor)
    project_factories.initiative(lead_actor=actor, communes=[factories.commune("93048")])
    project_factories.site(owner=actor, latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    project_factories.event(actors=[actor])
    observatory_factories.figures(actor, 2025, employees=3)
    purchasing_factories.offer(actor=actor, communes=["93048"])
    purchasing_factories.need()
    return actor


def test_every_argument_free_public_page_is_in_the_corpus():
    covered = {path for path, _filterset, _parameters in page_parameters()}
    assert {route for route in _public_routes() if "<" not in route} == covered


def _page_problem(response, accepted=ACCEPTED_PAGE_STATUSES) -> str | None:
    if response.status_code not in accepted:
        return f"status {response.status_code}"
    if response.status_code == 302 and not response["Location"].startswith(SIGN_IN):
        return f"redirect to {response['Location'][:100]}"
    content = getattr(response, "content_bytes", None) or response.content
    if any(markup.encode() in content for markup in corpus.MARKUP):
        return "markup echoed unescaped"
    return None


def _queries(filterset_class, pieces: dict[str, str]) -> list[str]:
    """Each value at every parameter at once (each validates it), then at the parameters the page's
    FilterSet accepts it for, so that it reaches the filter behind (the search, the SIRET lookup…)."""
    everywhere = "&".join(pieces.values())
    if filterset_class is None:
        return [everywhere]
    refused = set(filterset_class(QueryDict(everywhere)).errors)
    accepted = "&".join(piece for piece in pieces.values() if not query_names(piece) & refused)
    return list(dict.fromkeys(query for query in [everywhere, accepted] if query))


@pytest.mark.parametrize(
    ("path", "filterset_class", "parameters"), page_parameters(), ids=[path for path, *_ in page_parameters()]
)
def test_hostile_query_strings_on_a_page_are_a_200_or_a_4xx(hostile_client, records, path, filterset_class, parameters):
    failures = []
    accepted = PAGE_STATUSES.get(path, ACCEPTED_PAGE_STATUSES)
    for label, pieces in query_shapes(parameters).items():
        for query in _queries(filterset_class, pieces):
            response = send(hostile_client, "GET", path, query=query)
            if problem := _page_problem(response, accepted):
                failures.append((label, query[:200], problem))
    for label, query in corpus.HOSTILE_PARAMETER_NAMES.items():
        response = send(hostile_client, "GET", path, query=query)
        if problem := _page_problem(response, accepted):
            failures.append(("<name>", label, problem))
    assert failures == [], report(failures)


@pytest.mark.parametrize("route", DETAIL_ROUTES)
def test_hostile_lookups_in_a_page_address_are_404(hostile_client, records, route):
    lookups = {**corpus.query_values(), "dot_dot": "..", "encoded_slash": "a%2Fb", "slash_dot_dot": "a/../b"}
    clients = [("anonyme", hostile_client)]
    if route.startswith(ACCOUNT_PAGES):
        # Anonymous visitors are sent to sign in first; a structure's account gets the 404.
        account = Client(raise_request_exception=False)
        account.force_login(factories.structure_account(records))
        clients.append(("compte", account))
    failures = []
    for who, client in clients:
        for label, value in lookups.items():
            path = re.sub(r"<[^>]+>", value, route)
            response = send(client, "GET", path)
            signing_in = who == "anonyme" and response.status_code == 302 and response["Location"].startswith(SIGN_IN)
            if response.status_code != 404 and not (route.startswith(ACCOUNT_PAGES) and signing_in):
                failures.append((who, label, response.status_code))
    assert failures == [], report(failures)
