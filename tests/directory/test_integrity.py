"""Integrity of the directory: provenance of every change, archive rather than delete, restore,
the right to publish, maximum lengths of free texts, CSV cells neutralised."""

import csv
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from directory import services
from directory.demo import load_directory_demo
from directory.history import Origin, restore_batch
from directory.models import (
    LONG_TEXT_MAX_LENGTH,
    Actor,
    ApiToken,
    Contact,
    Label,
    PublicationStatus,
    Role,
    Sector,
    SupportOffer,
)
from directory.reference import load_reference_organisations
from tests import factories
from tests.directory.test_admin import actor_form_data, run_action, streamed_text

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

GROUPS = {"editor": "Éditeurs", "moderator": "Modérateurs", "reader": "Lecture seule"}
FOUR_MB = "a" * (4 * 1024 * 1024)


def login(client, role: str):
    user = factories.staff_user(superuser=True) if role == "superuser" else factories.staff_user(group=GROUPS[role])
    client.force_login(user)
    return user


def action_names(response) -> list[str]:
    form = response.context["action_form"]  # None when no action is offered
    return [name for name, _label in form.fields["action"].choices] if form else []


# ---------------------------------------------------------------------------
# Provenance: who, when, where


def test_a_change_in_the_admin_records_who_when_and_that_it_came_from_the_admin(client):
    user = login(client, "superuser")
    actor = factories.actor()

    client.post(reverse("admin:directory_actor_change", args=[actor.pk]), actor_form_data(name="Nom revu fictif"))

    record = actor.history.latest()
    assert (record.name, record.history_user, record.history_source, record.history_source_detail) == (
        "Nom revu fictif",
        user,
        Origin.ADMIN,
        user.username,
    )
    assert record.history_date is not None
    page = client.get(reverse("admin:directory_actor_history", args=[actor.pk])).content.decode()
    assert f"administration ({user.username})" in page


def test_a_write_through_the_api_records_the_partner_and_its_token():
    from rest_framework.test import APIClient

    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    payload = {"name": "Coopérative fictive de l'API", "legal_form": "scop", "commune": "93048", "postal_code": "93100"}

    response = APIClient().post(
        "/api/v1/actors/", data=json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )

    assert response.status_code == 201
    record = Actor.objects.get(name=payload["name"]).history.get()
    assert (record.history_source, record.history_source_detail) == (
        Origin.API,
        f"{token.organisation.name} ({token.prefix})",
    )
    assert record.history_date is not None


def test_the_loaders_record_that_they_imported_or_generated_the_records():
    load_reference_organisations()
    load_directory_demo()

    reference = Actor.history.filter(source=Actor.Source.REFERENCE)
    demo = Actor.history.filter(source=Actor.Source.DEMO)
    assert set(reference.values_list("history_source", "history_source_detail")) == {
        (Origin.IMPORT, "reference/est-ensemble.md")
    }
    assert set(demo.values_list("history_source", "history_source_detail")) == {(Origin.COMMAND, "load_demo")}
    assert Contact.history.count() == Contact.objects.count()
    assert set(Contact.history.values_list("history_source", flat=True)) == {Origin.COMMAND}


def test_changes_outside_any_entry_point_have_an_empty_provenance():
    actor = factories.actor()

    assert actor.history.get().history_source == ""


# ---------------------------------------------------------------------------
# Archive, delete, restore


def test_only_superusers_may_delete_actors_and_offers(client):
    actor = factories.actor()
    offer = factories.support_offer(provider=factories.actor())
    for role in ("editor", "moderator", "reader"):
        login(client, role)
        assert client.get(reverse("admin:directory_actor_delete", args=[actor.pk])).status_code == 403, role
        assert client.get(reverse("admin:directory_supportoffer_delete", args=[offer.pk])).status_code == 403, role
        changelist = client.get(reverse("admin:directory_supportoffer_changelist"))
        assert "delete_selected" not in action_names(changelist), role
    login(client, "superuser")
    assert client.get(reverse("admin:directory_actor_delete", args=[actor.pk])).status_code == 200
    assert "delete_selected" in action_names(client.get(reverse("admin:directory_supportoffer_changelist")))


