"""`?updated_since=`: what changed in `results`, and the records withdrawn since then as tombstones."""

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from directory.models import Actor, ApiToken, PublicationStatus
from projects.models import Initiative, Site
from tests import factories
from tests.api.conftest import bearer
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

STRUCTURES = "/api/v1/exports/data-inclusion/structures/"
SERVICES = "/api/v1/exports/data-inclusion/services/"


def withdraw(record, status: str, **changes):
    """Save `record` with another publication status (and other changes), as the admin does."""
    field = "publication_status" if isinstance(record, Initiative | Site) else "status"
    setattr(record, field, status)
    for name, value in changes.items():
        setattr(record, name, value)
    record.save()
    record.refresh_from_db()
    return record


def a_moment_ago() -> str:
    """A date between the records' creation and their withdrawal."""
    return timezone.now().isoformat()


def date(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def tombstone(record, reason: str, merged_into=None, identifier=None) -> dict:
    return {
        "id": identifier if identifier is not None else record.pk,
        "slug": record.slug,
        "deleted": True,
        "reason": reason,
        "merged_into": merged_into,
        "updated_at": date(record.updated_at),
    }


def test_actors_withdrawn_since_the_date_are_tombstones_with_nothing_but_identifiers(api):
    kept = factories.actor(name="Fiche conservée fictive")
    still = factories.actor(name="Fiche toujours publiée fictive")
    archived = factories.actor(name="Fiche archivée fictive")
    unpublished = factories.actor(name="Fiche dépubliée fictive")
    merged = factories.actor(name="Doublon fictif")
    merged_into_hidden = factories.actor(name="Doublon d'une fiche cachée fictive")
    hidden_target = factories.actor(name="Cible cachée fictive", status=PublicationStatus.DRAFT)
    since = a_moment_ago()
    archived = withdraw(archived, PublicationStatus.ARCHIVED, name="Nom secret d'une fiche archivée")
    unpublished = withdraw(unpublished, PublicationStatus.PENDING, short_description="Description secrète.")
    merged = withdraw(merged, PublicationStatus.ARCHIVED, merged_into=kept)
    merged_into_hidden = withdraw(merged_into_hidden, PublicationStatus.ARCHIVED, merged_into=hidden_target)

    body = api.get("/api/v1/actors/", {"updated_since": since}).json()

    assert body["results"] == []
    assert body["withdrawn"] == [
        tombstone(archived, "archived"),
        tombstone(unpublished, "unpublished"),
        tombstone(merged, "merged", merged_into=kept.slug),
        tombstone(merged_into_hidden, "merged"),
    ]
    assert "secr" not in str(body)
    assert still.slug not in str(body)


def test_withdrawals_before_the_date_and_records_never_public_are_not_reported(api):
    old = withdraw(factories.actor(), PublicationStatus.ARCHIVED)
    Actor.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=10))
    draft = factories.actor(status=PublicationStatus.DRAFT)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    withdraw(draft, PublicationStatus.ARCHIVED)
    assert api.get("/api/v1/actors/", {"updated_since": since}).json()["withdrawn"] == []


def test_an_actor_public_before_publication_dates_were_kept_is_reported_from_its_history(api):
    actor = factories.actor()
    Actor.objects.filter(pk=actor.pk).update(published_at=None)
    since = a_moment_ago()
    actor = withdraw(actor, PublicationStatus.ARCHIVED)
    assert api.get("/api/v1/actors/", {"updated_since": since}).json()["withdrawn"] == [tombstone(actor, "archived")]


def test_callers_who_read_unpublished_records_get_them_in_results_and_no_tombstone(api):
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    actor = factories.actor()
    since = a_moment_ago()
    withdraw(actor, PublicationStatus.ARCHIVED)
    body = api.get("/api/v1/actors/", {"updated_since": since}, **bearer(raw)).json()
    assert [(row["slug"], row["status"]) for row in body["results"]] == [(actor.slug, "archived")]
    assert body["withdrawn"] == []


def test_a_partner_token_without_the_scope_gets_the_tombstones_as_anyone(api):
    _token, raw = factories.api_token()
    actor = factories.actor()
    since = a_moment_ago()
    actor = withdraw(actor, PublicationStatus.DRAFT)
    body = api.get("/api/v1/actors/", {"updated_since": since}, **bearer(raw)).json()
    assert body["withdrawn"] == [tombstone(actor, "unpublished")]


def test_tombstones_come_with_the_first_page_only_and_only_with_updated_since(api):
    factories.actor()
    factories.actor()
    gone = factories.actor()
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    gone = withdraw(gone, PublicationStatus.ARCHIVED)
    first = api.get("/api/v1/actors/", {"updated_since": since, "page_size": 1}).json()
    assert first["count"] == 2
    assert first["withdrawn"] == [tombstone(gone, "archived")]
    second = api.get("/api/v1/actors/", {"updated_since": since, "page_size": 1, "page": 2}).json()
    assert "withdrawn" not in second
    assert "withdrawn" not in api.get("/api/v1/actors/").json()


