import json

import pytest

from directory.models import Actor, ApiToken, ChangeRequest, PublicationStatus
from directory.services import revoke_api_token
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

WRITE = [ApiToken.Scope.WRITE_ACTORS]
# Writes published records at once; without `trusted` they wait for review (tests/api/test_moderated_writes.py).
TRUSTED = [ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED]
NEW_ACTOR = {
    "name": "Coopérative fictive du Canal",
    "legal_form": "scop",
    "siret": "732 829 320 00074",
    "commune": "93048",
    "postal_code": "93100",
    "short_description": "Une coopérative fictive.",
    "sectors": ["ressourcerie"],
    "phone": "+33 1 43 00 00 00",
}


def post(api, raw, payload, **extra):
    return api.post(
        "/api/v1/actors/", data=json.dumps(payload), content_type="application/json", **bearer(raw), **extra
    )


def patch(api, raw, slug, payload, **extra):
    return api.patch(
        f"/api/v1/actors/{slug}/", data=json.dumps(payload), content_type="application/json", **bearer(raw), **extra
    )


def etag_of(api, slug, raw=None):
    headers = bearer(raw) if raw else {}
    return api.get(f"/api/v1/actors/{slug}/", **headers)["ETag"]


# -- Authentication


def test_anonymous_write_is_a_401_asking_for_a_bearer_token(api):
    response = api.post("/api/v1/actors/", data=NEW_ACTOR, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "status": 401,
        "code": "not_authenticated",
        "detail": "Authentification requise : Authorization: Bearer <jeton>.",
        "errors": {},
    }


def test_unknown_token_is_a_401_even_for_reading(api):
    response = api.get("/api/v1/actors/", **bearer("ess_deadbeef_nope"))
    assert response.status_code == 401
    assert response.json()["detail"] == "Jeton inconnu, révoqué ou expiré."


def test_revoked_token_is_a_401(api):
    token, raw = factories.api_token(scopes=WRITE)
    revoke_api_token(token=token)
    assert api.get("/api/v1/actors/", **bearer(raw)).status_code == 401


def test_malformed_authorization_header_is_a_401(api):
    response = api.get("/api/v1/actors/", HTTP_AUTHORIZATION="Bearer a b")
    assert response.status_code == 401


# -- Create


def test_token_without_write_actors_cannot_create(api):
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED, ApiToken.Scope.WRITE_INITIATIVES])
    response = post(api, raw, NEW_ACTOR)
    assert response.status_code == 403
    assert response.json()["detail"] == "Ce jeton n'a pas le droit « write:actors »."
    assert not Actor.objects.filter(name=NEW_ACTOR["name"]).exists()


def test_partner_creates_an_actor_pending_review_whatever_it_sends(api):
    token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, {**NEW_ACTOR, "status": "published", "source": "staff", "is_fictional": True})
    assert response.status_code == 201, response.json()
    actor = Actor.objects.get(name=NEW_ACTOR["name"])
    assert actor.status == PublicationStatus.PENDING
    assert actor.source == Actor.Source.PARTNER_API
    assert actor.is_fictional is False
    assert actor.siret == "73282932000074"
    assert actor.phone == "01 43 00 00 00"
    assert list(actor.sectors.values_list("slug", flat=True)) == ["ressourcerie"]
    body = response.json()
    assert body["slug"] == actor.slug
    assert body["status"] == "pending"
    assert response["Location"] == f"http://testserver/api/v1/actors/{actor.slug}/"
    assert response["ETag"] == etag_of(api, actor.slug, raw=factories.api_token(scopes=["read:unpublished"])[1])
    records = list(actor.history.order_by("history_id"))
    assert records[0].history_type == "+"
    assert {record.history_change_reason for record in records} == {f"API : {token.organisation.name} ({token.prefix})"}


