"""Freshness reminders: `remind_stale` lists and e-mails; the « toujours exactes » link asks, then records."""

import datetime
import html
import io
import re
import time
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from directory import freshness
from directory.history import Origin
from directory.models import Actor, PublicationStatus, Representative
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://ess.example.org"


def representative(actor: Actor, email: str = "camille@example.org", *, username: str = "") -> Representative:
    user = User.objects.create_user(username or email.split("@")[0], email=email)
    return Representative.objects.create(user=user, actor=actor)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def stale():
    """A listing never verified, one verified 13 months ago, one fresh, and an unpublished one."""
    today = timezone.localdate()
    never = factories.actor(name="Fiche fictive jamais vérifiée")
    old = factories.actor(name="Fiche fictive ancienne", last_verified_at=freshness.months_before(today, 13))
    fresh = factories.actor(name="Fiche fictive récente", last_verified_at=today)
    factories.actor(name="Fiche fictive brouillon", status=PublicationStatus.DRAFT)
    representative(old, "camille@example.org")
    representative(old, "dominique@example.org")
    return {"never": never, "old": old, "fresh": fresh}


def run(*args) -> str:
    out = io.StringIO()
    call_command("remind_stale", *args, stdout=out)
    return out.getvalue()


def link_in(message) -> str:
    return re.search(r"https://ess\.example\.org(/annuaire/\S+/toujours-exact/\S+/)", message.body).group(1)


# ---------------------------------------------------------------------------
# Who is stale


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 12, 2), 12, datetime.date(2025, 12, 2)),
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 1, 15), 13, datetime.date(2024, 12, 15)),
    ],
)
def test_months_before_keeps_the_day_or_the_end_of_a_shorter_month(day, months, expected):
    assert freshness.months_before(day, months) == expected


def test_stale_actors_are_the_published_ones_not_verified_for_that_long(stale):
    assert list(freshness.stale_actors(months=12)) == [stale["old"], stale["never"]]
    assert list(freshness.stale_actors(months=18)) == [stale["never"]]


def test_the_command_lists_stale_listings_with_their_representatives_and_sends_nothing(stale):
    output = run()

    day = stale["old"].last_verified_at.strftime("%d/%m/%Y")
    emails = "camille@example.org, dominique@example.org"
    assert output.splitlines() == [
        f"Fiche fictive ancienne ({stale['old'].slug}) — vérifiée le {day} — {emails}",
        f"Fiche fictive jamais vérifiée ({stale['never'].slug}) — jamais vérifiée — aucun représentant",
        "2 fiche(s) publiée(s) non vérifiée(s) depuis 12 mois.",
        "Rien n'est envoyé sans --send.",
    ]
    assert mail.outbox == []


def test_the_command_lists_in_a_fixed_number_of_queries(stale, django_assert_num_queries):
    representative(stale["never"], "eden@example.org")

    # the actors, their representatives with their accounts
    with django_assert_num_queries(2):
        run("--months", "6")


@pytest.mark.parametrize("value", ["abc", "0", "-3", "121", "1.5", ""])
def test_a_bad_number_of_months_is_a_french_command_error(value):
    with pytest.raises(CommandError, match="--months attend un nombre entier de mois, de 1 à 120"):
        run("--months", value)


