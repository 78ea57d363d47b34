"""The claim page, its confirmation link, and the structures' accounts: sign in, edit, « toujours exactes »."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from directory import versions
from directory.history import Origin
from directory.models import Actor, ChangeRequest, Claim, PublicationStatus, Representative, Sector
from tests import factories

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/annuaire/revendiquer/\d+/[^/\s]+/)")
PASSWORD_LINK = re.compile(r"https?://[^/\s]+(/compte/mot-de-passe/[^/\s]+/[^/\s]+/)")
PASSWORD = "un-mot-de-passe-solide-2026"


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0


@pytest.fixture
def actor():
    return factories.actor(
        name="Atelier vélo fictif",
        email="contact@atelier-velo.example.org",
        short_description="Réparation de vélos.",
    )


def text(response) -> str:
    """A page's text as read (Django escapes apostrophes in what templates print)."""
    return html.unescape(response.content.decode())


def claim_url(actor) -> str:
    return reverse("directory:actor_claim", args=[actor.slug])


def edit_url(actor) -> str:
    return reverse("directory:account_actor", args=[actor.slug])


def claim_form(client, actor, **overrides) -> dict:
    """What the claim page's form sends, with the page's own signed time stamp."""
    page = client.get(claim_url(actor))
    data = {
        "started": page.context["form"]["started"].value(),
        "nickname": "",
        "name": "Dominique Exemple",
        "job_title": "trésorière",
        "email": "dominique@example.org",
        "method": Claim.Method.EMAIL_LINK,
        "message": "",
    }
    data.update(overrides)
    return data


def send_claim(client, actor, capture, **overrides):
    data = claim_form(client, actor, **overrides)
    with capture(execute=True):
        return client.post(claim_url(actor), data)


# -- The claim page


def test_the_claim_page_explains_both_methods_and_masks_the_actors_email(client, actor):
    response = client.get(claim_url(actor))
    assert response.status_code == 200
    content = text(response)
    assert "c•••@atelier-velo.example.org" in content
    assert "contact@atelier-velo.example.org" not in content
    assert "Par un lien envoyé à la structure" in content and "Par une demande examinée par l'équipe" in content
    # The honeypot and its label sit in a block hidden from people and assistive technologies.
    assert re.search(r'<div class="visually-hidden-field"><label for="id_nickname">', content)


def test_the_actor_page_links_to_the_claim_page(client, actor):
    content = text(client.get(actor.get_absolute_url()))
    assert f'href="{claim_url(actor)}"' in content


def test_an_actor_without_public_email_is_claimed_by_review_only(client):
    without = factories.actor(email="")
    form = client.get(claim_url(without)).context["form"]
    assert [value for value, _label in form.fields["method"].choices] == [Claim.Method.REVIEW]


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.ARCHIVED])
def test_an_unpublished_actor_has_no_claim_page(client, status):
    hidden = factories.actor(status=status)
    assert client.get(claim_url(hidden)).status_code == 404