def test_create_goes_through_the_model_validators(api):
    _token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, {**NEW_ACTOR, "siret": "73282932000075", "postal_code": "93260"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "siret": ["Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque chiffre."],
        "postal_code": ["Le code postal 93260 ne correspond pas à Montreuil (attendu : 93100)."],
    }
    response = post(api, raw, {**NEW_ACTOR, "postal_code": "93260"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "postal_code": ["Le code postal 93260 ne correspond pas à Montreuil (attendu : 93100)."]
    }
    assert not Actor.objects.filter(name=NEW_ACTOR["name"]).exists()


@pytest.mark.parametrize(("field", "value"), [("fte", "-0.5"), ("employees", -1), ("volunteers", -3)])
def test_negative_headcounts_are_a_400_on_their_field(api, field, value):
    _token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, {**NEW_ACTOR, field: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Actor.objects.filter(name=NEW_ACTOR["name"]).exists()


def test_duplicate_siret_is_a_400_on_the_siret_field(api):
    factories.actor(siret="73282932000074")
    _token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, NEW_ACTOR)
    assert response.status_code == 400
    assert response.json()["errors"] == {"siret": ["Un acteur avec ce SIRET existe déjà dans l'annuaire."]}


def test_unknown_sector_or_commune_is_a_400(api):
    _token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, {**NEW_ACTOR, "sectors": ["inconnu"], "commune": "99999"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sectors", "commune"}


def test_missing_required_fields_are_400(api):
    _token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, {})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "legal_form"}


def test_a_body_that_is_not_json_is_a_415_or_400(api):
    _token, raw = factories.api_token(scopes=WRITE)
    response = api.post(
        "/api/v1/actors/", data="name=x", content_type="application/x-www-form-urlencoded", **bearer(raw)
    )
    assert response.status_code == 415
    assert response.json()["status"] == 415
    response = api.post("/api/v1/actors/", data="{oops", content_type="application/json", **bearer(raw))
    assert response.status_code == 400
    response = api.post("/api/v1/actors/", data="[1, 2]", content_type="application/json", **bearer(raw))
    assert response.status_code == 400


def test_delete_is_not_allowed(api):
    token, raw = factories.api_token(scopes=WRITE)
    response = api.delete(f"/api/v1/actors/{token.organisation.slug}/", **bearer(raw))
    assert response.status_code == 405
    assert response.json()["status"] == 405


# -- Update


