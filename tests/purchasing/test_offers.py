"""Suppliers' offers: their rules at every entry point, the structures' accounts, moderation, the admin."""

import html
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from directory import versions
from directory.history import Origin
from directory.models import PublicationStatus
from purchasing import services
from purchasing.models import SupplierOffer
from tests import factories
from tests.purchasing import factories as buyers

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


# -- Rules of one offer


def test_an_offer_full_of_html_is_refused_in_french():
    offer = SupplierOffer(
        actor=factories.actor(), title="Traiteur", cpv=buyers.cpv(), description="<a href='x'>promo</a>"
    )
    with pytest.raises(ValidationError) as exc:
        offer.full_clean()
    assert "texte simple" in " ".join(exc.value.message_dict["description"])


def test_an_order_amount_is_never_negative_nor_absurd():
    offer = SupplierOffer(actor=factories.actor(), title="Traiteur", cpv=buyers.cpv(), max_order_amount=Decimal(-1))
    with pytest.raises(ValidationError) as exc:
        offer.full_clean()
    assert "max_order_amount" in exc.value.message_dict
    offer.max_order_amount = Decimal("100000000000")
    with pytest.raises(ValidationError):
        offer.full_clean()


def test_only_published_offers_of_published_actors_are_public():
    public = buyers.offer()
    buyers.offer(status=PublicationStatus.PENDING)
    buyers.offer(status=PublicationStatus.ARCHIVED)
    buyers.offer(actor=factories.actor(status=PublicationStatus.DRAFT))
    assert list(SupplierOffer.objects.published()) == [public]


def test_the_search_ignores_accents_case_and_plurals():
    offer = buyers.offer(title="Entretien d'espaces verts", description="Tonte et élagage")
    buyers.offer(title="Traiteur")
    for query in ("espace vert", "ESPACES", "elagages", "Élagage"):
        assert list(SupplierOffer.objects.search(query)) == [offer], query
    assert list(SupplierOffer.objects.search("de la")) == []


# -- A structure's account


@pytest.fixture
def represented():
    actor = factories.actor(name="Traiteur solidaire fictif")
    return actor, factories.structure_account(actor)