def test_delete_services_refuse_non_superusers():
    actor = factories.actor()
    with pytest.raises(PermissionDenied):
        services.delete_actors(actors=[actor], user=factories.staff_user(group="Modérateurs"))
    assert Actor.objects.filter(pk=actor.pk).exists()


def test_the_delete_confirmation_lists_the_contacts_and_the_offers_that_protect_the_actor(client):
    login(client, "superuser")
    actor = factories.actor(name="Acteur fictif protégé")
    factories.contact(actor=actor, last_name="Fictive")
    factories.support_offer(provider=actor, title="Offre fictive protectrice")

    page = client.get(reverse("admin:directory_actor_delete", args=[actor.pk])).content.decode()

    assert "Offre fictive protectrice" in page
    assert "Ses offres d'accompagnement, ses coopérations" in page
    assert "Fiches supprimées" in page


def test_a_superusers_delete_then_restore_brings_back_the_actor_with_its_links_and_contacts(client):
    user = login(client, "superuser")
    actor = factories.actor(name="Acteur fictif à restaurer")
    sectors = list(Sector.objects.filter(parent__isnull=False)[:2])
    actor.sectors.set(sectors)
    actor.labels.set(Label.objects.all()[:1])
    actor.roles.set(Role.objects.all()[:1])
    factories.contact(actor=actor, last_name="Fictive")
    factories.contact(actor=actor, last_name="Fictif")
    pk = actor.pk

    response = client.post(reverse("admin:directory_actor_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Actor.objects.filter(pk=pk).exists()
    assert not Contact.objects.exists()
    deletion = Actor.history.get(id=pk, history_type="-")
    assert deletion.history_batch is not None
    assert (deletion.history_user, deletion.history_source) == (user, Origin.ADMIN)
    assert set(Contact.history.filter(history_type="-").values_list("history_batch", flat=True)) == {
        deletion.history_batch
    }

    listing = client.get(reverse("admin:directory_deleted_records"))
    assert "Acteur fictif à restaurer" in listing.content.decode()
    assert [row["contacts"] for row in listing.context["rows"]] == [2]
    response = client.post(reverse("admin:directory_deleted_records"), {"batch": str(deletion.history_batch)})

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "3 fiches restaurées : « Acteur fictif à restaurer », « Camille Fictive », « Camille Fictif »."
    ]
    actor = Actor.objects.get(pk=pk)
    assert set(actor.sectors.all()) == set(sectors)
    assert actor.labels.count() == actor.roles.count() == 1
    assert sorted(actor.contacts.values_list("last_name", flat=True)) == ["Fictif", "Fictive"]
    restored = actor.history.filter(history_type="+").latest()
    assert (restored.history_user, restored.history_change_reason, restored.history_source) == (
        user,
        "Restauration d'une fiche supprimée",
        Origin.ADMIN,
    )
    # Putting back the links is recorded too, by the same person and for the same reason.
    assert {(r.history_user, r.history_change_reason) for r in actor.history.filter(history_id__gt=restored.pk)} <= {
        (user, "Restauration d'une fiche supprimée")
    }
    assert {record.history_user for record in Contact.history.filter(history_type="+").order_by("-history_id")[:2]} == {
        user
    }
    assert client.get(reverse("admin:directory_deleted_records")).context["rows"][0]["restored"] is True


def test_a_deleted_offer_is_restored_with_its_stages():
    offer = factories.support_offer(title="Offre fictive supprimée")
    stages = list(offer.stages.all())
    (batch,) = services.delete_offers(offers=[offer], user=None)

    restore_batch(batch=batch, reason="test")

    assert list(SupportOffer.objects.get(title="Offre fictive supprimée").stages.all()) == stages


@pytest.mark.parametrize(("role", "status"), [("superuser", 200), ("moderator", 200), ("editor", 403), ("reader", 403)])
def test_deleted_records_are_for_superusers_and_moderators(client, role, status):
    login(client, role)

    assert client.get(reverse("admin:directory_deleted_records")).status_code == status
    assert client.post(reverse("admin:directory_deleted_records"), {"batch": "x"}).status_code in (status, 404)
    changelist = client.get(reverse("admin:directory_actor_changelist")).content.decode()
    assert ("Fiches supprimées" in changelist) is (status == 200)


@pytest.mark.parametrize("size", [2, 12])
def test_deleted_records_page_query_count(client, django_assert_num_queries, size):
    login(client, "superuser")
    for _ in range(size):
        actor = factories.actor()
        factories.contact(actor=actor)
        services.delete_actors(actors=[actor])
        services.delete_offers(offers=[factories.support_offer(provider=factories.actor())])

    # session, user; deleted actors and offers (with who deleted them); their contacts counted by
    # batch; which of them exist again (actors, offers).
    with django_assert_num_queries(2 + 2 + 1 + 2):
        response = client.get(reverse("admin:directory_deleted_records"))

    assert len(response.context["rows"]) == 2 * size


def test_archive_action_for_offers_needs_the_publish_permission(client):
    offer = factories.support_offer()
    login(client, "editor")
    changelist = client.get(reverse("admin:directory_supportoffer_changelist"))
    assert "archive" not in action_names(changelist)

    login(client, "moderator")
    client.post(
        reverse("admin:directory_supportoffer_changelist"), {"action": "archive", "_selected_action": [str(offer.pk)]}
    )

    offer.refresh_from_db()
    assert offer.status == PublicationStatus.ARCHIVED
    assert offer.history.latest().history_change_reason == "Archivage"


# ---------------------------------------------------------------------------
# The right to publish, per group and entry point


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("editor", ["", "submit_for_review", "mark_verified", "export_csv"]),
        ("moderator", ["", "publish", "submit_for_review", "archive", "mark_verified", "export_csv"]),
        ("reader", ["", "export_csv"]),
        (
            "superuser",
            ["", "delete_selected", "publish", "submit_for_review", "archive", "mark_verified", "export_csv"],
        ),
    ],
)
def test_the_publish_action_is_offered_to_moderators_and_superusers_only(client, role, offered):
    draft = factories.actor(status=PublicationStatus.DRAFT)
    login(client, role)

    assert action_names(client.get(reverse("admin:directory_actor_changelist"))) == offered
    run_action(client, "publish", [draft])  # forged when not offered

    expected = PublicationStatus.PUBLISHED if "publish" in offered else PublicationStatus.DRAFT
    assert Actor.objects.get(pk=draft.pk).status == expected


