"""No payload names an actor or a site the caller may not see: references, lists, CSV, GeoJSON, filters, headers."""

import csv
import io
import json

import pytest
from django.core.cache import cache

from directory.models import ApiToken, PublicationStatus
from projects.models import Involvement
from tests import factories
from tests.api.conftest import bearer
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED]
PLACEHOLDER = {"slug": None, "name": "Structure non publiée"}


@pytest.fixture(params=HIDDEN_STATES)
def hidden(request):
    return factories.actor(name="Nom secret de la structure", status=request.param)


@pytest.fixture
def initiative(hidden):
    obj = project_factories.initiative(lead_actor=hidden)
    visible_partner = factories.actor(name="Partenaire publié")
    Involvement.objects.create(initiative=obj, actor=hidden, role=Involvement.Role.PARTNER)
    Involvement.objects.create(initiative=obj, actor=visible_partner, role=Involvement.Role.PARTNER)
    project_factories.funding_line(obj, funder=hidden)
    obj.sites.set([project_factories.site(name="Lieu secret", publication_status=PublicationStatus.DRAFT)])
    return obj


@pytest.fixture
def site(hidden):
    obj = project_factories.site(owner=hidden, latitude="48.86", longitude="2.44")
    obj.occupants.set([hidden, factories.actor(name="Occupant publié")])
    return obj


def _text(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def test_initiatives_never_name_a_hidden_actor_nor_a_hidden_site(api, initiative, hidden):
    listed = api.get("/api/v1/initiatives/").json()["results"][0]
    assert listed["lead_actor"] == PLACEHOLDER
    detail = api.get(f"/api/v1/initiatives/{initiative.slug}/").json()
    assert detail["lead_actor"] == PLACEHOLDER
    assert [i["actor"]["name"] for i in detail["involvements"]] == ["Partenaire publié"]
    assert [line["funder"] for line in detail["funding_lines"]] == [PLACEHOLDER]
    assert detail["sites"] == []
    for body in (json.dumps(listed), json.dumps(detail)):
        assert hidden.slug not in body and "Nom secret" not in body and "lieu-secret" not in body


def test_a_token_reading_unpublished_records_sees_the_names(api, initiative, hidden):
    _token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    detail = api.get(f"/api/v1/initiatives/{initiative.slug}/", **bearer(raw)).json()
    assert detail["lead_actor"] == {"slug": hidden.slug, "name": "Nom secret de la structure"}
    assert len(detail["involvements"]) == 2
    assert [site["slug"] if isinstance(site, dict) else site for site in detail["sites"]] == ["lieu-secret"]


@pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
def test_sites_never_name_a_hidden_owner_or_occupant_in_any_format(api, site, hidden, fmt):
    response = api.get(f"/api/v1/sites/?format={fmt}")
    assert response.status_code == 200
    body = _text(response)
    assert hidden.slug not in body and "Nom secret" not in body
    if fmt == "json":
        payload = json.loads(body)["results"][0]
        assert payload["owner"] == PLACEHOLDER
        assert len(payload["occupants"]) == 1
    elif fmt == "geojson":
        assert json.loads(body)["features"][0]["properties"]["owner"] == PLACEHOLDER
    else:
        row = next(csv.DictReader(io.StringIO(body)))
        assert row["owner"] == ""
    assert hidden.slug not in _text(api.get(f"/api/v1/sites/{site.slug}/"))


@pytest.mark.parametrize("parameter", ["lead_actor", "actor"])
def test_filtering_on_a_hidden_actor_answers_as_for_an_unknown_one(api, initiative, hidden, parameter):
    unknown = api.get(f"/api/v1/initiatives/?{parameter}=structure-inconnue")
    secret = api.get(f"/api/v1/initiatives/?{parameter}={hidden.slug}")
    assert (secret.status_code, unknown.status_code) == (400, 400)
    assert secret.json() == json.loads(json.dumps(unknown.json()).replace("structure-inconnue", hidden.slug))


@pytest.mark.parametrize(
    "path", ["/api/v1/actors/", "/api/v1/initiatives/", "/api/v1/sites/", "/api/v1/support-offers/"]
)
def test_public_lists_validators_do_not_move_when_only_hidden_rows_change(api, path, hidden):
    factories.support_offer()
    project_factories.initiative()
    project_factories.site()
    project_factories.initiative(publication_status=PublicationStatus.DRAFT)
    project_factories.site(publication_status=PublicationStatus.DRAFT)
    before = api.get(path)
    hidden.name = "Autre nom secret"
    hidden.save()
    for model_rows in (
        project_factories.initiative(publication_status=PublicationStatus.DRAFT),
        project_factories.site(publication_status=PublicationStatus.DRAFT),
        factories.support_offer(status=PublicationStatus.DRAFT, provider=hidden),
    ):
        model_rows.save()
    cache.clear()
    after = api.get(path)
    assert (after["ETag"], after["Last-Modified"]) == (before["ETag"], before["Last-Modified"])
