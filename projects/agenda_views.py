"""Public pages of the agenda: the list, an event, the iCalendar feeds and the proposal form.

Only published events are shown, with their published organisers, initiatives and sites; the list,
the feed and the API (`projects.api.EventViewSet`) filter through one FilterSet (`EventFilterSet`).
"""

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from directory.contributions import rate_limited, sender_key
from directory.models import Actor, Commune, Sector
from ess_portal import pages
from ess_portal.response_cache import kept_for_anonymous
from projects import calendar, services
from projects.filters import EventFilterSet
from projects.forms import EventProposalForm
from projects.models import Event, Initiative

# Without `when`, the feed gives the events that ended in the last FEED_PAST_DAYS days and every one to come:
# what a subscribed calendar needs, without the whole archive.
FEED_PAST_DAYS = 365


def _published_events():
    return Event.objects.published()


def _filterset(request, data=None) -> EventFilterSet:
    return EventFilterSet(request.GET if data is None else data, queryset=_published_events(), request=request)


def _ordered(filterset: EventFilterSet):
    results = filterset.qs
    if filterset.form.cleaned_data.get("when") == EventFilterSet.PAST:
        return results.order_by("-starts_at", "-pk")
    return results.order_by("starts_at", "pk")


def _sector_options() -> list[tuple]:
    sectors = list(Sector.objects.order_by("position", "name"))
    options = []
    for parent in (sector for sector in sectors if sector.parent_id is None):
        options.append((parent.slug, parent.name, 0))
        options += [(child.slug, child.name, 1) for child in sectors if child.parent_id == parent.pk]
    return options


@require_GET
@kept_for_anonymous
def agenda(request):
    """The agenda: upcoming events by default, the past ones on their tab, filtered like the API."""
    data = request.GET.copy()
    if not data.get("when"):
        data["when"] = EventFilterSet.UPCOMING
    filterset = _filterset(request, data)
    results = _ordered(filterset).for_list() if filterset.is_valid() else Event.objects.none()
    page, page_range, page_notice = pages.paginate(request, results)
    groups = pages.checkbox_groups(
        filterset,
        {
            "kind": Event.Kind.choices,
            "commune": [(c.insee_code, c.name) for c in Commune.objects.in_territory()],
            "sector": _sector_options(),
            "attendance_mode": Event.Attendance.choices,
        },
        open_names=("kind", "commune"),
    )
    when = data.get("when")
    tab_query = pages.query_without(request, "page", "when")
    tabs = [
        {
            "label": label,
            "url": "?" + "&".join(part for part in (f"when={value}", tab_query) if part),
            "current": when == value,
        }
        for value, label in ((EventFilterSet.UPCOMING, _("À venir")), (EventFilterSet.PAST, _("Passés")))
    ]
    feed_query = pages.query_without(request, "page", "when")
    title = _("Événements passés de l'ESS") if when == EventFilterSet.PAST else _("Agenda de l'ESS")
    return render(
        request,
        "projects/event_list.html",
        {
            "filterset": filterset,
            "q": filterset.data.get("q", ""),
            "when": when if when in (EventFilterSet.UPCOMING, EventFilterSet.PAST) else "",
            "tabs": tabs,
            "filter_groups": groups,
            "filter_errors": pages.filter_errors(filterset),
            "page_title": pages.list_title(title, filterset, page, groups),
            "page_obj": page,
            "page_range": page_range,
            "page_notice": page_notice,
            "has_fictional": any(event.is_fictional for event in page.object_list),
            "query_string": pages.query_without(request, "page"),
            "feed_url": reverse("projects:agenda_feed") + (f"?{feed_query}" if feed_query else ""),
            "crumbs": [(_("Agenda"), "")],
        },
    )


def _event_or_404(slug):
    return get_object_or_404(
        _published_events()
        .for_list()
        .prefetch_related(
            Prefetch(
                "initiatives",
                queryset=Initiative.objects.published().order_by("title", "pk"),
                to_attr="public_initiatives",
            )
        ),
        slug=slug,
    )


def _iso(value) -> str:
    return timezone.localtime(value).isoformat()


