"""Claims: by a link e-mailed to the actor's public address, or by a moderator's review; what they grant."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from directory import claims
from directory.models import Claim, PublicationStatus, Representative
from tests import factories

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/annuaire/revendiquer/(\d+)/([^/\s]+)/")


@pytest.fixture
def actor():
    return factories.actor(name="Recyclerie fictive du Canal", email="contact@recyclerie.example.org")


@pytest.fixture
def moderator():
    user = factories.staff_user()
    user.user_permissions.add(Permission.objects.get(codename="moderate_changerequest"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def ask(actor, *, method=Claim.Method.EMAIL_LINK, email="Camille.Martin@Example.org", **overrides):
    fields = {"name": "Camille Martin", "job_title": "coordinatrice", "message": "", "key": "cle"}
    fields.update(overrides)
    return claims.request_claim(actor=actor, email=email, method=method, **fields)


def link_of(message) -> tuple[int, str]:
    claim_id, secret = LINK.search(message.body).groups()
    return int(claim_id), secret


@pytest.fixture
def linked(actor, django_capture_on_commit_callbacks):
    """A claim by link of `actor`, and the (claim id, secret) of the link e-mailed to the structure."""
    with django_capture_on_commit_callbacks(execute=True):
        ask(actor)
    return link_of(mail.outbox[-1])


def test_a_link_claim_mails_the_actors_public_address_saying_who_asked(actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        claim = ask(actor)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["contact@recyclerie.example.org"]
    assert "Camille Martin, coordinatrice (camille.martin@example.org)" in message.body
    assert "Recyclerie fictive du Canal" in message.subject
    claim_id, secret = link_of(message)
    assert claim_id == claim.pk
    claim.refresh_from_db()
    # Only a hash of the secret is kept; the link lasts CLAIM_LINK_HOURS.
    assert secret not in claim.secret_hash and len(claim.secret_hash) == 64
    assert claim.email == "camille.martin@example.org"
    assert claim.state == Claim.State.PENDING
    assert timedelta(hours=47) < claim.expires_at - timezone.now() <= timedelta(hours=48)


def test_a_link_needs_a_public_email(django_capture_on_commit_callbacks):
    without = factories.actor(email="")
    with pytest.raises(claims.ClaimError) as refused, django_capture_on_commit_callbacks(execute=True):
        ask(without)
    assert "pas d'e-mail public" in str(refused.value)
    assert mail.outbox == [] and not Claim.objects.exists()


def test_a_claim_by_review_sends_nothing_to_anyone(actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        claim = ask(actor, method=Claim.Method.REVIEW, message="Je suis la coordinatrice.")
    assert mail.outbox == []
    assert claim.secret_hash == "" and claim.expires_at is None


@pytest.mark.parametrize(
    "overrides",
    [{"status": PublicationStatus.DRAFT}, {"status": PublicationStatus.ARCHIVED}],
    ids=["draft", "archived"],
)
def test_only_a_published_actor_may_be_claimed(overrides):
    hidden = factories.actor(email="contact@cache.example.org", **overrides)
    with pytest.raises(claims.ClaimError, match="pas publiée"):
        ask(hidden)


def test_a_merged_actor_may_not_be_claimed(actor):
    duplicate = factories.actor(email="doublon@example.org", status=PublicationStatus.ARCHIVED)
    duplicate.merged_into = actor
    duplicate.save()
    with pytest.raises(claims.ClaimError):
        ask(duplicate)


def test_a_second_pending_claim_of_the_same_address_for_the_same_actor_is_refused(actor):
    ask(actor)
    with pytest.raises(claims.ClaimError, match="déjà en cours"):
        ask(actor, method=Claim.Method.REVIEW, email="camille.martin@EXAMPLE.org", message="Encore moi.")
    other = factories.actor(email="autre@example.org")
    ask(other)  # another actor: fine
    assert Claim.objects.count() == 2


def test_an_expired_pending_link_does_not_block_a_new_claim(actor):
    first = ask(actor)
    Claim.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    ask(actor)
    first.refresh_from_db()
    assert first.state == Claim.State.EXPIRED


def test_the_structures_mailbox_gets_a_bounded_number_of_pending_links(actor):
    for n in range(claims.PENDING_LINKS_PER_ACTOR):
        ask(actor, email=f"personne{n}@example.org")
    with pytest.raises(claims.ClaimError, match="Plusieurs liens"):
        ask(actor, email="une-de-trop@example.org")
    ask(actor, email="une-de-trop@example.org", method=Claim.Method.REVIEW, message="Par l'équipe alors.")


def test_confirming_the_link_creates_the_account_the_representative_and_mails_the_claimant(
    actor, linked, django_capture_on_commit_callbacks
):
    claim_id, secret = linked
    with django_capture_on_commit_callbacks(execute=True):
        grant = claims.confirm_link(claim_id=claim_id, secret=secret)
    user = grant.user
    assert grant.created
    assert user.username == "camille.martin@example.org" == user.email
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert Representative.objects.filter(user=user, actor=actor, claim_id=claim_id).exists()
    claim = Claim.objects.get(pk=claim_id)
    assert claim.state == Claim.State.APPROVED and claim.used_at and claim.user == user and claim.decided_by is None
    access = mail.outbox[1]
    assert access.to == ["camille.martin@example.org"]  # the claimant's own address proves it is theirs
    assert "définissez votre mot de passe" in access.subject
    assert "/compte/mot-de-passe/" in access.body


def test_a_used_link_is_refused_with_a_clear_message(actor, linked):
    claim_id, secret = linked
    claims.confirm_link(claim_id=claim_id, secret=secret)
    with pytest.raises(claims.ClaimError, match="déjà servi") as refused:
        claims.confirm_link(claim_id=claim_id, secret=secret)
    assert refused.value.code == "used"
    assert Representative.objects.count() == 1


def test_an_expired_link_is_refused_and_the_claim_marked_expired(actor, linked):
    claim_id, secret = linked
    Claim.objects.filter(pk=claim_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(claims.ClaimError, match="a expiré") as refused:
        claims.confirm_link(claim_id=claim_id, secret=secret)
    assert refused.value.code == "expired"
    assert Claim.objects.get(pk=claim_id).state == Claim.State.EXPIRED
    assert not User.objects.exists() and not Representative.objects.exists()
    with pytest.raises(claims.ClaimError, match="a expiré"):
        claims.confirm_link(claim_id=claim_id, secret=secret)


def test_a_tampered_link_reads_as_an_unknown_one(actor, linked):
    claim_id, secret = linked
    with pytest.raises(claims.ClaimError) as tampered:
        claims.confirm_link(claim_id=claim_id, secret=secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    with pytest.raises(claims.ClaimError) as unknown:
        claims.confirm_link(claim_id=claim_id + 1000, secret=secret)
    assert tampered.value.messages == unknown.value.messages
    assert tampered.value.code == unknown.value.code == "invalid"
    assert Claim.objects.get(pk=claim_id).state == Claim.State.PENDING


def test_a_link_to_an_actor_unpublished_since_is_refused(actor, linked):
    claim_id, secret = linked
    type(actor).objects.filter(pk=actor.pk).update(status=PublicationStatus.ARCHIVED)
    with pytest.raises(claims.ClaimError, match="pas publiée"):
        claims.confirm_link(claim_id=claim_id, secret=secret)


def test_an_existing_structure_account_gets_the_new_actor_too(actor, linked, django_capture_on_commit_callbacks):
    other = factories.actor()
    user = factories.structure_account(other, email="camille.martin@example.org")
    claim_id, secret = linked
    with django_capture_on_commit_callbacks(execute=True):
        grant = claims.confirm_link(claim_id=claim_id, secret=secret)
    assert grant.user == user and not grant.created
    assert set(claims.represented_actors(user)) == {actor, other}
    assert "mot de passe habituel" in mail.outbox[-1].body


def test_a_staff_address_never_becomes_a_structure_account(actor, linked):
    factories.staff_user(username="camille.martin@example.org")
    claim_id, secret = linked
    with pytest.raises(claims.ClaimError, match="ne peut pas aboutir"):
        claims.confirm_link(claim_id=claim_id, secret=secret)
    assert not Representative.objects.exists()
    assert Claim.objects.get(pk=claim_id).state == Claim.State.PENDING


# -- By review


def test_a_moderator_approves_a_claim_by_review(actor, moderator, django_capture_on_commit_callbacks):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Je coordonne la recyclerie.")
    with django_capture_on_commit_callbacks(execute=True):
        grant = claims.approve_claim(claim, moderator=moderator, reason="Vérifié par téléphone.")
    claim.refresh_from_db()
    assert claim.state == Claim.State.APPROVED
    assert claim.decided_by == moderator and claim.decided_at and claim.decision_reason == "Vérifié par téléphone."
    assert Representative.objects.filter(user=grant.user, actor=actor).exists()
    assert [m.to for m in mail.outbox] == [["camille.martin@example.org"]]
    assert "L'équipe ESS a accepté votre demande" in mail.outbox[0].body


def test_a_moderator_rejects_a_claim_with_a_reason_sent_to_the_claimant(
    actor, moderator, django_capture_on_commit_callbacks
):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Je suis bénévole.")
    with pytest.raises(claims.ClaimError, match="motif"):
        claims.reject_claim(claim, moderator=moderator, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        claims.reject_claim(claim, moderator=moderator, reason="La structure ne vous connaît pas.")
    claim.refresh_from_db()
    assert claim.state == Claim.State.REJECTED and claim.decided_by == moderator
    assert claim.decision_reason == "La structure ne vous connaît pas."
    assert mail.outbox[0].to == ["camille.martin@example.org"]
    assert "La structure ne vous connaît pas." in mail.outbox[0].body
    assert not User.objects.filter(username="camille.martin@example.org").exists()


def test_a_decided_claim_cannot_be_decided_again(actor, moderator):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    claims.reject_claim(claim, moderator=moderator, reason="Non.")
    with pytest.raises(claims.ClaimError, match="déjà été traitée"):
        claims.approve_claim(claim, moderator=moderator)


def test_a_link_claim_is_not_decided_by_review(actor, moderator):
    claim = ask(actor)
    with pytest.raises(claims.ClaimError):
        claims.approve_claim(claim, moderator=moderator)


def test_deciding_needs_the_moderation_permission(actor):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    with pytest.raises(PermissionDenied):
        claims.approve_claim(claim, moderator=factories.staff_user(group="Éditeurs"))


def test_the_actors_email_is_masked():
    assert claims.mask_email("contact@exemple.org") == "c•••@exemple.org"
    assert claims.mask_email("") == "•••"


# -- The moderators' page


def decide_url(claim) -> str:
    return reverse("claim_moderation:decide", args=[claim.pk])


@pytest.mark.ignore_template_errors
def test_the_decision_page_shows_the_claim_and_the_actors_public_email(client, actor, moderator):
    claim = ask(actor, method=Claim.Method.REVIEW, message="<script>alert(1)</script> Je coordonne.")
    client.force_login(moderator)
    response = client.get(decide_url(claim))
    assert response.status_code == 200
    content = response.content.decode()
    assert "contact@recyclerie.example.org" in content and "camille.martin@example.org" in content
    assert "<script>alert(1)</script>" not in content and "&lt;script&gt;" in content


@pytest.mark.ignore_template_errors
def test_a_moderator_decides_from_the_page(client, actor, moderator, django_capture_on_commit_callbacks):
    approved = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    rejected = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.", email="autre@example.org")
    client.force_login(moderator)
    response = client.post(decide_url(rejected), {"decision": "reject", "reason": ""})
    assert response.status_code == 200 and "motif du refus" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(decide_url(approved), {"decision": "approve"}).status_code == 302
        assert client.post(decide_url(rejected), {"decision": "reject", "reason": "Inconnu."}).status_code == 302
    assert Claim.objects.get(pk=approved.pk).state == Claim.State.APPROVED
    assert Claim.objects.get(pk=rejected.pk).state == Claim.State.REJECTED
    assert len(mail.outbox) == 2


@pytest.mark.ignore_template_errors
def test_the_page_refuses_a_claim_already_decided(client, actor, moderator):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    claims.reject_claim(claim, moderator=moderator, reason="Non.")
    client.force_login(moderator)
    response = client.post(decide_url(claim), {"decision": "approve"}, follow=True)
    assert "déjà été traitée" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.REJECTED
    assert not Representative.objects.exists()


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize("who", ["Éditeurs", "Lecture seule", "structure"])
def test_the_page_is_refused_without_the_moderation_permission(client, actor, who):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    user = factories.structure_account(actor) if who == "structure" else factories.staff_user(group=who)
    client.force_login(user)
    response = client.post(decide_url(claim), {"decision": "approve"})
    # Staff without the permission: 403; anyone else is sent to the admin's login.
    assert response.status_code == (302 if who == "structure" else 403)
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.PENDING


# -- Claims and representatives in the admin


@pytest.fixture(params=[2, 8], ids=["small", "larger"])
def many_claims(request, actor):
    for n in range(request.param):
        claim = ask(actor, email=f"personne{n}@example.org", method=Claim.Method.REVIEW, message="Bonjour.")
        factories.structure_account(actor).represented_actors.update(claim=claim)
    return request.param


@pytest.mark.ignore_template_errors
def test_claims_changelist_queries_do_not_grow(admin_client, many_claims, django_assert_num_queries):
    # session, user, count, count (unfiltered), the page with its actors, the date hierarchy's range and days
    with django_assert_num_queries(7):
        response = admin_client.get(reverse("admin:directory_claim_changelist"))
    assert response.status_code == 200
    assert "Examiner" in response.content.decode()


@pytest.mark.ignore_template_errors
def test_representatives_changelist_queries_do_not_grow(admin_client, many_claims, django_assert_num_queries):
    with django_assert_num_queries(5):
        response = admin_client.get(reverse("admin:directory_representative_changelist"))
    assert response.status_code == 200


@pytest.mark.ignore_template_errors
def test_those_who_decide_claims_see_them_listed(client, actor, moderator):
    ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    client.force_login(moderator)
    response = client.get(reverse("admin:directory_claim_changelist"))
    assert response.status_code == 200 and "Camille Martin" in response.content.decode()


@pytest.mark.ignore_template_errors
def test_claims_are_read_only_in_the_admin(admin_client, actor):
    claim = ask(actor, method=Claim.Method.REVIEW, message="Bonjour.")
    assert admin_client.get(reverse("admin:directory_claim_add")).status_code == 403
    response = admin_client.post(reverse("admin:directory_claim_change", args=[claim.pk]), {"state": "approved"})
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.PENDING