def test_send_mails_each_representative_a_link_of_their_own(stale):
    output = run("--send")

    assert "2 e-mail(s) envoyé(s)." in output
    assert sorted(message.to[0] for message in mail.outbox) == ["camille@example.org", "dominique@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Votre fiche « Fiche fictive ancienne » est-elle toujours exacte ?"
    assert "https://ess.example.org" + stale["old"].get_absolute_url() in message.body
    assert link_in(mail.outbox[0]) != link_in(mail.outbox[1])
    assert "{%" not in message.body and "&" not in message.body


def test_representatives_without_an_address_are_listed_but_not_mailed(stale):
    Representative.objects.filter(actor=stale["old"]).delete()
    representative(stale["old"], "", username="sans-adresse")

    output = run("--send")

    assert "sans-adresse (sans e-mail)" in output
    assert "0 e-mail(s) envoyé(s)." in output
    assert mail.outbox == []


# ---------------------------------------------------------------------------
# The link's page


@pytest.fixture
def link(stale):
    run("--send")
    message = next(m for m in mail.outbox if m.to == ["camille@example.org"])
    return link_in(message)


def test_following_the_link_changes_nothing(client, stale, link):
    before = stale["old"].history.count()

    response = client.get(link)

    assert response.status_code == 200
    content = text(response)
    assert "La fiche « Fiche fictive ancienne » est-elle toujours exacte ?" in content
    assert "Ces informations sont toujours exactes" in content
    assert 'method="post"' in content
    actor = Actor.objects.get(pk=stale["old"].pk)
    assert actor.last_verified_at == stale["old"].last_verified_at
    assert actor.history.count() == before


def test_confirming_records_today_in_the_history_as_the_structure(client, stale, link):
    response = client.post(link)

    assert response.status_code == 200
    assert "Merci" in text(response)
    actor = Actor.objects.get(pk=stale["old"].pk)
    assert actor.last_verified_at == timezone.localdate()
    record = actor.history.latest()
    assert record.history_user.email == "camille@example.org"
    assert (record.history_source, record.history_source_detail) == (Origin.ACCOUNT, "camille")
    assert record.history_change_reason == "Informations confirmées par la structure"


def test_a_used_link_is_refused_with_a_french_page(client, stale, link):
    client.post(link)

    again = client.post(link)

    assert again.status_code == 410
    assert "Lien déjà utilisé" in text(again)
    assert client.get(link).status_code == 410


def test_an_expired_link_is_refused_with_a_french_page(client, stale):
    old_actor = stale["old"]
    user = Representative.objects.filter(actor=old_actor).first().user
    sent = time.time() - freshness.LINK_MAX_AGE.total_seconds() - 60
    with mock.patch("django.core.signing.time.time", return_value=sent):
        token = freshness.confirmation_token(old_actor, user)
    url = reverse("directory:actor_still_accurate", kwargs={"slug": old_actor.slug, "token": token})

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        assert "Ce lien a expiré" in text(response)
    assert Actor.objects.get(pk=old_actor.pk).last_verified_at == old_actor.last_verified_at


@pytest.mark.parametrize("part", ["token", "slug", "payload"])
def test_a_tampered_link_is_refused_with_a_french_page(client, stale, link, part):
    _prefix, slug, _word, token, _end = link.split("/")[1:]
    if part == "token":
        url = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    elif part == "slug":
        url = reverse("directory:actor_still_accurate", kwargs={"slug": stale["never"].slug, "token": token})
    else:
        forged = freshness._signer().sign_object({"actor": "x"})
        url = reverse("directory:actor_still_accurate", kwargs={"slug": slug, "token": forged})

    response = client.post(url)

    assert response.status_code == 400
    assert "Ce lien n'est pas valable" in text(response)
    assert Actor.objects.get(pk=stale["old"].pk).last_verified_at == stale["old"].last_verified_at


def test_a_link_of_someone_who_no_longer_represents_the_structure_is_refused(client, stale, link):
    Representative.objects.filter(user__email="camille@example.org").delete()

    response = client.post(link)

    assert response.status_code == 410
    assert "ne représente plus cette structure" in text(response)


def test_a_link_to_a_listing_no_longer_published_is_a_404_like_any_unpublished_page(client, stale, link):
    Actor.objects.filter(pk=stale["old"].pk).update(status=PublicationStatus.ARCHIVED)

    response = client.post(link)

    assert response.status_code == 404
    assert Actor.objects.get(pk=stale["old"].pk).last_verified_at == stale["old"].last_verified_at


def test_an_unknown_or_unpublished_listing_in_the_address_is_a_404_whatever_the_token(client, stale, link):
    token = link.split("/")[-2]
    draft = Actor.objects.get(name="Fiche fictive brouillon")

    for slug in ("aucune-fiche-de-ce-nom", draft.slug):
        url = reverse("directory:actor_still_accurate", kwargs={"slug": slug, "token": token})
        assert client.get(url).status_code == 404
        assert client.get(url[:-3] + "xx/").status_code == 404


def test_other_methods_are_refused(client, link):
    assert client.put(link).status_code == 405


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_page_query_count(client, stale, link, django_assert_num_queries, method):
    # the actor with its commune, the representative with the account. POST: the verification of
    # services.mark_actors_verified in its savepoint (2): the row locked, saved, and its history
    # record with its sectors, labels and roles (each row of simple_history's snapshot reads the
    # actor's search text, a field the history leaves out: 2 each).
    expected = {"get": 2, "post": 2 + 2 + 3 + 3 * 2}[method]
    with django_assert_num_queries(expected):
        getattr(client, method)(link)
