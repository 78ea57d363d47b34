"""The agenda's pages: the list and its filters, an event with its schema.org data, the proposal form."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from directory.models import PublicationStatus, Sector
from projects.forms import EventProposalForm
from projects.models import Event
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forms_may_be_sent_at_once(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0


def _json_ld(response) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


def _titles(response) -> list[str]:
    return [event.title for event in response.context["page_obj"].object_list]


def test_the_agenda_shows_upcoming_events_soonest_first_and_the_past_on_its_tab(client):
    now = timezone.now()
    later = project_factories.event(title="Plus tard", starts_at=now + datetime.timedelta(days=20))
    soon = project_factories.event(title="Bientôt", starts_at=now + datetime.timedelta(days=2))
    ongoing = project_factories.event(
        title="En cours", starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=1)
    )
    past = project_factories.event(title="Passé", starts_at=now - datetime.timedelta(days=3))
    response = client.get("/agenda/")
    assert response.status_code == 200
    assert _titles(response) == [ongoing.title, soon.title, later.title]
    assert "3 événements à venir" in response.content.decode()
    response = client.get("/agenda/", {"when": "past"})
    assert _titles(response) == [past.title]
    assert '<a class="button button--secondary" href="?when=past" aria-current="true">' in response.content.decode()


def test_the_agenda_filters_by_commune_kind_and_sector_of_published_organisers(client):
    sector = Sector.objects.filter(parent__isnull=False).first()
    organiser = factories.actor()
    organiser.sectors.set([sector])
    hidden = factories.actor(status=PublicationStatus.DRAFT)
    hidden.sectors.set([sector])
    in_montreuil = project_factories.event(title="À Montreuil", actors=[organiser])
    in_bondy = project_factories.event(
        title="À Bondy", commune=factories.commune("93010"), kind=Event.Kind.OPEN_DAY, actors=[hidden]
    )
    assert _titles(client.get("/agenda/", {"commune": "93048"})) == [in_montreuil.title]
    assert _titles(client.get("/agenda/", {"kind": "open_day"})) == [in_bondy.title]
    # An unpublished organiser's sector does not count: its event is not found through it.
    assert _titles(client.get("/agenda/", {"sector": sector.slug})) == [in_montreuil.title]
    assert _titles(client.get("/agenda/", {"sector": sector.parent.slug})) == [in_montreuil.title]


@pytest.mark.parametrize(
    "query",
    [
        {"commune": "99999"},
        {"kind": "bal-masqué"},
        {"when": "demain"},
        {"sector": "inconnu"},
        {"updated_since": "hier"},
        {"page": "x"},
        {"q": "a" * 5000},
        {"commune": "93048\x00"},
    ],
)
def test_bad_filter_values_give_the_page_with_the_error_never_a_500(client, query):
    project_factories.event()
    response = client.get("/agenda/", query)
    assert response.status_code == 200
    if "page" not in query and "q" not in query and "\x00" not in query.get("commune", ""):
        assert response.context["filter_errors"]
        assert "Certains critères ne sont pas reconnus" in response.content.decode()


def test_nothing_unpublished_shows_on_the_agenda_or_an_event_page(client):
    hidden_actor = factories.actor(name="Structure brouillon secrète", status=PublicationStatus.DRAFT)
    shown_actor = factories.actor(name="Structure publiée visible")
    hidden_site = project_factories.site(name="Lieu brouillon secret", publication_status=PublicationStatus.DRAFT)
    hidden_initiative = project_factories.initiative(
        title="Projet brouillon secret", publication_status=PublicationStatus.DRAFT
    )
    event = project_factories.event(actors=[hidden_actor, shown_actor], site=hidden_site, address="")
    event.initiatives.set([hidden_initiative])
    for status in (PublicationStatus.DRAFT, PublicationStatus.PENDING, PublicationStatus.ARCHIVED):
        project_factories.event(title=f"Événement {status} secret", publication_status=status)
    for url in ("/agenda/", event.get_absolute_url(), "/agenda/?when=past", "/"):
        body = client.get(url).content.decode()
        assert "secret" not in body, url
    listing = client.get("/agenda/", {"when": "upcoming"})
    assert listing.context["page_obj"].paginator.count == 1
    assert "Structure publiée visible" in client.get(event.get_absolute_url()).content.decode()
    pending = Event.objects.get(publication_status=PublicationStatus.PENDING)
    assert client.get(pending.get_absolute_url()).status_code == 404
    assert client.get(f"/agenda/{pending.slug}.ics").status_code == 404


def test_an_unknown_event_is_a_404(client):
    assert client.get("/agenda/cet-evenement-n-existe-pas/").status_code == 404
    assert client.get("/agenda/cet-evenement-n-existe-pas.ics").status_code == 404


def test_an_event_page_says_when_in_paris_time_and_carries_a_schema_org_event(client, settings):
    settings.SITE_URL = "https://ess.example.org"
    organiser = factories.actor(name="Coopérative fictive")
    hidden = factories.actor(name="Brouillon", status=PublicationStatus.DRAFT)
    paris = timezone.get_default_timezone()
    start = datetime.datetime(2030, 11, 14, 18, 30, tzinfo=paris)
    event = project_factories.event(
        title="Soirée du Mois de l'ESS",
        kind=Event.Kind.MOIS_ESS,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        attendance_mode=Event.Attendance.MIXED,
        online_url="https://visio.example.org/soiree",
        registration_url="https://inscription.example.org/soiree",
        accessibility="Salle de plain-pied.",
        actors=[organiser, hidden],
    )
    response = client.get(event.get_absolute_url())
    body = response.content.decode()
    assert '<time datetime="2030-11-14T18:30:00+01:00">jeudi 14 novembre 2030, 18h30</time>' in body
    assert "Salle de plain-pied." in body
    assert f'href="/agenda/{event.slug}.ics"' in body
    data = _json_ld(response)
    assert data == {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": f"https://ess.example.org/agenda/{event.slug}/#evenement",
        "name": "Soirée du Mois de l'ESS",
        "url": f"https://ess.example.org/agenda/{event.slug}/",
        "startDate": "2030-11-14T18:30:00+01:00",
        "endDate": "2030-11-14T20:30:00+01:00",
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "inLanguage": "fr",
        "description": "Un événement fictif pour les tests.",
        "location": [
            {
                "@type": "Place",
                "name": "1 rue de l'Essai, Montreuil",
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": "Montreuil",
                    "addressCountry": "FR",
                    "streetAddress": "1 rue de l'Essai",
                },
            },
            {"@type": "VirtualLocation", "url": "https://visio.example.org/soiree"},
        ],
        "organizer": {
            "@type": "Organization",
            "@id": f"https://ess.example.org{organiser.get_absolute_url()}#organisation",
            "name": "Coopérative fictive",
            "url": f"https://ess.example.org{organiser.get_absolute_url()}",
        },
        "offers": {"@type": "Offer", "url": "https://inscription.example.org/soiree"},
    }


def test_a_cancelled_online_event_says_so_in_its_schema_org_data(client):
    event = project_factories.event(
        attendance_mode=Event.Attendance.ONLINE,
        online_url="https://visio.example.org/x",
        commune=None,
        event_status=Event.Status.CANCELLED,
    )
    data = _json_ld(client.get(event.get_absolute_url()))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://visio.example.org/x"}
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert "organizer" not in data


def test_a_title_that_looks_like_markup_in_the_description_is_escaped(client):
    event = project_factories.event(description="</script><script>alert(1)</script>")
    body = client.get(event.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body


def test_actor_initiative_and_site_pages_list_their_next_published_events(client):
    actor = factories.actor()
    initiative = project_factories.initiative()
    site = project_factories.site(publication_status=PublicationStatus.PUBLISHED)
    now = timezone.now()
    shown = project_factories.event(title="Prochain atelier", actors=[actor], initiatives=[initiative], site=site)
    project_factories.event(
        title="Atelier passé", actors=[actor], initiatives=[initiative], site=site,
        starts_at=now - datetime.timedelta(days=5),
    )  # fmt: skip
    project_factories.event(
        title="Atelier brouillon", actors=[actor], initiatives=[initiative], site=site,
        publication_status=PublicationStatus.DRAFT,
    )  # fmt: skip
    for url in (actor.get_absolute_url(), initiative.get_absolute_url(), "/lieux/"):
        body = client.get(url).content.decode()
        assert shown.title in body, url
        assert "Atelier passé" not in body and "Atelier brouillon" not in body, url


@pytest.fixture(params=[2, 12], ids=["small", "larger"])
def agenda_data(request):
    sector = Sector.objects.filter(parent__isnull=False).first()
    actors = [factories.actor() for _ in range(3)]
    for actor in actors:
        actor.sectors.set([sector])
    site = project_factories.site(publication_status=PublicationStatus.PUBLISHED)
    initiative = project_factories.initiative()
    events = [
        project_factories.event(actors=actors[: 1 + n % 3], initiatives=[initiative], site=site if n % 2 else None)
        for n in range(request.param)
    ]
    return {"events": events, "sector": sector, "actors": actors, "site": site, "initiative": initiative}


def test_agenda_queries_do_not_grow(client, agenda_data, django_assert_num_queries):
    # The data version, count, page (commune, site joined), organisers, communes and sectors of the filters.
    with django_assert_num_queries(6):
        assert client.get("/agenda/").status_code == 200
    # Filtered: the commune and sector asked for are looked up first.
    with django_assert_num_queries(8):
        response = client.get(
            "/agenda/", {"commune": "93048", "sector": agenda_data["sector"].slug, "kind": "workshop"}
        )
    assert response.status_code == 200


def test_event_page_queries_do_not_grow(client, agenda_data, django_assert_num_queries):
    # The data version, the event (place joined), its organisers, its initiatives.
    with django_assert_num_queries(4):
        assert client.get(agenda_data["events"][0].get_absolute_url()).status_code == 200


def test_site_list_queries_do_not_grow_with_events(client, agenda_data, django_assert_num_queries):
    # The data version, count, page, occupants, initiatives, next events, stage counts, markers, communes,
    # neighbourhoods.
    with django_assert_num_queries(10):
        assert client.get("/lieux/").status_code == 200


# ---------------------------------------------------------------------------
# Proposals


def _proposal(**overrides) -> dict:
    start = timezone.localtime() + datetime.timedelta(days=12)
    data = {
        "title": "Portes ouvertes de l'atelier",
        "kind": "open_day",
        "description": "Venez découvrir l'atelier.",
        "starts_at": start.strftime("%Y-%m-%dT14:00"),
        "ends_at": start.strftime("%Y-%m-%dT18:00"),
        "attendance_mode": "in_person",
        "address": "3 rue de l'Essai",
        "commune": "93048",
        "accessibility": "Plain-pied.",
        "registration_url": "https://inscription.example.org",
        "proposal_message": "Merci !",
        "nickname": "",
        "started": EventProposalForm().initial["started"],
    }
    data.update(overrides)
    return data


def test_a_proposed_event_waits_for_moderation_and_is_not_public(client):
    response = client.get("/agenda/proposer/")
    assert response.status_code == 200
    response = client.post("/agenda/proposer/", _proposal())
    assert response.status_code == 302
    assert response["Location"] == "/agenda/proposer/merci/"
    event = Event.objects.get()
    assert event.publication_status == PublicationStatus.PENDING
    assert timezone.localtime(event.starts_at).hour == 14
    assert event.submitter_key
    assert client.get("/agenda/").context["page_obj"].paginator.count == 0
    assert client.get(event.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2020-01-01T10:00"}, "ends_at", "La fin de l'événement précède son début."),
        ({"registration_url": "javascript:alert(1)"}, "registration_url", "commence par http:// ou https://"),
        ({"title": "<b>Fête</b>"}, "title", "balises HTML"),
        ({"starts_at": "2099-01-01T10:00", "ends_at": "2099-01-01T12:00"}, "starts_at", "plus de 5 ans"),
        ({"commune": ""}, "commune", "Indiquez la commune"),
        ({"starts_at": "demain"}, "starts_at", ""),
        ({"commune": "00000"}, "commune", ""),
    ],
)
def test_a_bad_proposal_is_shown_again_with_a_french_error(client, overrides, field, message):
    response = client.post("/agenda/proposer/", _proposal(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Event.objects.exists()


def test_the_proposal_form_refuses_robots(client):
    response = client.post("/agenda/proposer/", _proposal(nickname="spam"))
    assert response.status_code == 200
    assert not Event.objects.exists()


def test_proposals_are_rate_limited_per_sender(client, settings):
    settings.CONTRIBUTION_RATE_PER_HOUR = 2
    for n in range(2):
        assert client.post("/agenda/proposer/", _proposal(title=f"Atelier {n}")).status_code == 302
    assert client.post("/agenda/proposer/", _proposal(title="Atelier 3")).status_code == 429
    assert Event.objects.count() == 2


def test_a_structure_account_proposes_as_the_structure_it_represents(client):
    actor = factories.actor(name="Ma structure")
    other = factories.actor(name="Une autre")
    user = factories.structure_account(actor)
    client.force_login(user)
    assert client.post("/agenda/proposer/", _proposal(organisers=[other.pk])).status_code == 200
    assert client.post("/agenda/proposer/", _proposal(organisers=[actor.pk])).status_code == 302
    event = Event.objects.get()
    assert list(event.actors.all()) == [actor]
    assert event.history.earliest().history_user == user