@pytest.mark.parametrize("role", ["editor", "moderator", "superuser"])
def test_the_change_form_offers_publication_to_moderators_and_superusers_only(client, role):
    draft = factories.actor(status=PublicationStatus.DRAFT)
    login(client, role)
    url = reverse("admin:directory_actor_change", args=[draft.pk])

    choices = [value for value, _label in client.get(url).context["adminform"].form.fields["status"].widget.choices]
    response = client.post(url, actor_form_data(name=draft.name, status=PublicationStatus.PUBLISHED))

    if role == "editor":
        assert choices == ["draft", "pending"]
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["status"] == [
            "Seuls les modérateurs publient ou archivent une fiche : choisissez « brouillon » ou « à valider », "
            "un modérateur la publiera."
        ]
        assert Actor.objects.get(pk=draft.pk).status == PublicationStatus.DRAFT
    else:
        assert choices == ["draft", "pending", "published", "archived"]
        assert response.status_code == 302
        assert Actor.objects.get(pk=draft.pk).status == PublicationStatus.PUBLISHED


def test_an_editor_may_correct_a_published_actor_without_withdrawing_it_and_may_propose_it(client):
    published = factories.actor()
    login(client, "editor")
    url = reverse("admin:directory_actor_change", args=[published.pk])

    choices = [value for value, _label in client.get(url).context["adminform"].form.fields["status"].widget.choices]
    kept = client.post(url, actor_form_data(name="Nom corrigé fictif", status=PublicationStatus.PUBLISHED))
    archived = client.post(url, actor_form_data(name="Nom corrigé fictif", status=PublicationStatus.ARCHIVED))

    assert choices == ["draft", "pending", "published"]
    assert kept.status_code == 302
    assert archived.status_code == 200
    assert Actor.objects.get(pk=published.pk).status == PublicationStatus.PUBLISHED
    client.post(url, actor_form_data(name="Nom corrigé fictif", status=PublicationStatus.PENDING))
    assert Actor.objects.get(pk=published.pk).status == PublicationStatus.PENDING


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_the_add_form_lets_editors_propose_and_moderators_publish(client, role):
    login(client, role)

    response = client.post(reverse("admin:directory_actor_add"), actor_form_data(status=PublicationStatus.PUBLISHED))

    if role == "editor":
        assert response.status_code == 200
        assert "status" in response.context["adminform"].form.errors
        assert not Actor.objects.exists()
        assert client.post(reverse("admin:directory_actor_add"), actor_form_data()).status_code == 302
        assert Actor.objects.get().status == PublicationStatus.DRAFT
    else:
        assert response.status_code == 302
        assert Actor.objects.get().status == PublicationStatus.PUBLISHED


