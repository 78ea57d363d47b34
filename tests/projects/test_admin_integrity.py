"""The staff admin keeps the tracker whole: the energy gate, archive before delete, restore, publishing rights."""

import csv
import html
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from directory.models import PublicationStatus
from projects import services
from projects.models import EnergyReview, Initiative, Site
from tests.factories import actor
from tests.projects import factories as f
from tests.projects.test_admin import change_url, form_data
from tests.projects.test_integrity import counts, initiative_with_children

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]
S = Initiative.Status
CHANGELIST = reverse("admin:projects_initiative_changelist")
SITES = reverse("admin:projects_site_changelist")
REVIEWS = reverse("admin:projects_energyreview_changelist")
DELETED = reverse("admin:projects_initiative_deleted")


@pytest.fixture(autouse=True)
def _cold_caches():
    ContentType.objects.clear_cache()


def staff_in(group: str, django_user_model, client):
    user = django_user_model.objects.create_user(f"{group}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(client, django_user_model):
    return staff_in("Éditeurs", django_user_model, client)


@pytest.fixture
def moderator_client(client, django_user_model):
    return staff_in("Modérateurs", django_user_model, client)


def review_url(review, view="change"):
    return reverse(f"admin:projects_energyreview_{view}", args=[review.pk])


# -- the energy gate: every admin path


def test_deleting_the_review_of_an_initiative_in_progress_is_refused(staff_client):
    initiative = f.initiative_in(S.IN_PROGRESS)
    review = initiative.energy_review
    response = staff_client.get(review_url(review, "delete"))
    assert "ne peut pas être supprimée" in html.unescape(response.content.decode())
    staff_client.post(review_url(review, "delete"), {"post": "yes"})
    assert EnergyReview.objects.filter(pk=review.pk).exists()


def test_bulk_deleting_reviews_spares_those_a_gated_initiative_needs(staff_client):
    gated = f.initiative_in(S.APPROVED).energy_review
    open_review = f.approved_review(f.initiative())
    response = staff_client.post(
        REVIEWS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [gated.pk, open_review.pk], "post": "yes"}
    )
    assert "ne peut pas être supprimée" in html.unescape(response.content.decode())
    assert EnergyReview.objects.filter(pk__in=[gated.pk, open_review.pk]).count() == 2