def event_json_ld(event: Event) -> dict:
    """schema.org `Event` of an event page: dates with their offset, place or virtual location, organisers."""
    url = settings.SITE_URL + event.get_absolute_url()
    modes = {
        Event.Attendance.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
        Event.Attendance.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
        Event.Attendance.MIXED: "https://schema.org/MixedEventAttendanceMode",
    }
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": f"{url}#evenement",
        "name": event.title,
        "url": url,
        "startDate": _iso(event.starts_at),
        "endDate": _iso(event.ends_at),
        "eventAttendanceMode": modes[event.attendance_mode],
        "eventStatus": "https://schema.org/EventCancelled"
        if event.is_cancelled
        else "https://schema.org/EventScheduled",
        "inLanguage": "fr",
    }
    if event.description:
        data["description"] = event.description[:500]
    locations = []
    if event.is_in_person:
        place = {"@type": "Place", "name": event.place_name or event.commune.name}
        address = {"@type": "PostalAddress", "addressLocality": event.commune.name, "addressCountry": "FR"}
        street = event.address or (event.site.address if event.site_id and event.site.is_published else "")
        if street:
            address["streetAddress"] = street
        place["address"] = address
        if event.site_id and event.site.is_published and event.site.has_coordinates:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(event.site.latitude),
                "longitude": float(event.site.longitude),
            }
        locations.append(place)
    if event.is_online:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    data["location"] = locations[0] if len(locations) == 1 else locations
    organisers = [
        {
            "@type": "Organization",
            "@id": f"{settings.SITE_URL}{actor.get_absolute_url()}#organisation",
            "name": actor.name,
            "url": settings.SITE_URL + actor.get_absolute_url(),
        }
        for actor in event.public_actors
    ]
    if organisers:
        data["organizer"] = organisers[0] if len(organisers) == 1 else organisers
    if event.registration_url:
        data["offers"] = {"@type": "Offer", "url": event.registration_url}
    return data


@require_GET
@kept_for_anonymous
def event_detail(request, slug):
    event = _event_or_404(slug)
    return render(
        request,
        "projects/event_detail.html",
        {
            "event": event,
            "is_over": event.is_over(),
            "json_ld": event_json_ld(event),
            "crumbs": [(_("Agenda"), reverse("projects:agenda")), (event.title, "")],
        },
    )


@require_GET
@kept_for_anonymous
def event_ics(request, slug):
    """One event as an iCalendar file, to add it to one's calendar."""
    event = _event_or_404(slug)
    content = calendar.calendar([event], name=event.title)
    return calendar.response(content, filename=f"{event.slug}.ics")


@require_GET
@kept_for_anonymous
def agenda_feed(request):
    """`/agenda.ics`: the agenda as a calendar to subscribe to, with the page's filters (400 on a bad one)."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        # The criteria by their names, never the values sent (a calendar client shows this text as it is).
        labels = [str(filterset.filters[name].label) for name in filterset.errors if name in filterset.filters]
        message = _("Critères non reconnus : %(names)s. Voir /agenda/ pour les valeurs possibles.") % {
            "names": ", ".join(labels) or _("paramètres")
        }
        return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    results = _ordered(filterset)
    if not filterset.form.cleaned_data.get("when"):
        results = results.filter(ends_at__gte=timezone.now() - timezone.timedelta(days=FEED_PAST_DAYS))
    content = calendar.calendar(
        results.for_list(),
        name=_("Agenda de l'ESS — Est Ensemble"),
        description=_("Les événements de l'économie sociale et solidaire à Est Ensemble."),
    )
    return calendar.response(content, filename="agenda-ess.ics")


def _represented(request):
    if not request.user.is_authenticated:
        return None
    return Actor.objects.published().filter(representatives__user=request.user).order_by("name")


def _proposal_rate_limited(request) -> bool:
    key = sender_key(request)
    return rate_limited(request) or services.recent_event_proposals(key) >= settings.CONTRIBUTION_RATE_PER_HOUR


@require_http_methods(["GET", "POST"])
def event_propose(request):
    """Propose an event: it waits « à valider » until a moderator publishes it from the admin."""
    crumbs = [(_("Agenda"), reverse("projects:agenda")), (_("Proposer un événement"), "")]
    represented = _represented(request)
    if request.method == "POST":
        if _proposal_rate_limited(request):
            return render(
                request,
                "directory/contribute/rate_limited.html",
                {"limit": settings.CONTRIBUTION_RATE_PER_HOUR, "contact_email": settings.DEFAULT_FROM_EMAIL},
                status=429,
            )
        form = EventProposalForm(request.POST, represented=represented)
        if form.is_valid():
            form.save(key=sender_key(request), user=request.user if represented is not None else None)
            return redirect("projects:event_propose_thanks")
    else:
        form = EventProposalForm(represented=represented)
    return render(request, "projects/event_propose.html", {"form": form, "crumbs": crumbs})


def event_propose_thanks(request):
    return render(
        request,
        "projects/event_propose_thanks.html",
        {"crumbs": [(_("Agenda"), reverse("projects:agenda")), (_("Proposition envoyée"), "")]},
    )
