"""The agenda's events: their rules (forms, admin, API share them), revisions, proposals and their moderation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.history import Origin
from directory.models import PublicationStatus
from projects import services
from projects.demo import load_events_demo
from projects.models import Event
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


def _errors(**overrides) -> dict:
    event = Event(
        title=overrides.pop("title", "Atelier fictif"),
        starts_at=overrides.pop("starts_at", timezone.now() + datetime.timedelta(days=3)),
        ends_at=overrides.pop("ends_at", timezone.now() + datetime.timedelta(days=3, hours=2)),
        commune=overrides.pop("commune", factories.commune()),
        **overrides,
    )
    with pytest.raises(ValidationError) as caught:
        event.full_clean()
    return caught.value.message_dict


def test_an_event_ending_before_it_starts_is_refused_in_french():
    start = timezone.now() + datetime.timedelta(days=3)
    errors = _errors(starts_at=start, ends_at=start - datetime.timedelta(hours=1))
    assert errors["ends_at"] == ["La fin de l'événement précède son début."]


def test_the_database_refuses_an_event_ending_before_it_starts_too():
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            title="x", starts_at=start, ends_at=start - datetime.timedelta(hours=1), commune=factories.commune()
        )


def test_a_start_more_than_five_years_away_is_refused():
    start = timezone.now() + datetime.timedelta(days=365 * 6)
    errors = _errors(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    assert errors["starts_at"] == ["Le début est à plus de 5 ans : vérifiez l'année."]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "mailto:a@example.org", "pas une url"])
def test_a_registration_link_that_is_not_http_is_refused(url):
    errors = _errors(registration_url=url)
    assert errors["registration_url"] == ["Indiquez une adresse web complète qui commence par http:// ou https://."]


@pytest.mark.parametrize("title", ["<b>Atelier</b>", "Atelier <script>alert(1)</script>", "Atelier &amp; goûter"])
def test_html_in_the_title_is_refused(title):
    errors = _errors(title=title)
    assert errors["title"] == [
        "Le texte ne peut pas contenir de balises HTML (par exemple « <b> ») : écrivez-le en texte simple."
    ]


def test_a_title_with_a_lone_angle_bracket_or_ampersand_is_plain_text():
    start = timezone.now() + datetime.timedelta(days=3)
    event = project_factories.event(title="Jeunes < 25 ans & familles", starts_at=start)
    assert event.title == "Jeunes < 25 ans & familles"


def test_an_online_event_needs_its_address_and_an_in_person_one_its_commune():
    assert _errors(attendance_mode=Event.Attendance.ONLINE, commune=None)["online_url"] == [
        "Indiquez l'adresse où suivre l'événement en ligne."
    ]
    assert _errors(commune=None)["commune"] == ["Indiquez la commune où se tient l'événement (ou choisissez un lieu)."]


def test_an_event_at_a_site_takes_its_commune_and_refuses_another():
    site = project_factories.site(commune=factories.commune("93010"), postal_code="93140")
    start = timezone.now() + datetime.timedelta(days=3)
    event = Event(title="Visite du lieu", starts_at=start, ends_at=start, site=site)
    event.full_clean()
    assert event.commune.insee_code == "93010"
    assert "site" in _errors(site=site, commune=factories.commune("93048"))


def test_each_save_raises_the_revision_publication_changes_too():
    event = project_factories.event()
    assert event.sequence == 0
    event.title = "Nouveau titre"
    event.save()
    assert Event.objects.get(pk=event.pk).sequence == 1
    services.set_publication(records=Event.objects.filter(pk=event.pk), to_status=PublicationStatus.DRAFT, by=None)
    assert Event.objects.get(pk=event.pk).sequence == 2


def test_a_proposal_is_pending_with_its_provenance_and_history():
    start = timezone.now() + datetime.timedelta(days=5)
    event = Event(title="Portes ouvertes", starts_at=start, ends_at=start, commune=factories.commune())
    services.propose_event(event=event, key="k" * 64)
    event.refresh_from_db()
    assert event.publication_status == PublicationStatus.PENDING
    assert event.submitter_key == "k" * 64
    assert event.history.get().history_source == Origin.CONTRIBUTION
    assert services.recent_event_proposals("k" * 64) == 1


def test_an_editor_may_not_publish_a_proposal_a_moderator_may():
    event = project_factories.event(publication_status=PublicationStatus.PENDING)
    editor = factories.staff_user(group="Éditeurs")
    with pytest.raises(ValidationError):
        services.set_publication(records=Event.objects.all(), to_status=PublicationStatus.PUBLISHED, by=editor)
    moderator = factories.staff_user(group="Modérateurs")
    assert services.set_publication(records=Event.objects.all(), to_status=PublicationStatus.PUBLISHED, by=moderator)
    event.refresh_from_db()
    assert event.is_published


def test_the_admin_action_publishes_pending_proposals(client):
    event = project_factories.event(publication_status=PublicationStatus.PENDING)
    client.force_login(factories.staff_user(group="Modérateurs"))
    response = client.post("/admin/projects/event/", {"action": "publish", "_selected_action": [event.pk]}, follow=True)
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.is_published


@pytest.mark.ignore_template_errors
def test_the_admin_form_shows_the_rules_in_french(client):
    client.force_login(factories.staff_user(superuser=True))
    start = timezone.localtime() + datetime.timedelta(days=3)
    response = client.post(
        "/admin/projects/event/add/",
        {
            "title": "<i>Atelier</i>",
            "kind": "workshop",
            "starts_at_0": start.strftime("%d/%m/%Y"),
            "starts_at_1": "18:00",
            "ends_at_0": start.strftime("%d/%m/%Y"),
            "ends_at_1": "17:00",
            "event_status": "scheduled",
            "attendance_mode": "in_person",
            "commune": factories.commune().pk,
            "registration_url": "javascript:alert(1)",
            "publication_status": "draft",
            "source": "staff",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["title"] and errors["registration_url"]
    assert errors["ends_at"] == ["La fin de l'événement précède son début."]
    assert not Event.objects.exists()


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("size", [2, 12])
def test_admin_changelist_queries_do_not_grow(client, django_assert_num_queries, size):
    for _ in range(size):
        project_factories.event()
    client.force_login(factories.staff_user(superuser=True))
    # Session, user, the 2FA device and axes' checks, count, filtered count, the page (commune joined),
    # the facet of communes.
    with django_assert_num_queries(8):
        assert client.get("/admin/projects/event/").status_code == 200


def test_the_demo_events_load_once_and_are_marked_fictional():
    first = load_events_demo()
    again = load_events_demo()
    assert first["événements fictifs"] >= 12
    assert again["événements fictifs"] == 0
    assert all(event.is_fictional and "(fictif)" in event.title for event in Event.objects.all())
    assert Event.objects.published().filter(kind=Event.Kind.MOIS_ESS, starts_at__month=11).count() >= 4
