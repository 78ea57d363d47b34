"""openapi-generator's Python client reads and writes the partner API of a live server.

Every answer goes through the generated pydantic models: a field the schema types wrongly (a
`null` it does not allow, an enum member it lacks, a decimal given as a string where it says
number) is a validation error here, as it would be in a partner's code.
"""

import datetime
import gc
import json
from decimal import Decimal

import pytest
from django.core.cache import cache

from directory.models import ApiToken, PublicationStatus
from tests import factories
from tests.projects import factories as project_factories


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal(db):
    """A small directory: published and unpublished actors, an offer, an initiative and a site."""
    organisation = factories.actor(name="Coopérative fictive du Canal", latitude="48.880000", longitude="2.420000")
    factories.actor(name="Association fictive des Lilas")
    factories.actor(name="Brouillon fictif", status=PublicationStatus.DRAFT)
    factories.actor(name="Fiche fictive à valider", status=PublicationStatus.PENDING)
    factories.support_offer(provider=organisation, title="Accompagnement fictif")
    initiative = project_factories.initiative(title="Projet fictif du Canal", lead_actor=organisation)
    project_factories.funding_line(initiative, funder=organisation, amount=Decimal("12500.50"))
    project_factories.milestone(initiative)
    indicator = project_factories.indicator(initiative, target=Decimal("12.5"))
    project_factories.measurement(indicator, value=Decimal("3.25"))
    project_factories.site(
        name="Lieu fictif du Canal",
        owner=organisation,
        latitude="48.870000",
        longitude="2.410000",
        surface_m2=Decimal("120.5"),
        available_from=datetime.date(2026, 1, 1),
    )
    return {"organisation": organisation, "initiative": initiative}


@pytest.fixture
def client(sdk, live_server):
    """Make generated API clients for the live server (the schema's server is the site's address).

    A kept-alive connection holds a thread of the server, which closes its database connection when
    the client lets go: every connection is closed when the test ends, those of the pools and those
    still held by the frames of a failed call's traceback (collected here, not at the end of the run).
    """
    made = []

    def make(token: str | None = None):
        api_client = sdk.ApiClient(sdk.Configuration(host=live_server.url, access_token=token))
        made.append(api_client)
        return api_client

    yield make
    for api_client in made:
        api_client.rest_client.pool_manager.clear()
    gc.collect()


def test_the_generated_client_reads_the_public_api(sdk, client, portal):
    api = client()
    actors = sdk.ActorsApi(api)

    first = actors.actors_list(page_size=1, ordering="name")
    assert isinstance(first, sdk.PaginatedActorList)
    assert first.count == 2
    assert first.next is not None and first.previous is None
    second = actors.actors_list(page_size=1, ordering="name", page=2)
    assert second.next is None and second.previous is not None
    names = [actor.name for actor in first.results + second.results]
    # The draft and the record awaiting review are not public.
    assert names == ["Association fictive des Lilas", "Coopérative fictive du Canal"]

    organisation = actors.actors_retrieve(portal["organisation"].slug)
    assert isinstance(organisation, sdk.Actor)
    assert organisation.name == "Coopérative fictive du Canal"
    assert organisation.status == sdk.PublicationStatusEnum.PUBLISHED

    facets = actors.actors_facets_retrieve()
    assert isinstance(facets, sdk.ActorFacets)
    assert facets.count == 2

    initiatives = sdk.InitiativesApi(api).initiatives_list()
    assert [initiative.title for initiative in initiatives.results] == ["Projet fictif du Canal"]
    detail = sdk.InitiativesApi(api).initiatives_retrieve(portal["initiative"].slug)
    assert isinstance(detail, sdk.InitiativeDetail)
    assert detail.lead_actor.slug == portal["organisation"].slug
    assert detail.planned_start == datetime.date(2024, 1, 1)
    assert [line.amount for line in detail.funding_lines] == [12500.5]
    assert detail.funding.secured == 12500.5
    assert [(indicator.target, [m.value for m in indicator.measurements]) for indicator in detail.indicators] == [
        (12.5, [3.25])
    ]

    sites = sdk.SitesApi(api).sites_list()
    assert [site.name for site in sites.results] == ["Lieu fictif du Canal"]
    site = sdk.SitesApi(api).sites_retrieve(sites.results[0].slug)
    assert (site.surface_m2, site.available_from, site.owner.slug) == (
        120.5,
        datetime.date(2026, 1, 1),
        portal["organisation"].slug,
    )

    offers = sdk.SupportOffersApi(api).support_offers_list()
    assert [offer.title for offer in offers.results] == ["Accompagnement fictif"]


def test_the_generated_client_writes_with_a_token_and_if_match(sdk, client, portal):
    organisation = portal["organisation"]
    _token, raw = factories.api_token(
        organisation=organisation, scopes=[ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED]
    )
    actors = sdk.ActorsApi(client(token=raw))

    read = actors.actors_retrieve_with_http_info(organisation.slug)
    etag = read.headers["ETag"]
    changed = actors.actors_partial_update(
        organisation.slug,
        sdk.PatchedActorWrite(description="Nouvelle description fictive."),
        _headers={"If-Match": etag},
    )
    assert isinstance(changed, sdk.Actor)
    assert changed.description == "Nouvelle description fictive."
    assert actors.actors_retrieve(organisation.slug).description == "Nouvelle description fictive."

    with pytest.raises(sdk.ApiException) as stale:
        actors.actors_partial_update(
            organisation.slug, sdk.PatchedActorWrite(offer="Seconde écriture."), _headers={"If-Match": etag}
        )
    assert stale.value.status == 412
    # Error answers deserialize too: the `Error` component.
    assert isinstance(stale.value.data, sdk.Error)
    assert stale.value.data.code == "precondition_failed"
    assert json.loads(stale.value.body)["status"] == 412


def test_the_generated_client_proposes_an_actor_and_a_change_for_review(sdk, client, portal):
    organisation = portal["organisation"]
    _token, raw = factories.api_token(
        organisation=organisation, scopes=[ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.READ_UNPUBLISHED]
    )
    api = client(token=raw)
    actors = sdk.ActorsApi(api)

    proposal = sdk.ActorWrite(
        name="Ressourcerie fictive du Canal",
        legal_form=sdk.LegalFormEnum.SCOP,
        siret="732 829 320 00074",
        commune="93048",
        postal_code="93100",
        short_description="Une coopérative fictive.",
        sectors=["ressourcerie"],
        # Decimals are sent as text (exact), and read as numbers.
        fte="2.5",
    )
    created = actors.actors_create(proposal)
    assert isinstance(created, sdk.Actor)
    assert created.status == sdk.PublicationStatusEnum.PENDING
    assert created.siret == "73282932000074"
    assert created.fte == 2.5
    assert actors.actors_retrieve(created.slug).name == "Ressourcerie fictive du Canal"

    etag = actors.actors_retrieve_with_http_info(organisation.slug).headers["ETag"]
    queued = actors.actors_partial_update(
        organisation.slug, sdk.PatchedActorWrite(offer="Une offre à valider."), _headers={"If-Match": etag}
    )
    assert isinstance(queued, sdk.ChangeRequest)
    assert queued.state == sdk.ChangeRequestStateEnum.PENDING
    assert queued.changes == {"offer": "Une offre à valider."}
    assert queued.decided_at is None and queued.decision_reason is None
    read_back = sdk.ChangeRequestsApi(api).change_requests_retrieve(str(queued.id))
    assert read_back.changes == queued.changes
    assert [request.id for request in sdk.ChangeRequestsApi(api).change_requests_list().results] == [queued.id]
