"""A partner's write from a version that is no longer current is refused, naming who changed what since."""

import pytest
from django.contrib.auth.models import User

from directory.models import ApiToken
from tests import factories
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_the_etag_of_a_record_opens_with_its_version(api):
    actor = factories.actor()
    etag = api.get(f"/api/v1/actors/{actor.slug}/")["ETag"]
    assert etag.strip('"').split(".")[0] == str(actor.history.latest().history_id)


def test_a_staff_edit_since_the_partner_read_is_a_412_naming_who_and_what(api):
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    actor = token.organisation
    etag = api.get(f"/api/v1/actors/{actor.slug}/")["ETag"]
    actor.refresh_from_db()
    actor.phone = "01 43 00 00 00"
    actor._history_user = User.objects.create_user("camille.agent", first_name="Camille")
    actor.save()
    response = api.patch(
        f"/api/v1/actors/{actor.slug}/", {"offer": "Réparation."}, format="json", HTTP_IF_MATCH=etag, **bearer(raw)
    )
    assert response.status_code == 412
    detail = response.json()["detail"]
    assert "camille.agent" in detail and "téléphone public" in detail
    actor.refresh_from_db()
    assert actor.offer == ""


def test_reading_again_gives_the_version_to_write_from(api):
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED])
    slug = token.organisation.slug
    first = api.patch(
        f"/api/v1/actors/{slug}/",
        {"offer": "Un."},
        format="json",
        HTTP_IF_MATCH=api.get(f"/api/v1/actors/{slug}/")["ETag"],
        **bearer(raw),
    )
    assert first.status_code == 200
    second = api.patch(
        f"/api/v1/actors/{slug}/", {"offer": "Deux."}, format="json", HTTP_IF_MATCH=first["ETag"], **bearer(raw)
    )
    assert second.status_code == 200
    stale = api.patch(
        f"/api/v1/actors/{slug}/", {"offer": "Trois."}, format="json", HTTP_IF_MATCH=first["ETag"], **bearer(raw)
    )
    assert stale.status_code == 412
