"""Every endpoint's query count, pinned at two data sizes: the same number for 2 and for 8 records."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from directory import moderation
from directory.models import Actor, ApiToken, ChangeRequest, Label, PublicationStatus, Role, Sector, Stage, SupportOffer
from projects.models import FundingLine, Initiative, Involvement, Site
from tests import factories
from tests.api.conftest import bearer
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

SIZES = [2, 8]


def populate(n: int) -> dict:
    """n actors with sectors, roles, labels, communes served; n offers, initiatives and sites with their relations."""
    sectors = list(Sector.objects.all()[:2])
    roles = list(Role.objects.all()[:1])
    labels = list(Label.objects.all()[:1])
    stages = list(Stage.objects.all()[:2])
    actors = []
    for _ in range(n):
        actor = factories.actor(latitude=Decimal("48.86"), longitude=Decimal("2.44"))
        actor.sectors.set(sectors)
        actor.roles.set(roles)
        actor.labels.set(labels)
        actor.communes_served.set([factories.commune("93048"), factories.commune("93006")])
        actors.append(actor)
        offer = factories.support_offer(provider=actor, stages=stages, whole_territory=False)
        offer.communes.set([factories.commune("93048")])
        offer.sectors.set(sectors)
        initiative = project_factories.initiative(lead_actor=actor, communes=[factories.commune("93048")])
        project_factories.approved_review(initiative)
        project_factories.milestone(initiative)
        indicator = project_factories.indicator(initiative)
        project_factories.measurement(indicator)
        project_factories.funding_line(initiative, funder=actor, status=FundingLine.Status.SECURED)
        Involvement.objects.create(initiative=initiative, actor=actor, role=Involvement.Role.LEAD)
        site = project_factories.site(latitude=Decimal("48.86"), longitude=Decimal("2.44"), owner=actor)
        site.occupants.set([actor])
        initiative.sites.set([site])
    return {"actor": actors[0], "offer": offer, "initiative": initiative, "site": site}


def consume(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# (path, queries) — the queries are written out next to each count.
ENDPOINTS = [
    # Every JSON answer also reads the data version first (ess_portal.dataversion): the kept answer,
    # and the list's count, are keyed by it. Streamed formats (CSV, GeoJSON) are never kept.
    # count, page (the order's fields), the reference lists (sectors, roles, labels, communes: one
    # query), the page's records (with commune, neighbourhood, related ids aggregated), Last-Modified
    ("/api/v1/actors/", 6),
    # the reference lists (one query), the actors (with commune, neighbourhood, related ids): one chunk
    ("/api/v1/actors/?format=csv", 2),
    ("/api/v1/actors/?format=geojson", 2),
    # actor, sectors, roles, labels, communes served, its version (latest history row, for the ETag)
    ("/api/v1/actors/{actor}/", 7),
    # count; one aggregate per facet (commune, neighbourhood, sector, legal form, typology, label,
    # role, support); options: sectors, communes, neighbourhoods, labels, roles
    ("/api/v1/actors/facets/", 15),
    # the same, and the communes asked for (one query for both codes)
    ("/api/v1/actors/facets/?commune=93048&commune=93006&legal_form=association", 16),
    # count, page (with parent)
    ("/api/v1/sectors/", 3),
    # count, page
    ("/api/v1/communes/", 3),
    # commune
    ("/api/v1/communes/93048/", 2),
    # count, page, communes
    ("/api/v1/neighbourhoods/", 4),
    # count, page (with provider), stages, sectors, communes, Last-Modified
    ("/api/v1/support-offers/", 7),
    # offer (with provider), stages, sectors, communes, its version
    ("/api/v1/support-offers/{offer}/", 6),
    # count, page (with commune), Last-Modified
    ("/api/v1/exports/data-inclusion/structures/", 4),
    # count, page (with provider), stages, sectors, communes, Last-Modified
    ("/api/v1/exports/data-inclusion/services/", 7),
    # count, page (with axis, lead, review, progress and money as subqueries), communes, Last-Modified
    ("/api/v1/initiatives/", 5),
    # initiative, communes, neighbourhoods, sites, milestones, indicators, their measurements,
    # involvements (with actor), funding lines (with funder), its version
    ("/api/v1/initiatives/{initiative}/", 11),
    # count, page (with commune, neighbourhood, owner), occupants, Last-Modified
    ("/api/v1/sites/", 5),
    # sites (with commune, neighbourhood, owner), occupants: one chunk
    ("/api/v1/sites/?format=csv", 2),
    ("/api/v1/sites/?format=geojson", 2),
    # site, occupants, its version
    ("/api/v1/sites/{site}/", 4),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("path", "queries"), ENDPOINTS)
def test_anonymous_query_counts(api, django_assert_num_queries, path, queries, size):
    records = populate(size)
    url = path.format(**{key: obj.slug for key, obj in records.items()})
    with django_assert_num_queries(queries):
        response = api.get(url)
        consume(response)
    assert response.status_code == 200


# With `updated_since`, the first page adds one query: the tombstones of the withdrawn records.
SYNC_ENDPOINTS = [
    ("/api/v1/actors/", 7),
    ("/api/v1/initiatives/", 6),
    ("/api/v1/sites/", 6),
    ("/api/v1/support-offers/", 8),
    ("/api/v1/exports/data-inclusion/structures/", 5),
    ("/api/v1/exports/data-inclusion/services/", 8),
]


def withdraw_half(n: int) -> None:
    """Archive half of each kind of record that `populate(n)` made, as the admin does."""
    for model, field in ((Actor, "status"), (SupportOffer, "status"), (Initiative, "publication_status")):
        for record in model.objects.order_by("pk")[: n // 2]:
            setattr(record, field, PublicationStatus.ARCHIVED)
            record.save()
    for site in Site.objects.order_by("pk")[: n // 2]:
        site.publication_status = PublicationStatus.ARCHIVED
        site.save()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("path", "queries"), SYNC_ENDPOINTS)
def test_incremental_sync_query_counts(api, django_assert_num_queries, path, queries, size):
    populate(size)
    withdraw_half(size)
    with django_assert_num_queries(queries):
        response = api.get(path, {"updated_since": "2000-01-01T00:00:00Z"})
    assert response.status_code == 200
    assert len(response.json()["withdrawn"]) >= size // 2


@pytest.mark.parametrize("size", SIZES)
def test_token_adds_one_query_to_find_the_token_and_one_to_stamp_its_use(api, django_assert_num_queries, size):
    populate(size)
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    # token (with organisation), last use; then the anonymous list's (the data version for its count)
    with django_assert_num_queries(8):
        assert api.get("/api/v1/actors/", **bearer(raw)).status_code == 200
    # within a minute the use is not stamped again, and the list's count is the one kept for the version
    with django_assert_num_queries(6):
        assert api.get("/api/v1/actors/", **bearer(raw)).status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_actor_update_query_count(api, django_assert_num_queries, size):
    populate(size)
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED])
    slug = token.organisation.slug
    etag = api.get(f"/api/v1/actors/{slug}/")["ETag"]
    api.get("/api/v1/actors/", **bearer(raw))  # stamp the token's use
    # token; find the actor; lock it and read it as GET does (5); full_clean: references, slug and
    # constraint checks (each in a savepoint); save and its history row; read back (5). Savepoints
    # and constraint checks make most of it, a fixed number whatever the directory's size.
    # The version check: the current version, the row lock and the version again under it (3); the
    # answer's new version (1).
    with django_assert_num_queries(44):
        response = api.patch(
            f"/api/v1/actors/{slug}/",
            data={"offer": "Nouvelle offre."},
            format="json",
            HTTP_IF_MATCH=etag,
            **bearer(raw),
        )
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_initiative_update_query_count(api, django_assert_num_queries, size):
    records = populate(size)
    initiative = records["initiative"]
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_INITIATIVES], organisation=initiative.lead_actor)
    etag = api.get(f"/api/v1/initiatives/{initiative.slug}/")["ETag"]
    api.get("/api/v1/actors/", **bearer(raw))  # stamp the token's use
    # token; find the initiative; its involvements (rights); lock it and read it as GET does (9);
    # full_clean (constraint checks in savepoints, stored status); save and history; read back (9).
    # The version check (3) and the answer's new version (1), as for actors.
    with django_assert_num_queries(55):
        response = api.patch(
            f"/api/v1/initiatives/{initiative.slug}/",
            data={"summary": "Nouveau résumé."},
            format="json",
            HTTP_IF_MATCH=etag,
            **bearer(raw),
        )
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_moderated_actor_update_query_count(api, django_assert_num_queries, size):
    populate(size)
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    slug = token.organisation.slug
    etag = api.get(f"/api/v1/actors/{slug}/")["ETag"]
    api.get("/api/v1/actors/", **bearer(raw))  # stamp the token's use
    # token; find the actor; lock it and read it as GET does (5); the version check (3); the sectors
    # sent; full_clean of the update on a copy (references, slug and constraint checks in savepoints);
    # the record's sectors to compare; then moderation.submit in a savepoint: the record's sectors
    # again, the record re-read, the sectors' codes, the same full_clean, the base snapshot, the
    # request's own full_clean and insert. Nothing grows with the directory.
    with django_assert_num_queries(62):
        response = api.patch(
            f"/api/v1/actors/{slug}/",
            data={"offer": "Nouvelle offre.", "sectors": ["velo"]},
            format="json",
            HTTP_IF_MATCH=etag,
            **bearer(raw),
        )
    assert response.status_code == 202


def queue_requests(n: int):
    """n change requests of one partner's token, and one of another organisation."""
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    for index in range(n):
        moderation.submit(
            kind=ChangeRequest.Kind.PARTNER, actor=token.organisation, changes={"offer": f"Offre {index}."}, token=token
        )
    other, _raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    moderation.submit(
        kind=ChangeRequest.Kind.PARTNER, actor=other.organisation, changes={"offer": "Autre."}, token=other
    )
    APIClient().get("/api/v1/actors/", **bearer(raw))  # stamp the token's use
    return token, raw


@pytest.mark.parametrize("size", SIZES)
def test_change_request_query_counts(api, django_assert_num_queries, size):
    _token, raw = queue_requests(size)
    first = ChangeRequest.objects.order_by("pk").first()
    # token (with organisation); Last-Modified over the organisation's requests; data version; count;
    # page (with actor)
    with django_assert_num_queries(5):
        response = api.get("/api/v1/change-requests/", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["count"] == size
    # token; the request (with actor)
    with django_assert_num_queries(2):
        assert api.get(f"/api/v1/change-requests/{first.pk}/", **bearer(raw)).status_code == 200
    api.force_login(factories.staff_user())
    # session, user; Last-Modified; data version; count; page (with actor): every organisation's requests
    with django_assert_num_queries(6):
        response = api.get("/api/v1/change-requests/")
    assert response.json()["count"] == size + 1
