"""Contributions from the public and the moderators' decisions, end to end through the pages."""

import re
import time

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from directory import moderation
from directory.contributions import _SALT
from directory.history import Origin
from directory.models import Actor, ChangeRequest, PublicationStatus, Sector
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_wait(settings):
    # The minimum fill time has its own test; the others send forms stamped a minute ago.
    settings.CONTRIBUTION_MIN_SECONDS = 3


def stamp(seconds_ago: float = 60) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=_SALT)


def proposal(**overrides) -> dict:
    data = {
        "started": stamp(),
        "name": "Ressourcerie fictive du Canal",
        "legal_form": "association",
        "short_description": "Une ressourcerie fictive, pour les tests.",
        "commune": "93055",
        "postal_code": "93500",
        "author_name": "Camille Fictive",
        "author_email": "camille@example.org",
        "message": "Nous venons d'ouvrir.",
    }
    data.update(overrides)
    return data


def correction_of(client, actor, **changes) -> dict:
    """The correction form as the page renders it, with `changes` typed over it."""
    html = client.get(reverse("directory:correct", args=[actor.slug])).content.decode()
    data = {"started": stamp()}
    for name, value in re.findall(r'<input type="(?:text|email|url|number)" name="(\w+)"[^>]*?value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<textarea name="(\w+)"[^>]*>\s*([^<]*)</textarea>', html):
        data[name] = value
    for name in re.findall(r'<select name="(\w+)"', html):
        selected = re.search(rf'<select name="{name}".*?<option value="([^"]*)" selected', html, re.S)
        data[name] = selected.group(1) if selected else ""
    data["sectors"] = re.findall(r'name="sectors" value="([^"]+)"[^>]*checked', html)
    data.pop("nickname", None)
    data.update(changes)
    return data


@pytest.fixture
def moderator():
    return factories.staff_user(group="Modérateurs")


def moderator_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------
# Proposals


