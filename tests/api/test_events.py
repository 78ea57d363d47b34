"""`/api/v1/events/`: the agenda for partners, filtered like the page, published records only."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from directory.models import ApiToken, PublicationStatus, Sector
from projects import services
from projects.models import Event
from tests import factories
from tests.api.conftest import bearer
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def test_an_event_is_given_whole_with_paris_times_and_published_organisers_only(api):
    organiser = factories.actor(name="Coopérative fictive")
    hidden = factories.actor(name="Brouillon", status=PublicationStatus.DRAFT)
    initiative = project_factories.initiative()
    hidden_initiative = project_factories.initiative(publication_status=PublicationStatus.DRAFT)
    start = datetime.datetime(2030, 11, 14, 18, 30, tzinfo=PARIS)
    event = project_factories.event(
        title="Soirée",
        kind=Event.Kind.MOIS_ESS,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        registration_url="https://inscription.example.org",
        actors=[organiser, hidden],
        initiatives=[initiative, hidden_initiative],
    )
    response = api.get(f"/api/v1/events/{event.slug}/")
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "id": event.pk,
        "slug": event.slug,
        "title": "Soirée",
        "kind": "mois_ess",
        "description": "Un événement fictif pour les tests.",
        "starts_at": "2030-11-14T18:30:00+01:00",
        "ends_at": "2030-11-14T20:30:00+01:00",
        "event_status": "scheduled",
        "attendance_mode": "in_person",
        "place": {
            "name": "1 rue de l'Essai, Montreuil",
            "address": "1 rue de l'Essai",
            "commune": {"insee_code": "93048", "name": "Montreuil"},
            "site": None,
        },
        "online_url": "",
        "accessibility": "",
        "registration_url": "https://inscription.example.org",
        "organisers": [{"slug": organiser.slug, "name": "Coopérative fictive"}],
        "initiatives": [initiative.slug],
        "publication_status": "published",
        "is_fictional": False,
        "sequence": 0,
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "url": f"https://ess.example.org/agenda/{event.slug}/",
        "ics_url": f"https://ess.example.org/agenda/{event.slug}.ics",
    }


def test_only_published_events_are_listed_and_counted(api):
    shown = project_factories.event()
    for status in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        hidden = project_factories.event(publication_status=status)
        assert api.get(f"/api/v1/events/{hidden.slug}/").status_code == 404
    data = api.get("/api/v1/events/").json()
    assert data["count"] == 1
    assert [item["slug"] for item in data["results"]] == [shown.slug]


def test_a_token_that_reads_unpublished_records_sees_them(api):
    project_factories.event(publication_status=PublicationStatus.PENDING)
    token, raw = factories.api_token(scopes=[ApiToken.Scope.READ_UNPUBLISHED])
    assert api.get("/api/v1/events/", **bearer(raw)).json()["count"] == 1


def test_the_list_takes_the_agenda_filters(api):
    sector = Sector.objects.filter(parent__isnull=False).first()
    organiser = factories.actor()
    organiser.sectors.set([sector])
    now = timezone.now()
    montreuil = project_factories.event(actors=[organiser])
    bondy = project_factories.event(commune=factories.commune("93010"), kind=Event.Kind.JURY)
    past = project_factories.event(starts_at=now - datetime.timedelta(days=4))

    def slugs(**params):
        return [item["slug"] for item in api.get("/api/v1/events/", params).json()["results"]]

    assert slugs() == [past.slug, montreuil.slug, bondy.slug]  # every one, by start
    assert slugs(when="upcoming") == [montreuil.slug, bondy.slug]
    assert slugs(when="past") == [past.slug]
    assert slugs(commune="93010") == [bondy.slug]
    assert slugs(kind="jury") == [bondy.slug]
    assert slugs(sector=sector.slug) == [montreuil.slug]
    assert slugs(actor=organiser.slug) == [montreuil.slug]


@pytest.mark.parametrize(
    "query",
    [
        {"commune": "99999"},
        {"kind": "rave"},
        {"when": "hier"},
        {"sector": "inconnu"},
        {"updated_since": "pas une date"},
        {"updated_since": ""},
        {"cursor": "zzz"},
        {"ordering": "secret"},
        {"page_size": "-1"},
        {"format": "geojson"},
        {"actor": "x" * 300},
    ],
)
def test_bad_parameters_are_a_400_or_406_with_the_field_named(api, query):
    project_factories.event()
    response = api.get("/api/v1/events/", query)
    assert response.status_code in (400, 404, 406), response.content
    assert response.status_code != 500


def test_updated_since_gives_what_changed_and_what_was_withdrawn(api):
    old = project_factories.event()
    withdrawn = project_factories.event()
    Event.objects.update(updated_at=timezone.now() - datetime.timedelta(days=3))
    since = timezone.now() - datetime.timedelta(days=1)
    changed = project_factories.event()
    services.set_publication(
        records=Event.objects.filter(pk=withdrawn.pk), to_status=PublicationStatus.ARCHIVED, by=None
    )
    data = api.get("/api/v1/events/", {"updated_since": since.isoformat()}).json()
    assert [item["slug"] for item in data["results"]] == [changed.slug]
    assert [item["slug"] for item in data["withdrawn"]] == [withdrawn.slug]
    assert data["withdrawn"][0]["reason"] == "archived"
    assert old.slug not in str(data)


def test_lists_are_paged_by_cursor(api):
    for _ in range(3):
        project_factories.event()
    first = api.get("/api/v1/events/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and "cursor=" in first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert {item["slug"] for item in first["results"]}.isdisjoint(item["slug"] for item in second["results"])


def test_the_csv_gives_the_filtered_events_with_the_table_schemas_columns(api):
    organiser = factories.actor()
    event = project_factories.event(actors=[organiser], title="Atelier, avec virgule")
    project_factories.event(publication_status=PublicationStatus.DRAFT)
    response = api.get("/api/v1/events/", {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["slug"] for row in rows] == [event.slug]
    assert rows[0]["title"] == "Atelier, avec virgule"
    assert rows[0]["organisers"] == organiser.slug
    assert rows[0]["commune_insee_code"] == "93048"
    schema = api.get("/api/v1/schemas/events.json")
    assert schema.status_code == 200
    assert [field["name"] for field in schema.json()["fields"]] == list(rows[0])


@pytest.fixture(params=[2, 12], ids=["small", "larger"])
def events(request):
    actors = [factories.actor() for _ in range(3)]
    initiative = project_factories.initiative()
    return [project_factories.event(actors=actors[: 1 + n % 3], initiatives=[initiative]) for n in range(request.param)]


def test_list_queries_do_not_grow(api, events, django_assert_num_queries):
    # The data version, Last-Modified, count, the page (place joined), organisers, initiatives.
    with django_assert_num_queries(6):
        assert api.get("/api/v1/events/").status_code == 200


def test_detail_queries_do_not_grow(api, events, django_assert_num_queries):
    # The data version, the event, organisers, initiatives, its latest version (the ETag).
    with django_assert_num_queries(5):
        assert api.get(f"/api/v1/events/{events[0].slug}/").status_code == 200