def test_an_offer_from_the_account_waits_for_a_moderator(client, represented):
    actor, user = represented
    client.force_login(user)
    url = reverse("purchasing:account_offer_new", args=[actor.slug])
    response = client.post(
        url,
        {"title": "Plateaux-repas", "cpv": "55300000-3", "communes": ["93048"], "description": "Repas du midi."},
    )
    assert response.status_code == 302
    offer = SupplierOffer.objects.get(actor=actor)
    assert offer.status == PublicationStatus.PENDING
    assert offer.cpv.code == "55300000-3"
    assert [c.insee_code for c in offer.communes.all()] == ["93048"]
    record = offer.history.latest()
    assert record.history_source == Origin.ACCOUNT and record.history_user == user
    assert SupplierOffer.objects.published().count() == 0
    # Approved by a moderator, it is public; changed again from the account, it waits again.
    services.approve_offers(offers=[offer], user=factories.staff_user(group="Modérateurs"))
    assert list(SupplierOffer.objects.published()) == [offer]
    edit = reverse("purchasing:account_offer", args=[actor.slug, offer.pk])
    page = client.get(edit)
    version = page.context["form"]["record_version"].value()
    response = client.post(
        edit, {"title": "Plateaux-repas bio", "cpv": "55300000-3", "whole_territory": "on", "record_version": version}
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == PublicationStatus.PENDING and offer.whole_territory


def test_the_account_form_refuses_an_unknown_cpv_code_and_no_area(client, represented):
    actor, user = represented
    client.force_login(user)
    response = client.post(
        reverse("purchasing:account_offer_new", args=[actor.slug]), {"title": "X", "cpv": "99999999-9"}
    )
    assert response.status_code == 200
    page = text(response)
    assert "Le code CPV « 99999999-9 » n'existe pas" in page
    assert "Choisissez au moins une commune servie" in page
    assert not SupplierOffer.objects.exists()


def test_a_stale_account_edit_is_refused_with_who_changed_it(client, represented):
    actor, user = represented
    offer = buyers.offer(actor=actor, title="Traiteur")
    client.force_login(user)
    edit = reverse("purchasing:account_offer", args=[actor.slug, offer.pk])
    version = client.get(edit).context["form"]["record_version"].value()
    offer.title = "Traiteur (changé par l'équipe)"
    offer.save()
    response = client.post(
        edit, {"title": "Mon titre", "cpv": "55000000-0", "whole_territory": "on", "record_version": version}
    )
    assert response.status_code == 200
    assert "modifiée depuis l'ouverture du formulaire" in text(response)
    offer.refresh_from_db()
    assert offer.title == "Traiteur (changé par l'équipe)"


def test_an_account_never_edits_another_structures_offers(client, represented):
    _actor, user = represented
    other = buyers.offer()
    client.force_login(user)
    assert client.get(reverse("purchasing:account_offers", args=[other.actor.slug])).status_code == 404
    assert client.get(reverse("purchasing:account_offer", args=[other.actor.slug, other.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.save_account_offer(actor=other.actor, user=user, values={"title": "x"}, offer=other)


def test_the_account_withdraws_its_offer_by_archiving_it(client, represented):
    actor, user = represented
    offer = buyers.offer(actor=actor)
    client.force_login(user)
    url = reverse("purchasing:account_offer_withdraw", args=[actor.slug, offer.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    offer.refresh_from_db()
    assert offer.status == PublicationStatus.ARCHIVED
    assert SupplierOffer.objects.filter(pk=offer.pk).exists()


def test_anonymous_visitors_sign_in_before_the_account_offers(client, represented):
    actor, _user = represented
    response = client.get(reverse("purchasing:account_offers", args=[actor.slug]))
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


# -- Staff


def test_editors_cannot_approve_offers_moderators_can():
    offer = buyers.offer(status=PublicationStatus.PENDING)
    with pytest.raises(PermissionDenied):
        services.approve_offers(offers=[offer], user=factories.staff_user(group="Éditeurs"))
    assert services.approve_offers(offers=[offer], user=factories.staff_user(group="Modérateurs")) == [offer]
    assert services.refuse_offers(offers=[offer], user=factories.staff_user(group="Modérateurs"), note="Trop vague")
    offer.refresh_from_db()
    assert offer.status == PublicationStatus.DRAFT and offer.review_note == "Trop vague"


@pytest.mark.ignore_template_errors
def test_the_admin_approves_and_archives_with_the_publish_permission(client):
    offer = buyers.offer(status=PublicationStatus.PENDING)
    client.force_login(factories.staff_user(group="Modérateurs"))
    url = reverse("admin:purchasing_supplieroffer_changelist")
    response = client.post(url, {"action": "approve", "_selected_action": [offer.pk]})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == PublicationStatus.PUBLISHED
    client.post(url, {"action": "archive", "_selected_action": [offer.pk]})
    offer.refresh_from_db()
    assert offer.status == PublicationStatus.ARCHIVED
    # Archive instead of delete: moderators have no delete action or button.
    assert "delete_selected" not in text(client.get(url))


@pytest.mark.ignore_template_errors
def test_editors_do_not_see_the_approval_actions_nor_publish_through_the_form(client):
    offer = buyers.offer(status=PublicationStatus.DRAFT)
    client.force_login(factories.staff_user(group="Éditeurs"))
    page = text(client.get(reverse("admin:purchasing_supplieroffer_changelist")))
    assert "Approuver les offres" not in page
    change = reverse("admin:purchasing_supplieroffer_change", args=[offer.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("communes",)}
    data.update({"status": "published", "whole_territory": "on", "cpv": offer.cpv_id, "actor": offer.actor_id})
    response = client.post(change, data)
    assert response.status_code == 200
    assert "Seuls les modérateurs" in text(response)
    offer.refresh_from_db()
    assert offer.status == PublicationStatus.DRAFT


@pytest.mark.ignore_template_errors
def test_a_stale_admin_save_is_refused(client):
    offer = buyers.offer(title="Avant")
    client.force_login(factories.staff_user(superuser=True))
    change = reverse("admin:purchasing_supplieroffer_change", args=[offer.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("communes", "is_fictional")}
    data.update({"whole_territory": "on", "cpv": offer.cpv_id, "actor": offer.actor_id, "title": "Mon titre"})
    offer.title = "Changé entre-temps"
    offer.save()
    response = client.post(change, data)
    assert response.status_code == 200
    assert "modifiée depuis l'ouverture du formulaire" in text(response)
    offer.refresh_from_db()
    assert offer.title == "Changé entre-temps"
    assert versions.current_version(offer) == offer.history.latest().history_id
