"""Pending suppliers' offers and buyers' needs in the directory's moderation queue, never the buyer's e-mail."""

import pytest
from django.urls import reverse

from directory import moderation
from directory.models import PublicationStatus
from tests import factories
from tests.purchasing import factories as purchasing_factories

pytestmark = pytest.mark.django_db


def test_pending_offers_and_needs_wait_in_the_queue_with_a_link_to_decide(client):
    actor = factories.actor(name="Menuiserie solidaire (fictif)")
    pending = PublicationStatus.PENDING
    offer = purchasing_factories.offer(actor=actor, title="Mobilier de bureau (fictif)", status=pending)
    need = purchasing_factories.need(
        title="Nettoyage de locaux (fictif)", status=PublicationStatus.PENDING, contact_email="privee@example.org"
    )
    purchasing_factories.offer(title="Offre déjà publiée (fictif)")
    counts = moderation.pending_counts()
    assert (counts["offer"], counts["need"]) == (1, 1)

    client.force_login(factories.staff_user(group="Modérateurs"))
    html = client.get(reverse("admin:moderation_queue")).content.decode()
    assert reverse("admin:purchasing_supplieroffer_change", args=[offer.pk]) in html
    assert reverse("admin:purchasing_buyerneed_change", args=[need.pk]) in html
    assert "Mobilier de bureau (fictif)" in html and "Nettoyage de locaux (fictif)" in html
    assert "Offre déjà publiée" not in html
    assert "privee@example.org" not in html
    only_needs = client.get(reverse("admin:moderation_queue"), {"kind": "need"}).content.decode()
    assert "Nettoyage de locaux (fictif)" in only_needs and "Mobilier de bureau" not in only_needs


def test_the_privacy_page_says_how_long_the_buyer_s_contact_is_kept(client, settings):
    settings.NEED_CONTACT_RETENTION_DAYS = 45
    content = client.get("/confidentialite/").content.decode()
    assert "Les besoins déposés par les acheteurs" in content
    assert (
        "effacée 45 jours après l&#x27;échéance du besoin" in content or "effacée 45 jours après l'échéance" in content
    )
    assert "Les événements proposés pour l&#x27;agenda" in content or "Les événements proposés pour l'agenda" in content


def test_the_purge_blanks_the_anti_abuse_keys_of_old_needs():
    import datetime
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from purchasing.models import BuyerNeed

    old, fresh = purchasing_factories.need(), purchasing_factories.need()
    BuyerNeed.objects.filter(pk__in=[old.pk, fresh.pk]).update(submitter_key="k" * 64)
    BuyerNeed.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    call_command("purge_contributions", stdout=io.StringIO())
    assert dict(BuyerNeed.objects.values_list("pk", "submitter_key")) == {old.pk: "", fresh.pk: "k" * 64}
