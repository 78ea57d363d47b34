"""A partner's update of a published record waits for a moderator, unless its token is trusted."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from directory import moderation
from directory.api.actors import ActorWriteSerializer
from directory.history import Origin
from directory.models import Actor, ApiToken, ChangeRequest, Neighbourhood, PublicationStatus, Sector
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

WRITE = [ApiToken.Scope.WRITE_ACTORS]
TRUSTED = [ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED]


def etag_of(api, slug, raw=None):
    return api.get(f"/api/v1/actors/{slug}/", **(bearer(raw) if raw else {}))["ETag"]


def patch(api, raw, slug, payload, *, etag=None, method="patch"):
    etag = etag or etag_of(api, slug, raw)
    return getattr(api, method)(
        f"/api/v1/actors/{slug}/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **bearer(raw),
    )


@pytest.fixture
def partner():
    """A published organisation with a token that may write its record, but not trusted."""
    token, raw = factories.api_token(scopes=WRITE)
    token.organisation.sectors.set(Sector.objects.filter(slug="ressourcerie"))
    return token, raw


def queued_payload(request: ChangeRequest, slug: str, changes: dict) -> dict:
    return {
        "id": request.pk,
        "kind": "partner",
        "state": "pending",
        "actor": slug,
        "changes": changes,
        "created_at": timezone.localtime(request.created_at).isoformat(),
        "decided_at": None,
        "decision_reason": None,
        "applied_fields": [],
        "url": f"http://testserver/api/v1/change-requests/{request.pk}/",
    }


# -- Queued, not written


def test_an_untrusted_update_of_a_published_record_is_queued_for_review(api, partner):
    token, raw = partner
    organisation = token.organisation
    etag = etag_of(api, organisation.slug)
    history = organisation.history.count()

    response = patch(
        api,
        raw,
        organisation.slug,
        {"offer": "Réparation de vélos.", "sectors": ["velo", "ressourcerie"], "phone": "01 43 00 00 00"},
        etag=etag,
    )

    assert response.status_code == 202, response.json()
    request = ChangeRequest.objects.get()
    changes = {"offer": "Réparation de vélos.", "sectors": ["ressourcerie", "velo"], "phone": "01 43 00 00 00"}
    assert response.json() == queued_payload(request, organisation.slug, changes)
    assert response["Location"] == f"http://testserver/api/v1/change-requests/{request.pk}/"
    assert (request.kind, request.state, request.token, request.actor) == (
        ChangeRequest.Kind.PARTNER,
        ChangeRequest.State.PENDING,
        token,
        organisation,
    )
    assert request.changes == changes
    assert request.base == {"offer": "", "sectors": ["ressourcerie"], "phone": ""}
    # The record, its version and its history are as they were.
    organisation.refresh_from_db()
    assert (organisation.offer, organisation.phone) == ("", "")
    assert list(organisation.sectors.values_list("slug", flat=True)) == ["ressourcerie"]
    assert organisation.history.count() == history
    assert etag_of(api, organisation.slug) == etag


def test_a_put_on_a_published_record_is_queued_too_with_only_what_differs(api, partner):
    token, raw = partner
    organisation = token.organisation
    payload = {
        "name": organisation.name,
        "legal_form": "association",
        "short_description": organisation.short_description,
        "commune": "93048",
        "postal_code": "93100",
        "siret": "732 829 320 00074",
    }

    response = patch(api, raw, organisation.slug, payload, method="put")

    assert response.status_code == 202, response.json()
    assert response.json()["changes"] == {"siret": "73282932000074"}
    assert ChangeRequest.objects.get().changes == {"siret": "73282932000074"}
    organisation.refresh_from_db()
    assert organisation.siret == ""


def test_every_field_the_api_writes_is_one_a_change_request_may_carry():
    writable = [name for name, field in ActorWriteSerializer().fields.items() if not field.read_only]
    assert set(writable) <= set(moderation.CHANGEABLE_FIELDS)


def test_fields_of_the_api_only_are_queued_in_public_codes_and_applied_on_approval(api, partner):
    token, raw = partner
    organisation = token.organisation
    neighbourhood = Neighbourhood.objects.filter(communes__insee_code="93048").order_by("slug").first()
    payload = {
        "roles": ["reseau", "structure-ess"],
        "neighbourhood": neighbourhood.slug,
        "latitude": "48.8611",
        "longitude": "2.4412",
        "communes_served": ["93006", "93048"],
        "serves_whole_territory": True,
        "fte": "2.5",
        "ess_status": "esus",
        "typology": Actor._meta.get_field("typology").choices[1][0],
    }

    response = patch(api, raw, organisation.slug, payload)

    assert response.status_code == 202, response.json()
    changes = {
        **payload,
        "roles": ["reseau", "structure-ess"],
        "latitude": "48.861100",
        "longitude": "2.441200",
        "fte": "2.5",
    }
    assert response.json()["changes"] == changes
    moderation.approve(ChangeRequest.objects.get(), moderator=factories.staff_user(group="Modérateurs"))
    organisation.refresh_from_db()
    assert (organisation.neighbourhood, organisation.latitude, organisation.fte) == (
        neighbourhood,
        Decimal("48.861100"),
        Decimal("2.5"),
    )
    assert organisation.serves_whole_territory is True
    assert sorted(organisation.roles.values_list("slug", flat=True)) == ["reseau", "structure-ess"]
    assert sorted(organisation.communes_served.values_list("insee_code", flat=True)) == ["93006", "93048"]
    assert {name: moderation.represent(organisation, name) for name in changes} == changes


# -- The status of a request


def test_the_organisation_reads_the_status_of_its_request_and_nobody_else_does(api, partner):
    token, raw = partner
    assert patch(api, raw, token.organisation.slug, {"offer": "Réparation."}).status_code == 202
    request = ChangeRequest.objects.get()
    path = f"/api/v1/change-requests/{request.pk}/"
    _sibling, sibling_raw = factories.api_token(organisation=token.organisation, name="Autre jeton")
    _other, other_raw = factories.api_token(scopes=TRUSTED)

    expected = queued_payload(request, token.organisation.slug, {"offer": "Réparation."})
    assert api.get(path, **bearer(raw)).json() == expected
    assert api.get(path, **bearer(sibling_raw)).json() == expected
    assert api.get("/api/v1/change-requests/", **bearer(raw)).json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [expected],
    }

    other = api.get(path, **bearer(other_raw))
    assert other.status_code == 404
    assert other.json() == {"status": 404, "code": "not_found", "detail": "Ressource introuvable.", "errors": {}}
    assert api.get("/api/v1/change-requests/", **bearer(other_raw)).json()["count"] == 0

    anonymous = api.get(path)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'
    assert api.get("/api/v1/change-requests/").status_code == 401


def test_staff_read_every_request_and_other_signed_in_people_none(api, partner):
    token, raw = partner
    assert patch(api, raw, token.organisation.slug, {"offer": "Réparation."}).status_code == 202
    other_token, other_raw = factories.api_token(scopes=WRITE)
    assert patch(api, other_raw, other_token.organisation.slug, {"offer": "Couture."}).status_code == 202

    api.force_login(factories.staff_user())
    assert api.get("/api/v1/change-requests/").json()["count"] == 2
    api.logout()
    api.force_login(User.objects.create_user("camille.publique"))
    assert api.get("/api/v1/change-requests/").status_code == 401


def test_change_requests_are_read_only(api, partner):
    token, raw = partner
    assert patch(api, raw, token.organisation.slug, {"offer": "Réparation."}).status_code == 202
    path = f"/api/v1/change-requests/{ChangeRequest.objects.get().pk}/"
    assert api.delete(path, **bearer(raw)).status_code == 405
    assert api.patch(path, {"state": "approved"}, format="json", **bearer(raw)).status_code == 405
    assert api.post("/api/v1/change-requests/", {}, format="json", **bearer(raw)).status_code == 405
    assert ChangeRequest.objects.get().state == ChangeRequest.State.PENDING


@pytest.mark.parametrize("lookup", ["abc", "0", "99999999999999999999999", "-1", "1.0"])
def test_an_unknown_request_is_a_404(api, partner, lookup):
    _token, raw = partner
    assert api.get(f"/api/v1/change-requests/{lookup}/", **bearer(raw)).status_code == 404


def test_requests_are_filtered_by_state_and_by_when_they_moved(api, partner):
    token, raw = partner
    slug = token.organisation.slug
    assert patch(api, raw, slug, {"offer": "Un."}).status_code == 202
    assert patch(api, raw, slug, {"offer": "Deux."}).status_code == 202
    first, second = ChangeRequest.objects.order_by("pk")
    ChangeRequest.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(days=10))
    ChangeRequest.objects.filter(pk=second.pk).update(created_at=timezone.now() - timezone.timedelta(days=10))
    moderation.reject(first, moderator=factories.staff_user(group="Modérateurs"), reason="Offre à préciser.")

    def ids(query):
        response = api.get(f"/api/v1/change-requests/?{query}", **bearer(raw))
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("state=pending") == [second.pk]
    assert ids("state=rejected&state=pending") == [first.pk, second.pk]
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"updated_since={since}") == [first.pk]
    assert ids("ordering=-created_at") == [second.pk, first.pk]
    assert api.get("/api/v1/change-requests/?state=unknown", **bearer(raw)).status_code == 400
    assert api.get("/api/v1/change-requests/?updated_since=hier", **bearer(raw)).status_code == 400


def test_a_rejected_request_says_why(api, partner):
    token, raw = partner
    assert patch(api, raw, token.organisation.slug, {"offer": "Tout et n'importe quoi."}).status_code == 202
    request = moderation.reject(
        ChangeRequest.objects.get(), moderator=factories.staff_user(group="Modérateurs"), reason="Offre à préciser."
    )
    body = api.get(f"/api/v1/change-requests/{request.pk}/", **bearer(raw)).json()
    assert (body["state"], body["decision_reason"], body["applied_fields"]) == ("rejected", "Offre à préciser.", [])
    assert body["decided_at"] == timezone.localtime(request.decided_at).isoformat()


def test_the_record_of_a_request_is_not_named_once_it_is_no_longer_published(api, partner):
    token, raw = partner
    assert patch(api, raw, token.organisation.slug, {"offer": "Réparation."}).status_code == 202
    Actor.objects.filter(pk=token.organisation.pk).update(status=PublicationStatus.ARCHIVED)
    body = api.get("/api/v1/change-requests/", **bearer(raw)).json()
    assert body["results"][0]["actor"] is None


# -- A moderator's decision


def test_an_approved_request_changes_the_record_with_the_api_origin_and_the_moderator(api, partner):
    token, raw = partner
    organisation = token.organisation
    etag = etag_of(api, organisation.slug)
    assert (
        patch(api, raw, organisation.slug, {"offer": "Réparation.", "sectors": ["velo"]}, etag=etag).status_code == 202
    )
    request = ChangeRequest.objects.get()
    moderator = factories.staff_user(group="Modérateurs", username="dominique.moderatrice")

    moderation.approve(request, moderator=moderator)

    organisation.refresh_from_db()
    assert organisation.offer == "Réparation."
    assert list(organisation.sectors.values_list("slug", flat=True)) == ["velo"]
    record = organisation.history.latest()
    assert (record.history_source, record.history_user, record.offer) == (Origin.API, moderator, "Réparation.")
    assert record.history_source_detail == f"demande n° {request.pk} · {token.prefix}"
    assert etag_of(api, organisation.slug) != etag
    body = api.get(f"/api/v1/change-requests/{request.pk}/", **bearer(raw)).json()
    assert (body["state"], body["decision_reason"], sorted(body["applied_fields"])) == (
        "approved",
        "",
        ["offer", "sectors"],
    )


def test_a_request_approved_in_part_applies_the_chosen_fields_only(api, partner):
    token, raw = partner
    assert (
        patch(api, raw, token.organisation.slug, {"offer": "Réparation.", "phone": "01 43 00 00 00"}).status_code == 202
    )
    moderation.approve(
        ChangeRequest.objects.get(), moderator=factories.staff_user(group="Modérateurs"), fields=["phone"]
    )
    token.organisation.refresh_from_db()
    assert (token.organisation.offer, token.organisation.phone) == ("", "01 43 00 00 00")
    body = api.get("/api/v1/change-requests/", **bearer(raw)).json()["results"][0]
    assert (body["state"], body["applied_fields"]) == ("partial", ["phone"])


# -- Written at once, as before


def test_a_trusted_token_updates_a_published_record_at_once(api):
    token, raw = factories.api_token(scopes=TRUSTED)
    organisation = token.organisation

    response = patch(api, raw, organisation.slug, {"offer": "Réparation."})

    assert response.status_code == 200, response.json()
    assert response.json()["offer"] == "Réparation."
    organisation.refresh_from_db()
    assert organisation.offer == "Réparation."
    record = organisation.history.latest()
    assert (record.history_source, record.history_source_detail) == (
        Origin.API,
        f"{organisation.name} ({token.prefix})",
    )
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.PENDING])
def test_a_record_not_yet_published_is_updated_at_once(api, status):
    organisation = factories.actor(status=status)
    _token, raw = factories.api_token(organisation=organisation, scopes=[*WRITE, ApiToken.Scope.READ_UNPUBLISHED])

    response = patch(api, raw, organisation.slug, {"offer": "Réparation."})

    assert response.status_code == 200, response.json()
    organisation.refresh_from_db()
    assert (organisation.offer, organisation.status) == ("Réparation.", status)
    assert not ChangeRequest.objects.exists()


def test_an_update_that_changes_nothing_is_a_200_with_the_record_and_no_request(api, partner):
    token, raw = partner
    organisation = token.organisation
    Actor.objects.filter(pk=organisation.pk).update(siret="73282932000074", siren="732829320", phone="01 43 00 00 00")
    etag = etag_of(api, organisation.slug)
    history = organisation.history.count()

    # The same values, written as people write them.
    response = patch(
        api,
        raw,
        organisation.slug,
        {"siret": "732 829 320 00074", "phone": "+33 1 43 00 00 00", "sectors": ["ressourcerie", "ressourcerie"]},
        etag=etag,
    )

    assert response.status_code == 200, response.json()
    assert response.json() == api.get(f"/api/v1/actors/{organisation.slug}/").json()
    assert response["ETag"] == etag
    assert not ChangeRequest.objects.exists()
    assert organisation.history.count() == history


# -- Refused as before, nothing queued


def test_a_stale_if_match_is_still_a_412_and_queues_nothing(api, partner):
    token, raw = partner
    organisation = token.organisation
    stale = etag_of(api, organisation.slug)
    organisation.refresh_from_db()
    organisation.phone = "01 43 00 00 00"
    organisation.save()

    response = patch(api, raw, organisation.slug, {"offer": "Réparation."}, etag=stale)

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert not ChangeRequest.objects.exists()


def test_a_missing_if_match_is_still_a_428(api, partner):
    token, raw = partner
    response = api.patch(
        f"/api/v1/actors/{token.organisation.slug}/", {"offer": "Réparation."}, format="json", **bearer(raw)
    )
    assert response.status_code == 428
    assert not ChangeRequest.objects.exists()


def test_invalid_input_is_still_a_400_with_field_errors_and_queues_nothing(api, partner):
    token, raw = partner
    slug = token.organisation.slug

    response = patch(api, raw, slug, {"sectors": ["inconnu"], "email": "pas un e-mail"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sectors", "email"}

    # The model's rules, as for a direct write: the postal code of another commune, coordinates off France.
    response = patch(api, raw, slug, {"postal_code": "93260", "latitude": "2.44", "longitude": "48.86"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "postal_code": ["Le code postal 93260 ne correspond pas à Montreuil (attendu : 93100)."],
        "latitude": response.json()["errors"]["latitude"],
    }
    assert not ChangeRequest.objects.exists()


def test_a_siret_already_in_the_directory_is_a_400_not_a_request(api, partner):
    token, raw = partner
    factories.actor(siret="73282932000074")
    response = patch(api, raw, token.organisation.slug, {"siret": "73282932000074"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"siret": ["Un acteur avec ce SIRET existe déjà dans l'annuaire."]}
    assert not ChangeRequest.objects.exists()


def test_another_organisations_record_is_still_a_403(api, partner):
    _token, raw = partner
    other = factories.actor()
    response = patch(api, raw, other.slug, {"offer": "Pirate."}, etag=etag_of(api, other.slug))
    assert response.status_code == 403
    assert not ChangeRequest.objects.exists()
