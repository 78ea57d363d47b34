"""The agenda's iCalendar feeds, read back with the `icalendar` package as calendar clients do."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from directory.models import PublicationStatus
from projects.models import Event
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://ess.example.org"


def _calendar(client, url="/agenda.ics", **params) -> icalendar.Calendar:
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _events(cal) -> dict[str, icalendar.Event]:
    return {str(item["UID"]): item for item in cal.walk("VEVENT")}


def test_the_feed_is_a_published_rfc_5545_calendar_with_the_paris_time_zone(client):
    project_factories.event()
    response = client.get("/agenda.ics")
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//Est Ensemble//ESS Portal agenda//FR"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Agenda de l'ESS — Est Ensemble"
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    # Lines end with CRLF and are folded at 75 octets.
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))


def test_each_event_has_a_stable_uid_and_its_fields(client):
    actor = factories.actor(name="Coopérative, fictive; et « guillemets »")
    event = project_factories.event(
        title="Atelier, réparation; et vélo",
        description="Ligne 1\nLigne 2, avec virgule; et point-virgule " + "très long " * 20,
        accessibility="Plain-pied.",
        registration_url="https://inscription.example.org/a",
        actors=[actor],
    )
    first = _events(_calendar(client))
    uid = f"event-{event.pk}@ess.example.org"
    assert list(first) == [uid]
    item = first[uid]
    assert str(item["SUMMARY"]) == "Atelier, réparation; et vélo"
    assert str(item["LOCATION"]) == "1 rue de l'Essai, Montreuil"
    assert str(item["URL"]) == f"https://ess.example.org/agenda/{event.slug}/"
    description = str(item["DESCRIPTION"])
    assert description.startswith("Ligne 1\nLigne 2, avec virgule; et point-virgule")
    assert "Organisé par : Coopérative, fictive; et « guillemets »" in description
    assert "Inscription : https://inscription.example.org/a" in description
    assert str(item["STATUS"]) == "CONFIRMED"
    assert item["DTSTART"].dt == timezone.localtime(event.starts_at)
    assert item["DTSTART"].params["TZID"] == "Europe/Paris"
    # Another request, another day: the same UID.
    assert list(_events(_calendar(client, kind="workshop"))) == [uid]


def test_an_edit_raises_sequence_and_last_modified(client):
    event = project_factories.event()
    # As if it had been written a while ago (the feed's dates are to the second).
    Event.objects.filter(pk=event.pk).update(updated_at=event.updated_at - datetime.timedelta(minutes=5))
    before = _events(_calendar(client))[f"event-{event.pk}@ess.example.org"]
    event.refresh_from_db()
    event.title = "Atelier déplacé"
    event.save()
    after = _events(_calendar(client))[f"event-{event.pk}@ess.example.org"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["LAST-MODIFIED"].dt > before["LAST-MODIFIED"].dt
    assert after["DTSTAMP"].dt == after["LAST-MODIFIED"].dt
    assert str(after["SUMMARY"]) == "Atelier déplacé"


def test_times_are_right_on_both_sides_of_the_daylight_saving_change(client):
    # Summer time ends on Sunday 27 October 2030 at 03:00 (back to 02:00).
    summer = datetime.datetime(2030, 10, 26, 18, 0, tzinfo=PARIS)
    winter = datetime.datetime(2030, 10, 28, 18, 0, tzinfo=PARIS)
    across = datetime.datetime(2030, 10, 27, 1, 30, tzinfo=PARIS)
    events = [
        project_factories.event(starts_at=start, ends_at=start.astimezone(datetime.UTC) + datetime.timedelta(hours=3))
        for start in (summer, winter, across)
    ]
    items = _events(_calendar(client))
    for event, utc_start in zip(
        events,
        (
            datetime.datetime(2030, 10, 26, 16, 0, tzinfo=datetime.UTC),
            datetime.datetime(2030, 10, 28, 17, 0, tzinfo=datetime.UTC),
            datetime.datetime(2030, 10, 26, 23, 30, tzinfo=datetime.UTC),
        ),
        strict=True,
    ):
        item = items[f"event-{event.pk}@ess.example.org"]
        assert item["DTSTART"].dt == utc_start
        # Three hours of real time, whatever the clock says (01:30 summer time → 03:30 winter time).
        # (Compared in UTC: Python subtracts two times of one zone by their wall clocks.)
        utc_end = item["DTEND"].dt.astimezone(datetime.UTC)
        assert utc_end - item["DTSTART"].dt.astimezone(datetime.UTC) == datetime.timedelta(hours=3)
    across_item = items[f"event-{events[2].pk}@ess.example.org"]
    assert across_item["DTSTART"].dt.isoformat() == "2030-10-27T01:30:00+02:00"
    assert across_item["DTEND"].dt.isoformat() == "2030-10-27T03:30:00+01:00"
    # The calendar's VTIMEZONE gives the same offsets as the time-zone database.
    zone = _calendar(client).walk("VTIMEZONE")[0].to_tz()
    assert datetime.datetime(2030, 7, 1, 12, tzinfo=zone).utcoffset() == datetime.timedelta(hours=2)
    assert datetime.datetime(2030, 12, 1, 12, tzinfo=zone).utcoffset() == datetime.timedelta(hours=1)


def test_the_feed_takes_the_pages_filters(client):
    montreuil = project_factories.event(title="À Montreuil")
    bondy = project_factories.event(title="À Bondy", commune=factories.commune("93010"), kind=Event.Kind.JURY)
    past = project_factories.event(title="Passé", starts_at=timezone.now() - datetime.timedelta(days=10))
    old = project_factories.event(title="Ancien", starts_at=timezone.now() - datetime.timedelta(days=800))

    def titles(**params):
        return sorted(str(item["SUMMARY"]) for item in _calendar(client, **params).walk("VEVENT"))

    assert titles() == sorted([montreuil.title, bondy.title, past.title])  # the last year and what is to come
    assert titles(commune="93048") == sorted([montreuil.title, past.title])
    assert titles(commune="93010", kind="jury") == [bondy.title]
    assert titles(when="upcoming") == sorted([montreuil.title, bondy.title])
    assert titles(when="past") == sorted([past.title, old.title])


@pytest.mark.parametrize("query", [{"commune": "99999"}, {"kind": "rave"}, {"when": "hier"}, {"sector": "x"}])
def test_a_bad_filter_on_the_feed_is_a_400_in_french(client, query):
    response = client.get("/agenda.ics", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("Critères non reconnus : ")


def test_no_unpublished_event_or_organiser_in_the_feeds(client):
    hidden_actor = factories.actor(name="Brouillon secret", status=PublicationStatus.DRAFT)
    shown = project_factories.event(actors=[hidden_actor])
    for status in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        project_factories.event(title=f"Secret {status}", publication_status=status)
    body = client.get("/agenda.ics").content.decode()
    assert "ecret" not in body
    assert list(_events(_calendar(client))) == [f"event-{shown.pk}@ess.example.org"]
    assert "ecret" not in client.get(f"/agenda/{shown.slug}.ics").content.decode()


def test_one_event_as_a_file_and_a_cancelled_one_says_so(client):
    event = project_factories.event(event_status=Event.Status.CANCELLED)
    response = client.get(f"/agenda/{event.slug}.ics")
    assert response["Content-Disposition"] == f'inline; filename="{event.slug}.ics"'
    cal = icalendar.Calendar.from_ical(response.content)
    (item,) = cal.walk("VEVENT")
    assert str(item["STATUS"]) == "CANCELLED"
    assert str(cal["X-WR-CALNAME"]) == event.title


def test_the_feed_is_answered_conditionally(client):
    project_factories.event()
    first = client.get("/agenda.ics")
    again = client.get("/agenda.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("size", [2, 12])
def test_feed_queries_do_not_grow(client, django_assert_num_queries, size):
    actors = [factories.actor() for _ in range(3)]
    for n in range(size):
        project_factories.event(actors=actors[: 1 + n % 3])
    # The data version, the events (place joined), their published organisers.
    with django_assert_num_queries(3):
        assert client.get("/agenda.ics").status_code == 200
    # One event: the data version, the event, its published organisers and initiatives.
    slug = Event.objects.first().slug
    with django_assert_num_queries(4):
        assert client.get(f"/agenda/{slug}.ics").status_code == 200