def test_a_review_that_no_gate_needs_is_deleted_from_the_admin(staff_client):
    review = f.approved_review(f.initiative())
    response = staff_client.post(review_url(review, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not EnergyReview.objects.filter(pk=review.pk).exists()


def test_the_review_form_cannot_move_a_review_to_another_initiative(staff_client):
    approved = f.initiative_in(S.APPROVED)
    other = f.initiative()
    review = approved.energy_review
    data = form_data(staff_client.get(review_url(review)))
    data["initiative"] = str(other.pk)
    staff_client.post(review_url(review), data)
    assert EnergyReview.objects.get(pk=review.pk).initiative_id == approved.pk
    assert EnergyReview.objects.get(pk=review.pk).is_approving


def test_the_inline_cannot_delete_the_review_even_with_a_forged_post(staff_client):
    initiative = f.initiative_in(S.IN_PROGRESS)
    data = form_data(staff_client.get(change_url(initiative)))
    data["energy_review-0-DELETE"] = "on"
    staff_client.post(change_url(initiative), data)
    assert EnergyReview.objects.filter(initiative=initiative).exists()


def test_reverting_a_review_to_a_version_of_another_initiative_is_refused(staff_client):
    first = f.initiative()
    review = f.approved_review(first)
    moved_to = f.initiative()
    # A move made before the rule existed, straight in the database.
    EnergyReview.objects.filter(pk=review.pk).update(initiative=moved_to)
    services.change_status(initiative=moved_to, to_status=S.APPROVED, by=None, reason="Test")
    version = review.history.earliest()
    url = reverse("admin:projects_energyreview_simple_history", args=[review.pk, version.history_id])
    response = staff_client.post(url, form_data(staff_client.get(url)))
    assert response.status_code == 200
    assert EnergyReview.objects.get(pk=review.pk).initiative_id == moved_to.pk


def test_reverting_a_review_to_its_pending_version_is_refused_while_gated(staff_client):
    initiative = f.initiative()
    services.decide_energy_review(initiative=initiative, decision=EnergyReview.Decision.PENDING, reviewer=None)
    f.approved_review(initiative)
    services.change_status(initiative=initiative, to_status=S.APPROVED, by=None, reason="Test")
    review = EnergyReview.objects.get(initiative=initiative)
    version = review.history.earliest()
    url = reverse("admin:projects_energyreview_simple_history", args=[review.pk, version.history_id])
    response = staff_client.post(url, form_data(staff_client.get(url)))
    assert response.status_code == 200
    assert EnergyReview.objects.get(pk=review.pk).is_approving


# -- archive, not delete; superusers delete and restore


def test_moderators_archive_but_cannot_delete(moderator_client):
    initiative, site = f.initiative(), f.site()
    assert moderator_client.get(reverse("admin:projects_initiative_delete", args=[initiative.pk])).status_code == 403
    assert moderator_client.get(reverse("admin:projects_site_delete", args=[site.pk])).status_code == 403
    moderator_client.post(
        CHANGELIST, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [initiative.pk], "post": "yes"}
    )
    moderator_client.post(CHANGELIST, {"action": "archive", ACTION_CHECKBOX_NAME: [initiative.pk]})
    moderator_client.post(SITES, {"action": "archive", ACTION_CHECKBOX_NAME: [site.pk]})
    initiative.refresh_from_db()
    site.refresh_from_db()
    assert (initiative.publication_status, site.publication_status) == (PublicationStatus.ARCHIVED,) * 2
    assert not Initiative.objects.published().filter(pk=initiative.pk).exists()


def test_a_superuser_deletes_an_initiative_and_restores_it_from_the_deleted_page(staff_client, staff_user):
    initiative = initiative_with_children()
    before = counts(initiative.pk)
    response = staff_client.post(reverse("admin:projects_initiative_delete", args=[initiative.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Initiative.objects.filter(pk=initiative.pk).exists()
    record = Initiative.history.get(id=initiative.pk, history_type="-")
    assert (record.history_user, record.history_source) == (staff_user, "admin")

    page = staff_client.get(DELETED)
    assert initiative.title in page.content.decode()
    restore = reverse("admin:projects_initiative_restore", args=[record.history_batch])
    assert restore in page.content.decode()
    assert staff_client.get(restore).status_code == 405
    response = staff_client.post(restore)
    assert response.status_code == 302
    restored = Initiative.objects.get(pk=initiative.pk)
    assert restored.status == S.IN_PROGRESS
    assert counts(initiative.pk) == before
    assert restored.energy_review.is_approving
    assert list(staff_client.get(DELETED).context["deleted"]) == []


def test_bulk_deletion_gives_each_initiative_its_own_batch(staff_client):
    first, second = f.initiative_in(S.APPROVED), f.initiative()
    staff_client.post(
        CHANGELIST, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [first.pk, second.pk], "post": "yes"}
    )
    batches = set(Initiative.history.filter(history_type="-").values_list("history_batch", flat=True))
    assert len(batches) == 2 and None not in batches


def test_a_superuser_deletes_a_site_as_a_batch_and_restores_it_with_its_occupants(staff_client):
    site = f.site(name="Friche fictive supprimée")
    occupants = [actor(), actor()]
    site.occupants.set(occupants)
    staff_client.post(reverse("admin:projects_site_delete", args=[site.pk]), {"post": "yes"})
    assert not Site.objects.filter(pk=site.pk).exists()
    record = Site.history.get(id=site.pk, history_type="-")
    assert record.history_batch is not None

    assert "Friche fictive supprimée" in staff_client.get(DELETED).content.decode()
    response = staff_client.post(reverse("admin:projects_site_restore", args=[record.history_batch]))
    assert response.status_code == 302
    restored = Site.objects.get(pk=site.pk)
    assert set(restored.occupants.all()) == set(occupants)
    assert list(staff_client.get(DELETED).context["deleted_sites"]) == []


def test_the_deleted_page_is_for_superusers(moderator_client):
    assert moderator_client.get(DELETED).status_code == 403


@pytest.mark.parametrize("size", [2, 8])
def test_deleted_page_query_count_does_not_grow(size, staff_client, staff_user, django_assert_num_queries):
    for _ in range(size):
        services.delete_initiative(initiative=f.initiative(), by=staff_user)
    # session, user, deleted initiatives with who deleted them, deleted sites with who deleted them
    with django_assert_num_queries(4):
        response = staff_client.get(DELETED)
    assert response.status_code == 200
    assert len(response.context["deleted"]) == size


# -- publishing needs its own permission


def test_editors_cannot_publish_or_unpublish_with_the_actions(editor_client):
    draft, published = f.initiative(publication_status="draft"), f.initiative()
    editor_client.post(CHANGELIST, {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk]})
    editor_client.post(CHANGELIST, {"action": "unpublish", ACTION_CHECKBOX_NAME: [published.pk]})
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.publication_status, published.publication_status) == ("draft", "published")


def test_moderators_publish_initiatives_and_sites(moderator_client):
    initiative, site = f.initiative(publication_status="draft"), f.site(publication_status="draft")
    moderator_client.post(CHANGELIST, {"action": "publish", ACTION_CHECKBOX_NAME: [initiative.pk]})
    moderator_client.post(SITES, {"action": "publish", ACTION_CHECKBOX_NAME: [site.pk]})
    assert Initiative.objects.published().filter(pk=initiative.pk).exists()
    assert Site.objects.published().filter(pk=site.pk).exists()


def test_an_editor_proposes_but_a_forged_publish_in_the_form_is_refused(editor_client):
    initiative = f.initiative(publication_status="draft")
    response = editor_client.get(change_url(initiative))
    choices = [value for value, _ in response.context["adminform"].form.fields["publication_status"].choices]
    assert "published" not in choices
    data = form_data(response)
    data["publication_status"] = "published"
    assert editor_client.post(change_url(initiative), data).status_code == 200
    initiative.refresh_from_db()
    assert initiative.publication_status == "draft"
    data["publication_status"] = "pending"
    assert editor_client.post(change_url(initiative), data).status_code == 302
    initiative.refresh_from_db()
    assert initiative.publication_status == "pending"


def test_an_editor_cannot_add_a_published_site(editor_client):
    site = f.site(publication_status="draft")
    url = reverse("admin:projects_site_change", args=[site.pk])
    data = form_data(editor_client.get(url))
    data["publication_status"] = "published"
    assert editor_client.post(url, data).status_code == 200
    site.refresh_from_db()
    assert site.publication_status == "draft"


def test_an_editor_cannot_unpublish_through_a_history_revert(editor_client):
    initiative = f.initiative(publication_status="draft")
    services.set_publication(
        records=Initiative.objects.filter(pk=initiative.pk), to_status=PublicationStatus.PUBLISHED, by=None
    )
    draft_version = initiative.history.earliest()
    url = reverse("admin:projects_initiative_simple_history", args=[initiative.pk, draft_version.history_id])
    editor_client.post(url, form_data(editor_client.get(url)))
    initiative.refresh_from_db()
    assert initiative.publication_status == "published"


# -- long texts and CSV


def test_a_4_mb_description_is_refused_by_the_admin_form(staff_client):
    initiative = f.initiative()
    data = form_data(staff_client.get(change_url(initiative)))
    data["description"] = "x" * (4 * 1024 * 1024)
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "description" in response.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert initiative.description == ""


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_admin_exports_neutralise_cells_that_spreadsheets_would_run(lead, staff_client):
    initiative = f.initiative(title=f"{lead}SOMME(A1:A9)")
    site = f.site(address=f"{lead}SOMME(A1:A9)")
    (row,) = read_csv(staff_client.post(CHANGELIST, {"action": "export_csv", ACTION_CHECKBOX_NAME: [initiative.pk]}))
    assert row["intitulé"] == f"'{lead}SOMME(A1:A9)"
    (row,) = read_csv(staff_client.post(SITES, {"action": "export_csv", ACTION_CHECKBOX_NAME: [site.pk]}))
    assert row["adresse"] == f"'{lead}SOMME(A1:A9)"