def test_a_proposal_waits_for_a_moderator_and_becomes_public_only_when_approved(
    client, moderator, django_capture_on_commit_callbacks
):
    response = client.post(reverse("directory:propose"), proposal())
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:propose_thanks")
    assert "vérifiée par l'équipe" in client.get(response["Location"]).content.decode()

    request = ChangeRequest.objects.get()
    assert (request.kind, request.state, request.actor) == ("proposal", "pending", None)
    assert request.changes["name"] == "Ressourcerie fictive du Canal"
    assert not Actor.objects.filter(name="Ressourcerie fictive du Canal").exists()
    assert (
        "Ressourcerie fictive" not in client.get(reverse("directory:actor_list") + "?q=ressourcerie").content.decode()
    )

    staff = moderator_client(moderator)
    page = staff.get(reverse("admin:moderation_decide", args=[request.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "camille@example.org" in html  # moderators see the author's e-mail
    assert "Ressourcerie fictive du Canal" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:moderation_decide", args=[request.pk]),
            {"decision": "approve", "fields": list(request.changes), "publish": "1", "record_version": ""},
        )
    assert response.status_code == 302
    actor = Actor.objects.get(name="Ressourcerie fictive du Canal")
    assert actor.status == PublicationStatus.PUBLISHED
    assert actor.source == Actor.Source.CONTRIBUTION
    assert actor.commune.insee_code == "93055"
    record = actor.history.order_by("history_id").first()
    assert record.history_user == moderator
    assert record.history_source == Origin.CONTRIBUTION
    assert f"n° {request.pk}" in record.history_source_detail
    request.refresh_from_db()
    assert (request.state, request.actor, request.decided_by) == ("approved", actor, moderator)
    assert client.get(actor.get_absolute_url()).status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille@example.org"]
    assert "acceptée" in mail.outbox[0].subject


def test_html_and_script_are_stored_as_text_and_rendered_escaped(client, moderator):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post(
        reverse("directory:propose"), proposal(name="Atelier fictif " + payload[:60], message=payload)
    )
    assert response.status_code == 302
    request = ChangeRequest.objects.get()
    assert request.message == payload
    html = moderator_client(moderator).get(reverse("admin:moderation_decide", args=[request.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "Ce champ est obligatoire"),
        ({"siret": "12345678901234"}, "siret", "SIRET"),
        ({"postal_code": "75011"}, "postal_code", ""),
        ({"message": "x" * 100_000}, "message", "2000"),
        ({"author_email": "pas une adresse"}, "author_email", "adresse e-mail valide"),
        ({"website": "javascript:alert(1)"}, "website", ""),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_queued(client, overrides, field, message):
    response = client.post(reverse("directory:propose"), proposal(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'href="#id_{field}"' in html
    assert 'aria-describedby="' in html and f"id_{field}_errors" in html
    assert not ChangeRequest.objects.exists()


def test_a_proposal_with_the_name_of_an_existing_actor_points_to_it(client):
    factories.actor(name="Ressourcerie fictive du Canal")
    response = client.post(reverse("directory:propose"), proposal())
    assert "proposez-y une correction" in " ".join(response.context["form"].errors["name"])


# ---------------------------------------------------------------------------
# Spam guards


def test_the_honeypot_refuses_robots(client):
    response = client.post(reverse("directory:propose"), proposal(nickname="spam"))
    assert response.status_code == 200
    assert not ChangeRequest.objects.exists()
    html = client.get(reverse("directory:propose")).content.decode()
    assert re.search(r'<div class="trap" aria-hidden="true">', html)


def test_a_form_sent_too_fast_or_without_its_stamp_is_refused(client):
    response = client.post(reverse("directory:propose"), proposal(started=stamp(seconds_ago=0.5)))
    assert "trop vite" in response.content.decode()
    response = client.post(reverse("directory:propose"), proposal(started="forged"))
    assert "expiré" in response.content.decode()
    response = client.post(reverse("directory:propose"), proposal(started=stamp(seconds_ago=2 * 86400)))
    assert "expiré" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_contributions_are_limited_per_address_with_a_clear_message(client, settings):
    settings.CONTRIBUTION_RATE_PER_HOUR = 2
    for n in range(2):
        assert client.post(reverse("directory:propose"), proposal(name=f"Fictive {n}")).status_code == 302
    response = client.post(reverse("directory:propose"), proposal(name="Fictive 3"))
    assert response.status_code == 429
    assert "Réessayez dans une heure" in response.content.decode()
    assert ChangeRequest.objects.count() == 2
    # The address itself is not kept: only a keyed hash of it.
    assert all(
        len(key) == 64 and "127.0.0.1" not in key
        for key in ChangeRequest.objects.values_list("submitter_key", flat=True)
    )
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(reverse("directory:propose"), proposal(name="Fictive 4")).status_code == 302


# ---------------------------------------------------------------------------
# Corrections and partial approval


def test_a_correction_sends_only_what_changed_and_a_moderator_accepts_part_of_it(client, moderator):
    actor = factories.actor(name="Épicerie fictive", website="https://epicerie.example.org")
    page = client.get(actor.get_absolute_url()).content.decode()
    assert reverse("directory:correct", args=[actor.slug]) in page
    data = correction_of(
        client, actor, website="https://nouvelle.example.org", phone="01 48 00 00 00", short_description="Corrigée."
    )
    response = client.post(reverse("directory:correct", args=[actor.slug]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    request = ChangeRequest.objects.get()
    assert set(request.changes) == {"website", "phone", "short_description"}
    assert request.base["website"] == "https://epicerie.example.org"
    actor.refresh_from_db()
    assert actor.website == "https://epicerie.example.org"  # nothing public before a decision

    staff = moderator_client(moderator)
    html = staff.get(reverse("admin:moderation_decide", args=[request.pk])).content.decode()
    assert "https://epicerie.example.org" in html and "https://nouvelle.example.org" in html
    version = re.search(r'name="record_version" value="(\d+)"', html).group(1)
    response = staff.post(
        reverse("admin:moderation_decide", args=[request.pk]),
        {"decision": "approve", "fields": ["website", "phone"], "record_version": version},
    )
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.website == "https://nouvelle.example.org"
    assert actor.phone == "01 48 00 00 00"
    assert actor.short_description == "Une structure fictive pour les tests."
    request.refresh_from_db()
    assert request.state == ChangeRequest.State.PARTIAL
    assert request.applied_fields == ["website", "phone"] or set(request.applied_fields) == {"website", "phone"}
    latest = actor.history.latest()
    assert latest.history_user == moderator and latest.history_source == Origin.CONTRIBUTION


def test_a_correction_without_any_change_nor_message_is_refused(client):
    actor = factories.actor()
    response = client.post(reverse("directory:correct", args=[actor.slug]), correction_of(client, actor))
    assert response.status_code == 200
    assert "rien modifié" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_corrections_exist_only_for_published_actors(client):
    draft = factories.actor(status=PublicationStatus.DRAFT)
    assert client.get(reverse("directory:correct", args=[draft.slug])).status_code == 404
    assert client.post(reverse("directory:correct", args=[draft.slug]), {"started": stamp()}).status_code == 404


def test_a_decision_on_a_record_changed_since_the_page_was_opened_is_refused(client, moderator):
    actor = factories.actor()
    client.post(
        reverse("directory:correct", args=[actor.slug]), correction_of(client, actor, website="https://a.example.org")
    )
    request = ChangeRequest.objects.get()
    staff = moderator_client(moderator)
    html = staff.get(reverse("admin:moderation_decide", args=[request.pk])).content.decode()
    version = re.search(r'name="record_version" value="(\d+)"', html).group(1)
    # Someone else edits the record meanwhile.
    actor.refresh_from_db()
    actor.phone = "01 48 11 22 33"
    actor.save()
    response = staff.post(
        reverse("admin:moderation_decide", args=[request.pk]),
        {"decision": "approve", "fields": ["website"], "record_version": version},
    )
    assert response.status_code == 400
    assert "modifié" in response.content.decode()
    actor.refresh_from_db()
    assert actor.website == ""
    request.refresh_from_db()
    assert request.is_pending


def test_a_rejection_needs_a_reason_which_the_author_receives(client, moderator, django_capture_on_commit_callbacks):
    actor = factories.actor()
    client.post(
        reverse("directory:correct", args=[actor.slug]),
        correction_of(client, actor, website="https://spam.example.org", author_email="x@example.org"),
    )
    request = ChangeRequest.objects.get()
    staff = moderator_client(moderator)
    url = reverse("admin:moderation_decide", args=[request.pk])
    assert staff.post(url, {"decision": "reject", "reason": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url, {"decision": "reject", "reason": "Lien sans rapport."}).status_code == 302
    request.refresh_from_db()
    assert (request.state, request.decision_reason) == ("rejected", "Lien sans rapport.")
    assert "Lien sans rapport." in mail.outbox[-1].body
    # Decided: a second decision is refused.
    assert staff.post(url, {"decision": "approve", "fields": ["website"]}).status_code == 200
    actor.refresh_from_db()
    assert actor.website == ""


def test_a_proposal_can_be_poured_into_an_existing_actor(client, moderator):
    existing = factories.actor(name="Ressourcerie fictive du Canal (ancienne fiche)", website="")
    client.post(reverse("directory:propose"), proposal(website="https://ressourcerie.example.org"))
    request = ChangeRequest.objects.get()
    staff = moderator_client(moderator)
    html = staff.get(reverse("admin:moderation_decide", args=[request.pk])).content.decode()
    assert f'value="{existing.slug}"' in html  # offered as a likely duplicate
    response = staff.post(
        reverse("admin:moderation_decide", args=[request.pk]),
        {"decision": "merge", "target": [existing.slug, ""], "fields": ["website", "name"]},
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.website == "https://ressourcerie.example.org"
    assert existing.name == "Ressourcerie fictive du Canal"
    assert Actor.objects.filter(name__startswith="Ressourcerie fictive").count() == 1
    request.refresh_from_db()
    assert (request.state, request.actor) == ("merged", existing)
    assert existing.history.latest().history_user == moderator


# ---------------------------------------------------------------------------
# The queue


def test_the_queue_lists_pending_items_oldest_first_with_counts_on_the_admin_index(client, moderator):
    actor = factories.actor()
    first = moderation.submit(
        kind="proposal", changes={"name": "Première fictive", "legal_form": "association", "short_description": "x"}
    )
    second = moderation.submit(kind="correction", actor=actor, changes={"website": "https://b.example.org"})
    decided = moderation.submit(kind="correction", actor=actor, changes={"website": "https://c.example.org"})
    moderation.reject(decided, moderator=moderator, reason="Non.")
    staff = moderator_client(moderator)
    html = staff.get(reverse("admin:moderation_queue")).content.decode()
    assert html.index(reverse("admin:moderation_decide", args=[first.pk])) < html.index(
        reverse("admin:moderation_decide", args=[second.pk])
    )
    assert reverse("admin:moderation_decide", args=[decided.pk]) not in html
    index = staff.get(reverse("admin:index")).content.decode()
    assert "Modération : 2 en attente" in index


@pytest.mark.ignore_template_errors
def test_the_queue_is_for_moderators_only(client):
    editor = factories.staff_user(group="Éditeurs")
    staff = moderator_client(editor)
    assert staff.get(reverse("admin:moderation_queue")).status_code == 403
    assert "Modération" not in staff.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("admin:moderation_queue")).status_code == 302  # to the login


def test_the_queue_page_has_a_constant_number_of_queries(moderator, django_assert_num_queries):
    actor = factories.actor()
    for n in range(3):
        moderation.submit(kind="correction", actor=actor, changes={"website": f"https://{n}.example.org"})
    staff = moderator_client(moderator)
    staff.get(reverse("admin:moderation_queue"))
    # And two per source other apps register (the agenda's events, the observatory's figures…): count, list.
    queries = 8 + 2 * len(moderation.QUEUE_SOURCES)
    with django_assert_num_queries(queries):
        staff.get(reverse("admin:moderation_queue"))
    for n in range(30):
        moderation.submit(
            kind="proposal", changes={"name": f"Fictive {n}", "legal_form": "association", "short_description": "x"}
        )
    with django_assert_num_queries(queries):
        staff.get(reverse("admin:moderation_queue"))


def test_changes_are_checked_before_they_are_queued():
    actor = factories.actor()
    with pytest.raises(ValidationError) as error:
        moderation.submit(kind="correction", actor=actor, changes={"siret": "12345678901234"})
    assert "siret" in str(error.value).lower()
    with pytest.raises(ValidationError):
        moderation.submit(kind="correction", actor=actor, changes={"is_fictional": True})
    with pytest.raises(ValidationError):
        moderation.submit(kind="correction", actor=actor, changes={"sectors": ["inconnu"]})
    assert not ChangeRequest.objects.exists()


def test_sectors_are_proposed_by_slug_and_shown_by_name(moderator):
    actor = factories.actor()
    sector = Sector.objects.order_by("pk").first()
    request = moderation.submit(kind="correction", actor=actor, changes={"sectors": [sector.slug]})
    row = next(d for d in moderation.differences(request) if d.name == "sectors")
    assert row.new == sector.name and row.old == "—"
    moderation.approve(request, moderator=moderator)
    assert list(actor.sectors.all()) == [sector]


@pytest.mark.ignore_template_errors
def test_every_decision_shows_in_the_actor_s_history_refusals_included(moderator):
    actor = factories.actor()
    accepted = moderation.submit(kind="correction", actor=actor, changes={"website": "https://ok.example.org"})
    moderation.approve(accepted, moderator=moderator)
    refused = moderation.submit(kind="correction", actor=actor, changes={"phone": "01 48 00 00 01"})
    moderation.reject(refused, moderator=moderator, reason="Numéro d'une autre structure.")
    html = moderator_client(moderator).get(reverse("admin:directory_actor_history", args=[actor.pk])).content.decode()
    assert "Numéro d&#x27;une autre structure." in html
    assert "Refusée" in html and "Acceptée" in html
    assert "site web" in html.lower()