def test_a_claim_by_link_is_mailed_to_the_structure_and_the_page_says_so(
    client, actor, django_capture_on_commit_callbacks
):
    response = send_claim(client, actor, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "c•••@atelier-velo.example.org" in text(page)
    assert [message.to for message in mail.outbox] == [["contact@atelier-velo.example.org"]]
    assert "Dominique Exemple, trésorière (dominique@example.org)" in mail.outbox[0].body
    claim = Claim.objects.get()
    assert claim.method == Claim.Method.EMAIL_LINK and claim.submitter_key


def test_a_claim_by_review_needs_a_message(client, actor, django_capture_on_commit_callbacks):
    response = send_claim(client, actor, django_capture_on_commit_callbacks, method=Claim.Method.REVIEW)
    assert response.status_code == 200
    assert "Expliquez à l'équipe" in text(response)
    response = send_claim(
        client, actor, django_capture_on_commit_callbacks, method=Claim.Method.REVIEW, message="Je tiens l'atelier."
    )
    assert response.status_code == 302
    assert "examinée" not in mail.outbox and mail.outbox == []
    assert Claim.objects.get().method == Claim.Method.REVIEW


def test_a_second_pending_claim_is_refused_with_a_message(client, actor, django_capture_on_commit_callbacks):
    send_claim(client, actor, django_capture_on_commit_callbacks)
    response = send_claim(client, actor, django_capture_on_commit_callbacks, email="DOMINIQUE@example.org")
    assert response.status_code == 200
    assert "déjà en cours" in text(response)
    assert Claim.objects.count() == 1


def test_the_honeypot_refuses_a_robot(client, actor, django_capture_on_commit_callbacks):
    response = send_claim(client, actor, django_capture_on_commit_callbacks, nickname="robot")
    assert response.status_code == 200
    assert "n'a pas pu être envoyé" in text(response)
    assert not Claim.objects.exists() and mail.outbox == []


def test_a_form_sent_too_fast_is_refused(client, actor, settings, django_capture_on_commit_callbacks):
    settings.CONTRIBUTION_MIN_SECONDS = 60
    response = send_claim(client, actor, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "trop vite" in text(response)
    assert not Claim.objects.exists()


def test_a_forged_time_stamp_is_refused(client, actor, django_capture_on_commit_callbacks):
    response = send_claim(client, actor, django_capture_on_commit_callbacks, started="1700000000")
    assert "a expiré ou est incomplet" in text(response)
    assert not Claim.objects.exists()


def test_the_rate_limit_answers_a_clear_429(client, actor, settings, django_capture_on_commit_callbacks):
    settings.CONTRIBUTION_RATE_PER_HOUR = 1
    assert send_claim(client, actor, django_capture_on_commit_callbacks).status_code == 302
    other = factories.actor(email="bonjour@example.org")
    response = send_claim(client, other, django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert "Trop de demandes" in text(response)
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "pas-une-adresse"},
        {"email": "x" * 140 + "@example.org"},
        {"name": ""},
        {"name": "n" * 151},
        {"method": "telepathie"},
        {"message": "m" * 2001, "method": Claim.Method.REVIEW},
    ],
    ids=["email", "long_email", "no_name", "long_name", "method", "long_message"],
)
def test_bad_input_on_the_claim_form_is_a_french_error(client, actor, overrides, django_capture_on_commit_callbacks):
    response = send_claim(client, actor, django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 200
    assert "Le formulaire n'a pas été enregistré" in text(response)
    assert not Claim.objects.exists()


# -- The confirmation link


@pytest.fixture
def link(client, actor, django_capture_on_commit_callbacks) -> str:
    send_claim(client, actor, django_capture_on_commit_callbacks)
    return LINK.search(mail.outbox[-1].body).group(1)


def test_opening_the_link_changes_nothing(client, link):
    response = client.get(link)
    assert response.status_code == 200
    content = text(response)
    assert "Dominique Exemple" in content and 'method="post"' in content
    claim = Claim.objects.get()
    assert claim.state == Claim.State.PENDING and claim.used_at is None
    assert not User.objects.exists() and not Representative.objects.exists()
    assert len(mail.outbox) == 1


def test_confirming_creates_the_account_and_leads_to_setting_the_password(
    client, actor, link, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:password_reset_done")
    page = client.get(response["Location"])
    assert "est confirmée" in text(page)
    user = User.objects.get(username="dominique@example.org")
    assert not user.is_staff and not user.has_usable_password()
    assert Representative.objects.filter(user=user, actor=actor).exists()
    assert mail.outbox[-1].to == ["dominique@example.org"]
    # The claimant sets the password from their own mailbox, and is signed in.
    password_link = PASSWORD_LINK.search(mail.outbox[-1].body).group(1)
    form_page = client.get(password_link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("directory:account_home")
    home = client.get(response["Location"])
    assert actor.name in text(home)
    # The link served once.
    assert client.get(password_link).status_code == 404


def test_a_reused_link_is_refused_with_a_clear_message(client, link):
    client.post(link)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        assert "déjà servi" in text(response)
    assert Representative.objects.count() == 1


def test_an_expired_link_is_refused_with_a_clear_message(client, link):
    Claim.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(link)
    assert response.status_code == 410 and "a expiré" in text(response)
    assert Claim.objects.get().state == Claim.State.PENDING  # a GET writes nothing
    response = client.post(link)
    assert response.status_code == 410 and "a expiré" in text(response)
    assert Claim.objects.get().state == Claim.State.EXPIRED
    assert not User.objects.exists()


def test_a_tampered_link_is_not_found(client, link):
    tampered = link[:-2] + ("x" if link[-2] != "x" else "y") + "/"
    unknown = re.sub(r"/(\d+)/", lambda m: f"/{int(m.group(1)) + 99}/", link, count=1)
    for url in (tampered, unknown, "/annuaire/revendiquer/99999999999999999999999/abc/"):
        response = client.post(url)
        assert response.status_code == 404
        assert "n'est pas valable" in text(response)
    assert Claim.objects.get().state == Claim.State.PENDING


# -- Signing in


def test_a_structure_account_signs_in_with_its_email_in_any_case(client, actor):
    factories.structure_account(actor, email="camille@example.org", password=PASSWORD)
    response = client.post(
        reverse("directory:account_login"), {"username": " Camille@Example.ORG ", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("directory:account_home")


def test_a_wrong_password_says_nothing_about_the_account(client, actor):
    factories.structure_account(actor, email="camille@example.org", password=PASSWORD)
    known = client.post(reverse("directory:account_login"), {"username": "camille@example.org", "password": "faux"})
    unknown = client.post(reverse("directory:account_login"), {"username": "nobody@example.org", "password": "faux"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


def test_staff_sign_in_to_the_admin_not_here(client):
    factories.staff_user(username="agent@example.org", email="agent@example.org")
    response = client.post(
        reverse("directory:account_login"), {"username": "agent@example.org", "password": "mot-de-passe-de-test"}
    )
    assert response.status_code == 200
    assert "administration" in text(response)
    assert "_auth_user_id" not in client.session


def test_the_login_locks_out_after_repeated_failures_with_a_public_page(client, settings, actor):
    factories.structure_account(actor, email="camille@example.org", password=PASSWORD)
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("directory:account_login"), {"username": "camille@example.org", "password": "faux"})
    response = client.post(
        reverse("directory:account_login"), {"username": "camille@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "bloquée" in text(response) and "Retry-After" in response
    assert "site-header" in text(response)  # the public layout, not the admin's


def test_signing_out_is_a_post(client, actor):
    client.force_login(factories.structure_account(actor))
    assert client.get(reverse("directory:account_logout")).status_code == 405
    response = client.post(reverse("directory:account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("directory:account_home")).status_code == 302


def test_a_forgotten_password_is_mailed_to_structure_accounts_only_and_says_nothing(
    client, actor, django_capture_on_commit_callbacks
):
    factories.structure_account(actor, email="camille@example.org", password=None)
    factories.staff_user(username="agent", email="agent@example.org")
    url = reverse("directory:password_reset")
    for address in ("Camille@example.org", "agent@example.org", "personne@example.org"):
        response = client.post(url, {"email": address})
        assert response.status_code == 302 and response["Location"] == reverse("directory:password_reset_done")
    assert [message.to for message in mail.outbox] == [["camille@example.org"]]
    assert PASSWORD_LINK.search(mail.outbox[0].body)


def test_a_staff_password_is_never_set_from_the_public_page(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    agent = factories.staff_user()
    url = reverse(
        "directory:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(agent.pk)),
            "token": default_token_generator.make_token(agent),
        },
    )
    response = client.get(url, follow=True)
    assert response.status_code == 404 and not response.context["validlink"]


# -- The account's pages


@pytest.fixture
def account(client, actor):
    user = factories.structure_account(actor, email="camille@example.org")
    client.force_login(user)
    return user


def listing_data(client, actor, **overrides) -> dict:
    """The edit form as the page sends it back unchanged, with `overrides`."""
    form = client.get(edit_url(actor)).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "sectors":
            data[name] = [sector.slug if hasattr(sector, "slug") else sector for sector in value or []]
        elif name == "commune":
            data[name] = value.insee_code if hasattr(value, "insee_code") else (value or "")
        else:
            data[name] = "" if value is None else value
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client, actor):
    for url in (reverse("directory:account_home"), edit_url(actor)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("directory:account_login") + "?next=")


def test_staff_are_sent_to_the_admin(client, actor):
    client.force_login(factories.staff_user(superuser=True))
    assert client.get(reverse("directory:account_home"))["Location"] == reverse("admin:index")
    assert client.get(edit_url(actor))["Location"] == reverse("admin:index")


def test_the_account_lists_the_structures_it_represents(client, account, actor):
    other = factories.actor(name="Structure d'à côté")
    content = text(client.get(reverse("directory:account_home")))
    assert actor.name in content and edit_url(actor) in content
    assert other.name not in content


def test_another_actors_page_is_not_found(client, account):
    other = factories.actor()
    assert client.get(edit_url(other)).status_code == 404
    assert client.post(edit_url(other), {"confirm_accurate": "1"}).status_code == 404
    assert Actor.objects.get(pk=other.pk).last_verified_at is None


def test_public_information_is_applied_at_once_with_the_accounts_history(client, account, actor):
    sector = Sector.objects.filter(parent__isnull=False).first()
    data = listing_data(
        client,
        actor,
        short_description="Atelier participatif de réparation.",
        offer="Réparation, vente de vélos d'occasion.",
        sectors=[sector.slug],
        phone="01 23 45 67 89",
        founded_year="2012",
        employees="3",
    )
    response = client.post(edit_url(actor), data)
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.short_description == "Atelier participatif de réparation."
    assert actor.offer == "Réparation, vente de vélos d'occasion."
    assert actor.founded_year == 2012 and actor.employees == 3
    assert list(actor.sectors.all()) == [sector]
    record = actor.history.order_by("-history_id").first()
    assert record.history_user == account
    assert record.history_source == Origin.ACCOUNT and record.history_source_detail == "camille@example.org"
    assert not ChangeRequest.objects.exists()
    page = client.get(response["Location"])
    assert "Modifications publiées" in text(page)


def test_name_siret_legal_form_and_status_wait_for_the_moderators(client, account, actor):
    data = listing_data(
        client, actor, name="Atelier vélo fictif et solidaire", siret="732 829 320 00074", status="archived"
    )
    response = client.post(edit_url(actor), data)
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.name == "Atelier vélo fictif" and actor.siret == "" and actor.status == PublicationStatus.PUBLISHED
    request = ChangeRequest.objects.get()
    assert request.kind == ChangeRequest.Kind.ACCOUNT and request.state == ChangeRequest.State.PENDING
    assert request.user == account and request.actor == actor
    assert request.changes == {
        "name": "Atelier vélo fictif et solidaire",
        "siret": "73282932000074",
        "status": "archived",
    }
    content = text(client.get(edit_url(actor)))
    assert "En attente de validation" in content and "Atelier vélo fictif et solidaire" in content


def test_invalid_input_is_refused_on_its_field_and_nothing_is_saved(client, account, actor):
    data = listing_data(client, actor, offer="Nouvelle offre.", postal_code="75001", name="Nouveau nom")
    response = client.post(edit_url(actor), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "postal_code" in form.errors or "commune" in form.errors
    actor.refresh_from_db()
    assert actor.offer == "" and not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("siret", "732 829 320 00075"), ("rna", "123"), ("website", "pas une adresse"), ("founded_year", "3000")],
)
def test_bad_input_is_a_french_error_on_its_field(client, account, actor, field, value):
    response = client.post(edit_url(actor), listing_data(client, actor, offer="Nouvelle offre.", **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Le formulaire n'a pas été enregistré" in text(response)
    actor.refresh_from_db()
    assert actor.offer == "" and not ChangeRequest.objects.exists()


def test_an_edit_that_would_break_publication_is_refused(client, account, actor):
    response = client.post(edit_url(actor), listing_data(client, actor, short_description="", description=""))
    assert response.status_code == 200
    assert "Une description est nécessaire" in text(response)
    actor.refresh_from_db()
    assert actor.short_description == "Réparation de vélos."


def test_a_stale_edit_is_refused_keeping_the_input(client, account, actor):
    data = listing_data(client, actor, offer="Mon offre.")
    # Someone else saves the record meanwhile.
    fresh = Actor.objects.get(pk=actor.pk)
    fresh._history_user = factories.staff_user(username="agent-ess")
    fresh.description = "Corrigé par l'équipe."
    fresh.save()
    response = client.post(edit_url(actor), data)
    assert response.status_code == 200
    content = text(response)
    assert "a été modifiée depuis l'ouverture du formulaire" in content and "agent-ess" in content
    assert "Mon offre." in content
    actor.refresh_from_db()
    assert actor.offer == ""
    # The form now carries the current version: saving again applies it on purpose.
    again = {**data, versions.VERSION_FIELD: response.context["form"][versions.VERSION_FIELD].value()}
    assert client.post(edit_url(actor), again).status_code == 302
    actor.refresh_from_db()
    assert actor.offer == "Mon offre."


def test_still_accurate_sets_the_verified_date(client, account, actor):
    response = client.post(edit_url(actor), {"confirm_accurate": "1"})
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.last_verified_at == timezone.localdate()
    record = actor.history.order_by("-history_id").first()
    assert record.history_user == account and record.history_source == Origin.ACCOUNT


def test_markup_is_stored_as_text_and_shown_escaped(client, account, actor):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post(edit_url(actor), listing_data(client, actor, description=payload, name=payload + "!"))
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.description == payload
    for url in (actor.get_absolute_url(), edit_url(actor)):
        content = client.get(url).content.decode()
        assert payload not in content
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


# -- Query counts of the account pages, at two sizes


@pytest.fixture(params=[1, 4], ids=["small", "larger"])
def represented(request, client):
    actors = [factories.actor(name=f"Structure représentée {n}") for n in range(request.param)]
    user = factories.structure_account(*actors)
    for actor in actors:
        actor.sectors.set(Sector.objects.filter(parent__isnull=False)[: request.param])
        ChangeRequest.objects.create(
            kind=ChangeRequest.Kind.ACCOUNT, actor=actor, user=user, changes={"name": "Nouveau nom"}, base={}
        )
    client.force_login(user)
    return actors


def test_account_home_queries_do_not_grow(client, represented, django_assert_num_queries):
    # session, user, the represented actors with their communes
    with django_assert_num_queries(3):
        assert client.get(reverse("directory:account_home")).status_code == 200


def test_account_edit_page_queries_do_not_grow(client, represented, django_assert_num_queries):
    # session, user, the actor; its version, sectors, pending requests; the choices of sectors and communes
    with django_assert_num_queries(8):
        assert client.get(edit_url(represented[0])).status_code == 200


@pytest.fixture(params=[0, 3], ids=["small", "larger"])
def claimed(request, actor):
    for n in range(request.param):
        Claim.objects.create(actor=actor, method=Claim.Method.REVIEW, name=f"Personne {n}", email=f"p{n}@example.org")
    return actor


def test_claim_page_queries_do_not_grow(client, claimed, django_assert_num_queries):
    # the actor
    with django_assert_num_queries(1):
        assert client.get(claim_url(claimed)).status_code == 200


def test_claim_link_page_queries_do_not_grow(client, claimed, link, django_assert_num_queries):
    # the claim with its actor
    with django_assert_num_queries(1):
        assert client.get(link).status_code == 200