def test_the_read_only_group_cannot_add_or_change(client):
    actor = factories.actor(status=PublicationStatus.DRAFT)
    login(client, "reader")

    assert client.post(reverse("admin:directory_actor_add"), actor_form_data()).status_code == 403
    post = client.post(reverse("admin:directory_actor_change", args=[actor.pk]), actor_form_data(status="published"))
    assert post.status_code == 403
    assert Actor.objects.get(pk=actor.pk).status == PublicationStatus.DRAFT


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_reverting_to_a_published_version_publishes_only_for_moderators(client, role):
    actor = factories.actor(name="Nom publié fictif")  # published
    version = actor.history.latest()
    services.submit_actors_for_review(actors=[actor])
    login(client, role)
    url = reverse("admin:directory_actor_simple_history", args=[actor.pk, version.history_id])

    form = client.get(url).context["adminform"].form
    response = client.post(url, actor_form_data(name="Nom publié fictif", status=PublicationStatus.PUBLISHED))

    if role == "editor":
        assert form.initial["status"] == PublicationStatus.PENDING  # keeps the current state
        assert response.status_code == 200
        assert "status" in response.context["adminform"].form.errors
        assert Actor.objects.get(pk=actor.pk).status == PublicationStatus.PENDING
        kept = client.post(url, actor_form_data(name="Nom publié fictif", status=PublicationStatus.PENDING))
        assert kept.status_code == 302
    else:
        assert form.initial["status"] == PublicationStatus.PUBLISHED
        assert response.status_code == 302
        assert Actor.objects.get(pk=actor.pk).status == PublicationStatus.PUBLISHED


def test_an_editor_cannot_publish_an_offer_from_its_page_or_its_providers_page(client):
    offer = factories.support_offer(status=PublicationStatus.DRAFT)
    login(client, "editor")
    form = client.get(reverse("admin:directory_supportoffer_change", args=[offer.pk])).context["adminform"].form
    assert [value for value, _label in form.fields["status"].widget.choices] == ["draft", "pending"]

    provider = offer.provider
    data = actor_form_data(
        name=provider.name,
        status=provider.status,
        **{
            "support_offers-TOTAL_FORMS": "1",
            "support_offers-INITIAL_FORMS": "1",
            "support_offers-0-id": str(offer.pk),
            "support_offers-0-provider": str(provider.pk),
            "support_offers-0-title": offer.title,
            "support_offers-0-kind": offer.kind,
            "support_offers-0-stages": [str(stage.pk) for stage in offer.stages.all()],
            "support_offers-0-target_typology": offer.target_typology,
            "support_offers-0-cost": offer.cost,
            "support_offers-0-status": PublicationStatus.PUBLISHED,
        },
    )
    response = client.post(reverse("admin:directory_actor_change", args=[provider.pk]), data)

    assert response.status_code == 200
    assert "status" in response.context["inline_admin_formsets"][1].formset.errors[0]
    assert SupportOffer.objects.get(pk=offer.pk).status == PublicationStatus.DRAFT