def test_last_modified_counts_the_withdrawals(api):
    factories.actor()
    gone = factories.actor()
    since = a_moment_ago()
    gone = withdraw(gone, PublicationStatus.ARCHIVED)
    response = api.get("/api/v1/actors/", {"updated_since": since})
    stamp = int(gone.updated_at.timestamp())
    assert response["Last-Modified"] == datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime(
        "%a, %d %b %Y %H:%M:%S GMT"
    )


@pytest.mark.parametrize("format_", ["csv", "geojson"])
def test_csv_and_geojson_carry_no_tombstones(api, format_):
    gone = factories.actor()
    since = a_moment_ago()
    withdraw(gone, PublicationStatus.ARCHIVED)
    response = api.get("/api/v1/actors/", {"updated_since": since, "format": format_})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert gone.slug not in body


def test_initiatives_withdrawn_since_the_date_are_tombstones(api):
    archived = project_factories.initiative()
    unpublished = project_factories.initiative()
    never_public = project_factories.initiative(publication_status=PublicationStatus.DRAFT)
    since = a_moment_ago()
    archived = withdraw(archived, PublicationStatus.ARCHIVED)
    unpublished = withdraw(unpublished, PublicationStatus.DRAFT)
    withdraw(never_public, PublicationStatus.ARCHIVED)
    body = api.get("/api/v1/initiatives/", {"updated_since": since}).json()
    assert body["results"] == []
    assert body["withdrawn"] == [tombstone(archived, "archived"), tombstone(unpublished, "unpublished")]


def test_sites_withdrawn_since_the_date_are_tombstones(api):
    archived = project_factories.site()
    unpublished = project_factories.site()
    since = a_moment_ago()
    archived = withdraw(archived, PublicationStatus.ARCHIVED)
    unpublished = withdraw(unpublished, PublicationStatus.PENDING)
    body = api.get("/api/v1/sites/", {"updated_since": since}).json()
    assert body["results"] == []
    assert body["withdrawn"] == [tombstone(archived, "archived"), tombstone(unpublished, "unpublished")]
    assert not Site.objects.published().exists()


def test_data_inclusion_structures_report_withdrawals_with_their_identifiers(api):
    kept = factories.actor()
    changed = factories.actor()
    merged = factories.actor()
    since = a_moment_ago()
    changed.offer = "Nouvelle offre."
    changed.save()
    merged = withdraw(merged, PublicationStatus.ARCHIVED, merged_into=kept)
    body = api.get(STRUCTURES, {"updated_since": since}).json()
    assert [row["id"] for row in body["results"]] == [f"ess-portal-est-ensemble--{changed.slug}"]
    assert body["withdrawn"] == [
        tombstone(
            merged,
            "merged",
            merged_into=f"ess-portal-est-ensemble--{kept.slug}",
            identifier=f"ess-portal-est-ensemble--{merged.slug}",
        )
    ]


def test_data_inclusion_services_are_withdrawn_with_their_provider_too(api):
    offer = factories.support_offer()
    provided = factories.support_offer()
    since = a_moment_ago()
    offer = withdraw(offer, PublicationStatus.ARCHIVED)
    provider = withdraw(provided.provider, PublicationStatus.DRAFT)
    provided.refresh_from_db()
    body = api.get(SERVICES, {"updated_since": since}).json()
    assert body["results"] == []
    assert body["withdrawn"] == [
        tombstone(offer, "archived", identifier=f"ess-portal-est-ensemble--{offer.slug}"),
        {
            **tombstone(provided, "unpublished", identifier=f"ess-portal-est-ensemble--{provided.slug}"),
            "updated_at": date(provider.updated_at),
        },
    ]


def test_support_offers_withdrawn_since_the_date_are_tombstones(api):
    offer = factories.support_offer()
    since = a_moment_ago()
    offer = withdraw(offer, PublicationStatus.DRAFT)
    body = api.get("/api/v1/support-offers/", {"updated_since": since}).json()
    assert body["results"] == []
    assert body["withdrawn"] == [tombstone(offer, "unpublished")]


def test_data_inclusion_exports_give_tombstones_even_to_staff_sessions(client):
    actor = factories.actor()
    since = a_moment_ago()
    actor = withdraw(actor, PublicationStatus.ARCHIVED)
    client.force_login(factories.staff_user(superuser=True))
    body = client.get(STRUCTURES, {"updated_since": since}).json()
    assert body["withdrawn"] == [
        tombstone(actor, "archived", identifier=f"ess-portal-est-ensemble--{actor.slug}"),
    ]


@pytest.mark.parametrize("path", ["/api/v1/actors/", "/api/v1/initiatives/", "/api/v1/sites/", STRUCTURES, SERVICES])
@pytest.mark.parametrize("value", ["hier", "2026-13-45T00:00:00", "9999-99-99"])
def test_a_bad_updated_since_is_a_400_on_the_field(api, path, value):
    response = api.get(path, {"updated_since": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]
