"""The board of needs: the public form and its guards, moderation, the private link, matching, e-mails,
expiry and the purge of the buyers' contacts."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.models import PublicationStatus
from purchasing import services
from purchasing.models import BuyerNeed, NeedMatchNotice
from tests import factories
from tests.purchasing import factories as buyers

pytestmark = pytest.mark.django_db

FOLLOW_LINK = re.compile(r"https?://[^/\s]+(/acheteurs/besoins/suivi/\d+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0


def text(response) -> str:
    return html.unescape(response.content.decode())


def need_form(client, **overrides) -> dict:
    page = client.get(reverse("purchasing:need_new"))
    data = {
        "started": page.context["form"]["started"].value(),
        "nickname": "",
        "title": "Repas pour un séminaire",
        "description": "Déjeuner pour 80 personnes.",
        "cpv": "55300000-3",
        "communes": ["93048"],
        "deadline": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "buyer_name": "Collectivité fictive",
        "buyer_kind": "public",
        "contact_email": "acheteuse@example.org",
    }
    data.update(overrides)
    return data


def post_need(client, **overrides):
    return client.post(reverse("purchasing:need_new"), need_form(client, **overrides))


def test_a_need_is_recorded_pending_and_the_buyer_gets_a_private_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_need(client)
    assert response.status_code == 302
    need = BuyerNeed.objects.get()
    assert need.status == PublicationStatus.PENDING
    assert need.contact_email == "acheteuse@example.org"
    assert len(need.secret_hash) == 64
    assert [message.to for message in mail.outbox] == [["acheteuse@example.org"]]
    path = FOLLOW_LINK.search(mail.outbox[0].body).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert "En attente de vérification" in text(page)
    assert page["X-Robots-Tag"] == "noindex"
    # Not public before a moderator approves it.
    assert "Repas pour un séminaire" not in text(client.get(reverse("purchasing:need_list")))


def test_a_wrong_or_altered_link_is_not_found(client):
    need = buyers.need()
    assert client.get(services.follow_path(need, "pas-le-bon-secret")).status_code == 404
    assert client.get(f"/acheteurs/besoins/suivi/{9**20}/x/").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": "2001-01-01"}, "deadline", "La date limite est déjà passée"),
        ({"description": "<p>Achetez <a href='http://x'>ici</a></p>"}, "description", "texte simple"),
        ({"title": "Offre &amp; promo"}, "title", "texte simple"),
        ({"cpv": "12345678-9"}, "cpv", "n'existe pas"),
        ({"cpv": "traiteur"}, "cpv", "n'est pas un code CPV"),
        ({"communes": []}, "communes", "obligatoire"),
        ({"contact_email": "pas-une-adresse"}, "contact_email", "adresse e-mail valide"),
        ({"title": "x" * 201}, "title", "200 caractères"),
    ],
)
def test_a_bad_need_is_refused_with_a_clear_french_message(client, overrides, field, message):
    response = post_need(client, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not BuyerNeed.objects.exists()
    assert mail.outbox == []


def test_the_spam_guards_of_the_public_forms_apply(client, settings):
    assert post_need(client, nickname="robot").status_code == 200
    assert post_need(client, started="forged").status_code == 200
    settings.CONTRIBUTION_MIN_SECONDS = 60
    assert post_need(client).status_code == 200
    assert not BuyerNeed.objects.exists()
    settings.CONTRIBUTION_MIN_SECONDS = 0
    settings.CONTRIBUTION_RATE_PER_HOUR = 2
    assert post_need(client).status_code == 302
    assert post_need(client).status_code == 302
    assert post_need(client).status_code == 429
    assert BuyerNeed.objects.count() == 2


def test_the_service_refuses_what_the_form_refuses():
    need = BuyerNeed(
        title="Besoin",
        description="<script>alert(1)</script>",
        cpv=buyers.cpv(),
        deadline=timezone.localdate() - timedelta(days=1),
        buyer_name="Acheteur",
        buyer_kind="public",
    )
    with pytest.raises(ValidationError) as exc:
        services.submit_need(need=need, communes=[])
    assert set(exc.value.message_dict) == {"description", "deadline", "communes"}
    assert not BuyerNeed.objects.exists()


# -- Moderation, matching and e-mails


@pytest.fixture
def suppliers():
    """A caterer serving Montreuil (claimed), one serving the whole territory (claimed twice), others."""
    caterer = factories.actor(name="Traiteur fictif")
    buyers.offer(actor=caterer, cpv=buyers.cpv("55300000-3"), communes=["93048"])
    everywhere = factories.actor(name="Cantine fictive")
    buyers.offer(actor=everywhere, cpv=buyers.cpv("55500000-5"))
    factories.structure_account(caterer, email="traiteur@example.org")
    factories.structure_account(everywhere, email="cantine@example.org")
    factories.structure_account(everywhere, email="cantine2@example.org")
    elsewhere = factories.actor(name="Traiteur de Pantin fictif")
    buyers.offer(actor=elsewhere, cpv=buyers.cpv("55300000-3"), communes=["93055"])
    unpublished = factories.actor(name="Traiteur non publié fictif", status=PublicationStatus.DRAFT)
    buyers.offer(actor=unpublished, cpv=buyers.cpv("55300000-3"))
    factories.structure_account(unpublished, email="cache@example.org")
    pending = factories.actor(name="Traiteur en attente fictif")
    buyers.offer(actor=pending, cpv=buyers.cpv("55300000-3"), status=PublicationStatus.PENDING)
    building = factories.actor(name="Bâtiment fictif")
    buyers.offer(actor=building, cpv=buyers.cpv("45000000-7"))
    return caterer, everywhere


def test_matching_takes_the_category_with_its_groups_and_the_delivery_communes(suppliers):
    caterer, everywhere = suppliers
    division = buyers.need(cpv=buyers.cpv("55000000-0"), communes=["93048"])
    assert list(services.matching_actors(division)) == [everywhere, caterer]
    group = buyers.need(cpv=buyers.cpv("55300000-3"), communes=["93048"])
    assert list(services.matching_actors(group)) == [caterer]
    pantin = buyers.need(cpv=buyers.cpv("55500000-5"), communes=["93055"])
    assert list(services.matching_actors(pantin)) == [everywhere]


def test_approval_publishes_and_tells_the_buyer_and_each_matching_claimed_supplier_once(
    suppliers, django_capture_on_commit_callbacks
):
    need = buyers.need(cpv=buyers.cpv("55000000-0"), communes=["93048"], status=PublicationStatus.PENDING)
    moderator = factories.staff_user(group="Modérateurs")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_need(need=need, user=moderator)
    need.refresh_from_db()
    assert need.is_public and need.decided_by == moderator
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(
        [need.contact_email, "traiteur@example.org", "cantine@example.org", "cantine2@example.org"]
    )
    supplier_mail = next(m for m in mail.outbox if m.to == ["traiteur@example.org"])
    assert need.title in supplier_mail.body and need.contact_email not in supplier_mail.body
    assert NeedMatchNotice.objects.filter(need=need).count() == 2
    # Never twice for the same need and actor.
    mail.outbox.clear()
    assert services.notify_approval(need).suppliers == 0
    assert [m.to for m in mail.outbox] == [[need.contact_email]]


def test_editors_cannot_approve_needs_and_a_past_deadline_cannot_be_published():
    need = buyers.need(status=PublicationStatus.PENDING)
    with pytest.raises(PermissionDenied):
        services.approve_need(need=need, user=factories.staff_user(group="Éditeurs"))
    BuyerNeed.objects.filter(pk=need.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    need.refresh_from_db()
    with pytest.raises(ValidationError, match="date limite"):
        services.approve_need(need=need, user=None)


def test_refusal_archives_and_tells_the_buyer(django_capture_on_commit_callbacks):
    need = buyers.need(status=PublicationStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_need(need=need, user=factories.staff_user(group="Modérateurs"), reason="Hors du territoire")
    need.refresh_from_db()
    assert need.status == PublicationStatus.ARCHIVED
    assert "Hors du territoire" in mail.outbox[0].body


@pytest.mark.ignore_template_errors
def test_the_admin_moderates_needs_with_its_actions(client, suppliers, django_capture_on_commit_callbacks):
    need = buyers.need(cpv=buyers.cpv("55300000-3"), status=PublicationStatus.PENDING)
    client.force_login(factories.staff_user(group="Modérateurs"))
    url = reverse("admin:purchasing_buyerneed_changelist")
    page = text(client.get(url + "?etat=a-valider"))
    assert need.title in page and need.contact_email not in page
    assert need.contact_email not in text(client.get(reverse("admin:purchasing_buyerneed_change", args=[need.pk])))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve", "_selected_action": [need.pk]})
    need.refresh_from_db()
    assert need.status == PublicationStatus.PUBLISHED
    assert len(mail.outbox) == 2  # the buyer and the caterer


# -- The board and privacy


def test_the_board_shows_approved_open_needs_only_and_never_a_contact(client):
    shown = buyers.need(title="Besoin ouvert fictif", contact_email="prive@example.org")
    buyers.need(title="Besoin en attente fictif", status=PublicationStatus.PENDING)
    buyers.need(title="Besoin refusé fictif", status=PublicationStatus.ARCHIVED)
    late = buyers.need(title="Besoin échu fictif")
    BuyerNeed.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    page = text(client.get(reverse("purchasing:need_list")))
    assert "Besoin ouvert fictif" in page and f'id="besoin-{shown.pk}"' in page
    for hidden in ("Besoin en attente fictif", "Besoin refusé fictif", "Besoin échu fictif", "prive@example.org"):
        assert hidden not in page
    assert "1 besoin ouvert" in page


def test_the_contact_is_kept_out_of_the_history():
    need = buyers.need(contact_email="prive@example.org")
    record = need.history.latest()
    assert not hasattr(record, "contact_email") and not hasattr(record, "secret_hash")


def test_the_board_filters_by_category_with_its_groups_and_commune(client):
    catering = buyers.need(title="Traiteur fictif", cpv=buyers.cpv("55300000-3"), communes=["93048"])
    buyers.need(title="Travaux fictifs", cpv=buyers.cpv("45000000-7"), communes=["93055"])
    response = client.get(reverse("purchasing:need_list"), {"cpv": "55000000-0"})
    assert [n.pk for n in response.context["page_obj"].object_list] == [catering.pk]
    response = client.get(reverse("purchasing:need_list"), {"commune": "93055"})
    assert [n.title for n in response.context["page_obj"].object_list] == ["Travaux fictifs"]
    response = client.get(reverse("purchasing:need_list"), {"cpv": "00000000-0"})
    assert "n'existe pas" in text(response)
    assert list(response.context["page_obj"].object_list) == []


# -- Expiry and retention


def test_expire_needs_archives_past_needs_and_purges_old_contacts(settings):
    settings.NEED_CONTACT_RETENTION_DAYS = 30
    today = timezone.localdate()
    open_need = buyers.need(title="Ouvert")
    just_past = buyers.need(title="Échu hier")
    long_past = buyers.need(title="Échu il y a longtemps", status=PublicationStatus.ARCHIVED)
    refused = buyers.need(title="Refusé", status=PublicationStatus.ARCHIVED)
    BuyerNeed.objects.filter(pk=just_past.pk).update(deadline=today - timedelta(days=1))
    BuyerNeed.objects.filter(pk=long_past.pk).update(deadline=today - timedelta(days=31))
    BuyerNeed.objects.filter(pk=refused.pk).update(decided_at=timezone.now() - timedelta(days=31))
    out = io_run("expire_needs", "--dry-run")
    assert "besoins échus archivés : 1" in out and "contacts d'acheteurs effacés : 2" in out
    assert BuyerNeed.objects.get(pk=just_past.pk).status == PublicationStatus.PUBLISHED
    out = io_run("expire_needs")
    assert "besoins échus archivés : 1" in out and "contacts d'acheteurs effacés : 2" in out
    just_past.refresh_from_db()
    assert just_past.status == PublicationStatus.ARCHIVED and just_past.contact_email
    for need in (long_past, refused):
        need.refresh_from_db()
        assert need.contact_email == "" and need.secret_hash == "" and need.contact_purged_at is not None
    open_need.refresh_from_db()
    assert open_need.status == PublicationStatus.PUBLISHED and open_need.contact_email
    # A purged need's link no longer opens.
    with pytest.raises(services.LinkError):
        services.need_from_link(need_id=long_past.pk, secret="x")
    assert "contacts d'acheteurs effacés : 0" in io_run("expire_needs")


def io_run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