def test_trusted_partner_updates_its_own_record_with_if_match(api):
    token, raw = factories.api_token(scopes=TRUSTED)
    organisation = token.organisation
    etag = etag_of(api, organisation.slug)
    response = patch(api, raw, organisation.slug, {"description": "Nouvelle description fictive."}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    organisation.refresh_from_db()
    assert organisation.description == "Nouvelle description fictive."
    assert organisation.status == PublicationStatus.PUBLISHED
    assert response.json()["description"] == "Nouvelle description fictive."
    assert response["ETag"] != etag
    assert response["ETag"] == etag_of(api, organisation.slug)
    record = organisation.history.latest()
    assert record.history_type == "~"
    assert record.history_change_reason == f"API : {organisation.name} ({token.prefix})"
    assert record.description == "Nouvelle description fictive."
    assert not ChangeRequest.objects.exists()


def test_partner_update_of_its_published_record_waits_for_review(api):
    token, raw = factories.api_token(scopes=WRITE)
    organisation = token.organisation
    etag = etag_of(api, organisation.slug)
    response = patch(api, raw, organisation.slug, {"description": "Nouvelle description fictive."}, HTTP_IF_MATCH=etag)
    assert response.status_code == 202, response.json()
    request = ChangeRequest.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/change-requests/{request.pk}/"
    assert request.changes == {"description": "Nouvelle description fictive."}
    organisation.refresh_from_db()
    assert organisation.description == ""
    assert etag_of(api, organisation.slug) == etag


def test_update_without_if_match_is_a_428(api):
    token, raw = factories.api_token(scopes=WRITE)
    response = patch(api, raw, token.organisation.slug, {"description": "Sans If-Match."})
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    token.organisation.refresh_from_db()
    assert token.organisation.description == ""


def test_update_with_a_stale_if_match_is_a_412(api):
    token, raw = factories.api_token(scopes=TRUSTED)
    organisation = token.organisation
    stale = etag_of(api, organisation.slug)
    assert patch(api, raw, organisation.slug, {"offer": "Première écriture."}, HTTP_IF_MATCH=stale).status_code == 200
    response = patch(api, raw, organisation.slug, {"offer": "Seconde écriture."}, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    organisation.refresh_from_db()
    assert organisation.offer == "Première écriture."


def test_if_match_star_does_not_bypass_the_check(api):
    token, raw = factories.api_token(scopes=WRITE)
    response = patch(api, raw, token.organisation.slug, {"offer": "x"}, HTTP_IF_MATCH="*")
    assert response.status_code == 428


def test_weak_etag_from_a_proxy_still_matches(api):
    token, raw = factories.api_token(scopes=TRUSTED)
    etag = etag_of(api, token.organisation.slug)
    response = patch(api, raw, token.organisation.slug, {"offer": "Via un proxy."}, HTTP_IF_MATCH=f"W/{etag}")
    assert response.status_code == 200


def test_update_of_another_organisation_is_a_403(api):
    _token, raw = factories.api_token(scopes=WRITE)
    other = factories.actor(name="Autre structure fictive")
    response = patch(api, raw, other.slug, {"description": "Pirate."}, HTTP_IF_MATCH=etag_of(api, other.slug))
    assert response.status_code == 403
    assert response.json()["detail"] == "Ce jeton ne peut modifier que les fiches de son organisation."
    other.refresh_from_db()
    assert other.description == ""


def test_update_without_write_actors_is_a_403_even_on_its_own_record(api):
    token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    etag = etag_of(api, token.organisation.slug)
    assert patch(api, raw, token.organisation.slug, {"offer": "x"}, HTTP_IF_MATCH=etag).status_code == 403


def test_update_of_a_missing_actor_is_a_404(api):
    _token, raw = factories.api_token(scopes=WRITE)
    assert patch(api, raw, "inconnu", {"offer": "x"}, HTTP_IF_MATCH='"x"').status_code == 404


def test_staff_session_cannot_write_through_the_api(api):
    actor = factories.actor()
    api.force_login(factories.staff_user(superuser=True))
    response = api.patch(f"/api/v1/actors/{actor.slug}/", data={"offer": "x"}, format="json")
    assert response.status_code == 403


def test_invalid_update_writes_nothing(api):
    token, raw = factories.api_token(scopes=WRITE)
    organisation = token.organisation
    before = organisation.history.count()
    response = patch(
        api,
        raw,
        organisation.slug,
        {"latitude": "2.44", "longitude": "48.86", "offer": "Ne doit pas rester."},
        HTTP_IF_MATCH=etag_of(api, organisation.slug),
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["latitude"]
    organisation.refresh_from_db()
    assert organisation.offer == ""
    assert organisation.history.count() == before


def test_put_replaces_the_writable_fields(api):
    token, raw = factories.api_token(scopes=TRUSTED)
    organisation = token.organisation
    payload = {**NEW_ACTOR, "name": "Nom remplacé fictif", "siret": ""}
    response = api.put(
        f"/api/v1/actors/{organisation.slug}/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_IF_MATCH=etag_of(api, organisation.slug),
        **bearer(raw),
    )
    assert response.status_code == 200, response.json()
    organisation.refresh_from_db()
    assert organisation.name == "Nom remplacé fictif"
    assert organisation.legal_form == "scop"
    assert organisation.slug == response.json()["slug"]


def test_nul_characters_in_a_write_are_a_400(api):
    _token, raw = factories.api_token(scopes=WRITE)
    response = post(api, raw, {**NEW_ACTOR, "name": "Nom\x00fictif", "sectors": ["a\x00b"], "commune": "9\x00"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "sectors", "commune"}
