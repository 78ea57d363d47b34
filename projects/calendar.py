"""The agenda as iCalendar (RFC 5545): `/agenda.ics`, filtered like the page, and one event's `.ics`.

Written with the `icalendar` package, which escapes commas, semicolons and newlines and folds lines
at 75 octets. Times are given in Paris time with `TZID=Europe/Paris`, and the calendar carries the
VTIMEZONE that defines it (the EU rule in force since 1996, as RRULEs: the same text whatever the
events' dates, so that the answer only changes when an event does).

- UID: `event-<pk>@<host of SITE_URL>`, stable for the life of the event;
- SEQUENCE: the event's revision (`Event.sequence`, raised by every save), LAST-MODIFIED and DTSTAMP
  its `updated_at`: a calendar client that already has the event sees that it changed;
- a cancelled event stays, with STATUS:CANCELLED, so that subscribed calendars drop it.
"""

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from icalendar import Calendar, Component, Timezone, vRecur
from icalendar import Event as VEvent

from projects.models import Event

PARIS = ZoneInfo("Europe/Paris")
PRODID = "-//Est Ensemble//ESS Portal agenda//FR"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def uid_for(event: Event) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"event-{event.pk}@{host}"


def _paris_timezone() -> Timezone:
    timezone = Timezone()
    timezone.add("tzid", "Europe/Paris")
    for kind, offsets, name, start, month in (
        ("DAYLIGHT", ("+0100", "+0200"), "CEST", datetime(1970, 3, 29, 2), 3),
        ("STANDARD", ("+0200", "+0100"), "CET", datetime(1970, 10, 25, 3), 10),
    ):
        part = Component.from_ical(f"BEGIN:{kind}\r\nEND:{kind}\r\n")
        part.add("tzoffsetfrom", offsets[0], encode=False)
        part.add("tzoffsetto", offsets[1], encode=False)
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", vRecur(freq="YEARLY", bymonth=month, byday="-1SU"))
        timezone.add_component(part)
    return timezone


def _description(event: Event) -> str:
    lines = [event.description.strip()] if event.description.strip() else []
    organisers = [actor.name for actor in getattr(event, "public_actors", [])]
    if organisers:
        lines.append(_("Organisé par : %(names)s") % {"names": ", ".join(organisers)})
    if event.accessibility:
        lines.append(_("Accessibilité : %(text)s") % {"text": event.accessibility.strip()})
    if event.registration_url:
        lines.append(_("Inscription : %(url)s") % {"url": event.registration_url})
    if event.is_online:
        lines.append(_("En ligne : %(url)s") % {"url": event.online_url})
    return "\n\n".join(lines)


def vevent(event: Event) -> VEvent:
    """One event as a VEVENT (its organisers from `public_actors`: see `EventQuerySet.for_list`)."""
    item = VEvent()
    item.add("uid", uid_for(event))
    item.add("dtstamp", event.updated_at)
    item.add("created", event.created_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    item.add("dtstart", event.starts_at.astimezone(PARIS))
    item.add("dtend", event.ends_at.astimezone(PARIS))
    item.add("summary", event.title)
    description = _description(event)
    if description:
        item.add("description", description)
    location = event.place_name if event.is_in_person else event.online_url
    if event.attendance_mode == Event.Attendance.MIXED:
        location = f"{event.place_name} — {event.online_url}" if event.place_name else event.online_url
    if location:
        item.add("location", location)
    item.add("url", settings.SITE_URL + event.get_absolute_url())
    item.add("categories", [str(event.get_kind_display())])
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    item.add("transp", "OPAQUE")
    return item


def calendar(events, *, name: str, description: str = "") -> bytes:
    """A VCALENDAR of `events` (published ones: the caller filters), as bytes."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    if description:
        cal.add("x-wr-caldesc", description)
    cal.add_component(_paris_timezone())
    for event in events:
        cal.add_component(vevent(event))
    return cal.to_ical()


def response(content: bytes, *, filename: str) -> HttpResponse:
    answer = HttpResponse(content, content_type=CONTENT_TYPE)
    # Shown by calendar applications when subscribed, saved under this name when downloaded.
    answer["Content-Disposition"] = f'inline; filename="{filename}"'
    return answer