def test_the_moderators_group_holds_the_publish_permissions():
    moderator = factories.staff_user(group="Modérateurs")
    editor = factories.staff_user(group="Éditeurs")

    assert moderator.has_perms(["directory.publish_actor", "directory.publish_supportoffer"])
    assert not editor.has_perm("directory.publish_actor")
    assert not editor.has_perm("directory.publish_supportoffer")


# ---------------------------------------------------------------------------
# Maximum lengths


def test_full_clean_refuses_a_description_over_the_maximum():
    actor = Actor(name="Trop long", legal_form="association", description="a" * (LONG_TEXT_MAX_LENGTH + 1))

    with pytest.raises(ValidationError) as error:
        actor.full_clean()

    assert "description" in error.value.message_dict


def test_a_4_mb_description_is_refused_by_the_admin_form(client):
    login(client, "superuser")

    response = client.post(reverse("admin:directory_actor_add"), actor_form_data(description=FOUR_MB))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["description"] == [
        f"Assurez-vous que cette valeur comporte au plus {LONG_TEXT_MAX_LENGTH} caractères (actuellement "
        f"{len(FOUR_MB)})."
    ]
    assert not Actor.objects.exists()


def test_a_4_mb_description_is_refused_by_the_api_with_a_400_naming_the_field():
    from rest_framework.test import APIClient

    _token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    payload = {"name": "Trop longue fictive", "legal_form": "scop", "description": FOUR_MB}

    response = APIClient().post(
        "/api/v1/actors/", data=json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["description"]
    assert not Actor.objects.filter(name="Trop longue fictive").exists()


def test_the_database_refuses_an_over_long_description():
    actor = factories.actor()

    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.filter(pk=actor.pk).update(description="a" * (LONG_TEXT_MAX_LENGTH + 1))


# ---------------------------------------------------------------------------
# CSV: cells a spreadsheet would run are neutralised

FORMULAS = ["=1+1", "+cmd", "-cmd", "@SUM(A1)", "\tcaché", "\rcaché"]


@pytest.mark.parametrize("text", FORMULAS)
def test_the_admin_export_neutralises_formulas(client, text):
    login(client, "superuser")
    actor = factories.actor(short_description=text)

    rows = list(
        csv.DictReader(io.StringIO(streamed_text(run_action(client, "export_csv", [actor]))[1:]), delimiter=";")
    )

    assert rows[0]["description courte"] == "'" + text


@pytest.mark.parametrize("text", FORMULAS)
def test_the_public_export_neutralises_formulas(client, text):
    factories.actor(short_description=text)

    body = b"".join(client.get(reverse("directory:actor_export")).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))

    assert rows[1][rows[0].index("description courte")] == "'" + text


def test_contacts_have_a_history_page_with_the_provenance(client):
    user = login(client, "superuser")
    contact = factories.contact(last_name="Fictive")

    client.post(
        reverse("admin:directory_contact_change", args=[contact.pk]),
        {"actor": str(contact.actor_id), "last_name": "Fictive-Renommée", "first_name": "Camille"},
    )
    page = client.get(reverse("admin:directory_contact_history", args=[contact.pk]))

    assert page.status_code == 200
    assert contact.history.latest().last_name == "Fictive-Renommée"
    assert f"administration ({user.username})" in page.content.decode()
