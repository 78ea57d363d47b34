"""Proposed events in the directory's moderation queue, and their senders' keys in the retention purge."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory import moderation
from directory.models import PublicationStatus
from projects import services
from projects.models import Event
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client():
    client = Client()
    client.force_login(factories.staff_user(group="Modérateurs"))
    return client


def _proposed(title="Atelier proposé (fictif)", **overrides):
    return project_factories.event(title=title, publication_status=PublicationStatus.PENDING, **overrides)


def test_proposed_events_are_counted_and_listed_in_the_queue_with_a_link_to_decide(moderator_client):
    organiser = factories.actor(name="Organisatrice fictive")
    proposed = _proposed(actors=[organiser])
    _proposed(title="Autre proposition (fictif)")
    project_factories.event(title="Déjà publié (fictif)")
    correction = moderation.submit(kind="correction", actor=organiser, changes={"website": "https://a.example.org"})

    assert moderation.pending_counts()["event"] == 2
    html = moderator_client.get(reverse("admin:moderation_queue")).content.decode()
    assert reverse("admin:projects_event_change", args=[proposed.pk]) in html
    assert "Atelier proposé (fictif)" in html and "Organisatrice fictive" in html
    assert "Déjà publié (fictif)" not in html
    assert reverse("admin:moderation_decide", args=[correction.pk]) in html
    assert "Événements proposés (2)" in html

    only_events = moderator_client.get(reverse("admin:moderation_queue"), {"kind": "event"}).content.decode()
    assert "Autre proposition (fictif)" in only_events
    assert reverse("admin:moderation_decide", args=[correction.pk]) not in only_events
    only_corrections = moderator_client.get(reverse("admin:moderation_queue"), {"kind": "correction"}).content.decode()
    assert "Atelier proposé (fictif)" not in only_corrections

    index = moderator_client.get(reverse("admin:index")).content.decode()
    assert "Modération : 3 en attente" in index
    assert "?kind=event" in index


def test_a_published_or_archived_proposal_leaves_the_queue(moderator_client):
    published, archived = _proposed(), _proposed(title="Refusé (fictif)")
    moderator = factories.staff_user(group="Modérateurs")
    services.set_publication(records=Event.objects.filter(pk=published.pk), to_status="published", by=moderator)
    services.set_publication(records=Event.objects.filter(pk=archived.pk), to_status="archived", by=moderator)
    assert moderation.pending_counts()["event"] == 0
    html = moderator_client.get(reverse("admin:moderation_queue"), {"kind": "event"}).content.decode()
    assert "Rien à modérer pour le moment." in html


def test_the_queue_with_proposed_events_has_a_constant_number_of_queries(moderator_client, django_assert_num_queries):
    organiser = factories.actor()
    _proposed(actors=[organiser])
    moderator_client.get(reverse("admin:moderation_queue"))
    # The directory's queue, two per registered source (count, list), and the events' organisers.
    queries = 8 + 2 * len(moderation.QUEUE_SOURCES) + 1
    with django_assert_num_queries(queries):
        moderator_client.get(reverse("admin:moderation_queue"))
    for n in range(20):
        _proposed(title=f"Proposition {n} (fictif)", actors=[organiser])
    with django_assert_num_queries(queries):
        moderator_client.get(reverse("admin:moderation_queue"))


def _aged(event: Event, *, days: int) -> Event:
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return event


def test_the_purge_blanks_the_keys_of_proposed_events_past_their_retention():
    start = timezone.now() + datetime.timedelta(days=5)
    old = services.propose_event(
        event=Event(title="Ancienne (fictif)", starts_at=start, ends_at=start, commune=factories.commune()),
        key="a" * 64,
    )
    fresh = services.propose_event(
        event=Event(title="Récente (fictif)", starts_at=start, ends_at=start, commune=factories.commune()),
        key="b" * 64,
    )
    _aged(old, days=31)

    dry = io.StringIO()
    call_command("purge_contributions", "--dry-run", stdout=dry)
    assert "empreintes anti-abus effacées : 1" in dry.getvalue()
    assert Event.objects.get(pk=old.pk).submitter_key == "a" * 64

    out = io.StringIO()
    call_command("purge_contributions", stdout=out)
    assert "empreintes anti-abus effacées : 1" in out.getvalue()
    assert dict(Event.objects.values_list("pk", "submitter_key")) == {old.pk: "", fresh.pk: "b" * 64}
    # The event itself stays, still waiting for its moderator.
    assert Event.objects.get(pk=old.pk).publication_status == PublicationStatus.PENDING
