"""The staff admin of the strategy tracker: portfolio, change form, status buttons and actions, history."""

import csv
import datetime
import html
import io
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import FileField
from django.urls import reverse

from projects import services
from projects.models import (
    Consultation,
    Document,
    EnergyReview,
    FundingLine,
    Initiative,
    Involvement,
    JournalEntry,
    Measurement,
    Milestone,
    Site,
    StatusChange,
)
from tests.factories import actor, commune
from tests.projects import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]
S = Initiative.Status
CHANGELIST = reverse("admin:projects_initiative_changelist")


@pytest.fixture(autouse=True)
def _cold_caches():
    # Content types are cached per process: start each count from the same state.
    ContentType.objects.clear_cache()


def change_url(initiative):
    return reverse("admin:projects_initiative_change", args=[initiative.pk])


def status_url(initiative, to=""):
    url = reverse("admin:projects_initiative_change_status", args=[initiative.pk])
    return f"{url}?to={to}" if to else url


def form_data(response) -> dict:
    """The POST data of an admin change form as rendered (main form, inline management forms and rows)."""
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False or isinstance(bound.field, FileField):
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)
    return data


def portfolio(size: int) -> list[Initiative]:
    items = []
    for n in range(size):
        initiative = f.initiative_in(
            [S.IDEA, S.IN_PROGRESS, S.CONSULTATION][n % 3],
            lead_actor=actor(),
            communes=[commune()],
            target_budget=Decimal("10000"),
        )
        f.milestone(initiative, done_on=datetime.date(2024, 7, 1))
        f.milestone(initiative)
        f.funding_line(initiative)
        items.append(initiative)
    return items


def fill(initiative, rows: int) -> None:
    """`rows` rows in every inline of the initiative's form."""
    for n in range(rows):
        f.milestone(initiative)
        f.funding_line(initiative)
        indicator = f.indicator(initiative)
        services.record_measurement(
            initiative=initiative, indicator=indicator, measured_on=datetime.date(2024, 5, n + 1), value=Decimal(3)
        )
        Involvement.objects.create(initiative=initiative, actor=actor(), role=Involvement.Role.PARTNER)
        consultation = Consultation.objects.create(
            initiative=initiative,
            held_on=datetime.date(2024, 5, 1),
            title=f"Atelier {n}",
            format=Consultation.Format.WORKSHOP,
            participation_level=Consultation.Level.CONCERTATION,
        )
        consultation.actors.set([actor(), actor()])
        JournalEntry.objects.create(initiative=initiative, title=f"Point {n}")


# -- query counts, at two sizes


@pytest.mark.parametrize("size", [3, 15])
def test_portfolio_changelist_query_count_does_not_grow(size, staff_client, django_assert_num_queries):
    portfolio(size)
    # session, user, axis filter, commune filter, count, total count, rows (with progress and money)
    with django_assert_num_queries(7):
        response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == size


def test_portfolio_changelist_shows_progress_health_and_money(staff_client):
    initiative = portfolio(1)[0]
    response = staff_client.get(CHANGELIST)
    page = response.content.decode()
    assert initiative.title in page
    assert "50 %" in page  # one milestone of two done
    assert "1\xa0000 € / 10\xa0000 € (10 %)" in page
    assert "dans les temps" in page
    assert "à faire" in page  # no energy review yet


@pytest.mark.parametrize(
    "query",
    ["status=in_progress", "health=late", "kind=other", "axis__id__exact=1", "communes__id__exact=1", "q=fictif"],
)
def test_portfolio_filters_work(query, staff_client):
    portfolio(3)
    response = staff_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [2, 8])
def test_initiative_change_form_query_count_does_not_grow(rows, staff_client, django_assert_num_queries):
    initiative = portfolio(1)[0]
    fill(initiative, rows)
    # 25, plus the versions the form carries: the initiative's and one query per inline with rows (7).
    with django_assert_num_queries(33):
        response = staff_client.get(change_url(initiative))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 15])
def test_site_changelist_query_count_does_not_grow(size, staff_client, django_assert_num_queries):
    for _ in range(size):
        f.site(owner=actor())
    # session, user, commune filter, count, total count, rows
    with django_assert_num_queries(6):
        response = staff_client.get(reverse("admin:projects_site_changelist") + "?pipeline_stage=identified")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == size


def test_site_change_form_lists_linked_initiatives(staff_client):
    site = f.site()
    initiative = f.initiative()
    initiative.sites.add(site)
    response = staff_client.get(reverse("admin:projects_site_change", args=[site.pk]))
    assert response.status_code == 200
    assert initiative.title in response.content.decode()


# -- the change form


def test_change_form_shows_the_energy_review_at_the_top_and_status_buttons(staff_client):
    initiative = f.initiative_in(S.APPROVED)
    page = staff_client.get(change_url(initiative)).content.decode()
    assert page.index("Revue énergétique") < page.index("Intitulé")
    assert "approuvée" in page
    assert f'href="{status_url(initiative, S.IN_PROGRESS)}"' in page
    assert "Passer à « en cours »" in page
    assert "Passer à « terminé »" not in page  # not reachable from approved


def test_the_status_cannot_be_changed_through_the_form(staff_client):
    initiative = f.initiative()
    response = staff_client.get(change_url(initiative))
    data = form_data(response)
    data["status"] = S.COMPLETED
    data["title"] = "Nouveau titre"
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    initiative.refresh_from_db()
    assert (initiative.title, initiative.status) == ("Nouveau titre", S.IDEA)


def test_turning_down_the_review_of_an_initiative_in_progress_is_refused_and_nothing_is_saved(staff_client):
    initiative = f.initiative_in(S.IN_PROGRESS)
    data = form_data(staff_client.get(change_url(initiative)))
    data["energy_review-0-decision"] = EnergyReview.Decision.REJECTED
    data["title"] = "Titre modifié"
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "Suspendez d'abord le projet" in html.unescape(response.content.decode())
    initiative.refresh_from_db()
    assert initiative.title != "Titre modifié"
    assert initiative.energy_review.decision == EnergyReview.Decision.APPROVED


def test_approving_the_review_in_the_form_records_the_reviewer(staff_client, staff_user):
    initiative = f.initiative()
    data = form_data(staff_client.get(change_url(initiative)))
    data["energy_review-0-decision"] = EnergyReview.Decision.APPROVED
    data["energy_review-0-decided_on"] = "2024-03-01"
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 302
    review = EnergyReview.objects.get(initiative=initiative)
    assert (review.decision, review.reviewer) == (EnergyReview.Decision.APPROVED, staff_user)


def test_a_bad_milestone_in_the_form_saves_nothing(staff_client):
    initiative = f.initiative(planned_start=datetime.date(2024, 3, 1))
    data = form_data(staff_client.get(change_url(initiative)))
    data.update(
        {
            "title": "Titre modifié",
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-title": "Trop tôt",
            "milestones-0-planned_on": "2024-01-15",
            "milestones-0-weight": "1",
        }
    )
    funder = actor()
    data.update(
        {
            "funding_lines-TOTAL_FORMS": "1",
            "funding_lines-0-funder": str(funder.pk),
            "funding_lines-0-amount": "1000",
            "funding_lines-0-kind": FundingLine.Kind.GRANT,
            "funding_lines-0-status": FundingLine.Status.REQUESTED,
            "funding_lines-0-year": "2024",
        }
    )
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "Le jalon est prévu avant le début du projet (01/03/2024)." in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title != "Titre modifié"
    assert not Milestone.objects.exists()
    assert not FundingLine.objects.exists()


def test_an_absurd_amount_in_the_form_gets_a_french_error(staff_client):
    initiative = f.initiative()
    data = form_data(staff_client.get(change_url(initiative)))
    data.update(
        {
            "funding_lines-TOTAL_FORMS": "1",
            "funding_lines-0-funder": str(actor().pk),
            "funding_lines-0-amount": "-20",
            "funding_lines-0-kind": FundingLine.Kind.GRANT,
            "funding_lines-0-status": FundingLine.Status.REQUESTED,
            "funding_lines-0-year": "2024",
        }
    )
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "supérieure ou égale à 0.01" in response.content.decode()
    assert not FundingLine.objects.exists()


def test_the_measurement_inline_only_offers_this_initiatives_indicators(staff_client):
    initiative, other = f.initiative(), f.initiative()
    mine, theirs = f.indicator(initiative, name="Emplois"), f.indicator(other, name="Tonnes")
    response = staff_client.get(change_url(initiative))
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "measurements")
    offered = [str(value) for value, _label in formset.empty_form.fields["indicator"].choices if value]
    assert offered == [str(mine.pk)]
    data = form_data(response)
    data.update(
        {
            "measurements-TOTAL_FORMS": "1",
            "measurements-0-indicator": str(theirs.pk),
            "measurements-0-measured_on": "2024-05-01",
            "measurements-0-value": "3",
        }
    )
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Measurement.objects.exists()
    data["measurements-0-indicator"] = str(mine.pk)
    assert staff_client.post(change_url(initiative), data).status_code == 302
    assert Measurement.objects.get().initiative == initiative


def test_a_disguised_upload_is_refused_in_the_form(staff_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative = f.initiative()
    data = form_data(staff_client.get(change_url(initiative)))
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-0-title": "Bilan",
            "documents-0-kind": Document.Kind.REPORT,
            "documents-0-file": SimpleUploadedFile("bilan.pdf", b"MZ\x90\x00 not a pdf"),
        }
    )
    response = staff_client.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "Le contenu du fichier ne correspond pas à son extension .pdf" in response.content.decode()
    assert not Document.objects.exists()


def test_an_upload_records_who_sent_it(staff_client, staff_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative = f.initiative()
    data = form_data(staff_client.get(change_url(initiative)))
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-0-title": "Bilan",
            "documents-0-kind": Document.Kind.REPORT,
            "documents-0-is_public": "on",
            "documents-0-file": SimpleUploadedFile("bilan.pdf", b"%PDF-1.4\n%%EOF\n"),
        }
    )
    assert staff_client.post(change_url(initiative), data).status_code == 302
    document = Document.objects.get()
    assert (document.uploaded_by, document.is_public, document.size) == (staff_user, True, 15)


# -- status changes: the button and its page


def test_the_status_page_offers_only_the_reachable_statuses(staff_client):
    initiative = f.initiative()
    response = staff_client.get(status_url(initiative, S.APPROVED))
    assert response.status_code == 200
    choices = [value for value, _label in response.context["form"].fields["to_status"].choices]
    assert choices == [S.CONSULTATION, S.APPROVED, S.ABANDONED]


def test_the_status_button_shows_the_gate_message_when_refused(staff_client):
    initiative = f.initiative()
    response = staff_client.post(status_url(initiative), {"to_status": S.APPROVED, "reason": "Comité du 3 mai"})
    assert response.status_code == 200
    assert "sans revue de transition énergétique" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.status == S.IDEA
    assert not StatusChange.objects.exists()


def test_the_status_button_changes_the_status_through_the_service(staff_client, staff_user):
    initiative = f.initiative()
    f.approved_review(initiative)
    response = staff_client.post(status_url(initiative), {"to_status": S.APPROVED, "reason": "Comité du 3 mai"})
    assert response.status_code == 302
    assert response["Location"] == change_url(initiative)
    change = StatusChange.objects.get()
    assert (change.to_status, change.changed_by, change.reason) == (S.APPROVED, staff_user, "Comité du 3 mai")


def test_the_status_page_refuses_an_unreachable_status_and_a_missing_reason(staff_client):
    initiative = f.initiative()
    response = staff_client.post(status_url(initiative), {"to_status": S.COMPLETED, "reason": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"to_status", "reason"}
    assert Initiative.objects.get(pk=initiative.pk).status == S.IDEA


def test_read_only_staff_cannot_change_a_status(client, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("lecteur", is_staff=True)
    user.groups.add(Group.objects.get(name="Lecture seule"))
    client.force_login(user)
    initiative = f.initiative()
    f.approved_review(initiative)
    response = client.post(status_url(initiative), {"to_status": S.APPROVED, "reason": "Essai"})
    assert response.status_code == 403
    assert Initiative.objects.get(pk=initiative.pk).status == S.IDEA


# -- the bulk action


def test_the_bulk_status_action_asks_for_the_status_and_reason_first(staff_client):
    a, b = f.initiative(), f.initiative()
    response = staff_client.post(CHANGELIST, {"action": "change_status_action", ACTION_CHECKBOX_NAME: [a.pk, b.pk]})
    assert response.status_code == 200
    assert "Changer le statut des projets sélectionnés" in response.content.decode()
    assert not StatusChange.objects.exists()


def test_the_bulk_status_action_applies_the_gate_to_each_initiative(staff_client):
    ready = f.initiative(title="Avec revue")
    f.approved_review(ready)
    blocked = f.initiative(title="Sans revue")
    response = staff_client.post(
        CHANGELIST,
        {
            "action": "change_status_action",
            "apply": "1",
            ACTION_CHECKBOX_NAME: [ready.pk, blocked.pk],
            "to_status": S.APPROVED,
            "reason": "Comité de pilotage",
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("« Sans revue » : Le projet ne peut pas passer au statut « validé »") for m in messages)
    assert "1 projet a changé de statut." in messages
    assert Initiative.objects.get(pk=ready.pk).status == S.APPROVED
    assert Initiative.objects.get(pk=blocked.pk).status == S.IDEA


# -- export, publication, history


def test_csv_export_has_progress_money_and_review(staff_client):
    initiative = portfolio(1)[0]
    response = staff_client.post(CHANGELIST, {"action": "export_csv", ACTION_CHECKBOX_NAME: [initiative.pk]})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["intitulé"] == initiative.title
    assert record["avancement (%)"] == "50"
    assert (record["acquis"], record["reste à financer"]) == ("1000.00", "9000.00")
    assert record["revue énergétique"] == ""
    assert record["communes"] == "Montreuil"


def test_publish_and_unpublish_actions(staff_client):
    initiative = f.initiative(publication_status="draft")
    staff_client.post(CHANGELIST, {"action": "publish", ACTION_CHECKBOX_NAME: [initiative.pk]})
    assert Initiative.objects.published().filter(pk=initiative.pk).exists()
    staff_client.post(CHANGELIST, {"action": "unpublish", ACTION_CHECKBOX_NAME: [initiative.pk]})
    assert not Initiative.objects.published().filter(pk=initiative.pk).exists()


def test_history_keeps_who_changed_the_status_and_why(staff_client, staff_user):
    initiative = f.initiative()
    staff_client.post(status_url(initiative), {"to_status": S.CONSULTATION, "reason": "Ateliers d'habitants"})
    record = initiative.history.first()
    assert (record.status, record.history_user, record.history_change_reason) == (
        S.CONSULTATION,
        staff_user,
        "Ateliers d'habitants",
    )
    response = staff_client.get(reverse("admin:projects_initiative_history", args=[initiative.pk]))
    assert response.status_code == 200


def test_reverting_restores_an_earlier_version(staff_client):
    initiative = f.initiative(title="Titre d'origine")
    initiative.title = "Titre changé"
    initiative.save()
    first = initiative.history.earliest()
    url = reverse("admin:projects_initiative_simple_history", args=[initiative.pk, first.history_id])
    data = form_data(staff_client.get(url))
    response = staff_client.post(url, data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Titre d'origine"


def test_reverting_restores_content_but_not_the_status(staff_client):
    initiative = f.initiative_in(S.COMPLETED, title="Titre d'origine")
    Initiative.objects.filter(pk=initiative.pk).update(title="Titre changé")
    idea_version = initiative.history.filter(status=S.IDEA).earliest()
    url = reverse("admin:projects_initiative_simple_history", args=[initiative.pk, idea_version.history_id])
    data = form_data(staff_client.get(url))
    response = staff_client.post(url, data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.status) == ("Titre d'origine", S.COMPLETED)
    assert StatusChange.objects.filter(initiative=initiative).count() == 3  # only the service's steps


def test_energy_review_admin_edits_criteria(staff_client):
    initiative = f.initiative()
    review = f.approved_review(initiative)
    response = staff_client.get(reverse("admin:projects_energyreview_change", args=[review.pk]))
    assert response.status_code == 200
    assert "Sobriété énergétique" in response.content.decode()


def test_sites_are_filtered_by_pipeline_stage(staff_client):
    f.site(name="Local repéré (fictif)")
    f.site(name="Local occupé (fictif)", pipeline_stage=Site.Pipeline.OCCUPIED)
    response = staff_client.get(reverse("admin:projects_site_changelist") + "?pipeline_stage=occupied")
    assert [s.name for s in response.context["cl"].result_list] == ["Local occupé (fictif)"]


@pytest.mark.parametrize("size", [2, 10])
@pytest.mark.parametrize(
    ("model", "queries"),
    [("energyreview", 5), ("indicator", 5), ("statuschange", 7), ("strategyaxis", 5), ("energycriterion", 5)],
)
def test_other_changelists_query_counts_do_not_grow(model, queries, size, staff_client, django_assert_num_queries):
    for _ in range(size):
        initiative = f.initiative_in(S.APPROVED)
        f.indicator(initiative)
    with django_assert_num_queries(queries):
        response = staff_client.get(reverse(f"admin:projects_{model}_changelist"))
    assert response.status_code == 200


def test_a_new_initiative_is_added_as_an_idea(staff_client):
    response = staff_client.get(reverse("admin:projects_initiative_add"))
    assert response.status_code == 200
    data = form_data(response)
    data.update({"title": "Nouveau projet (fictif)", "axis": str(f.axis(2).pk), "kind": Initiative.Kind.OTHER})
    response = staff_client.post(reverse("admin:projects_initiative_add"), data)
    assert response.status_code == 302
    initiative = Initiative.objects.get(title="Nouveau projet (fictif)")
    assert (initiative.status, initiative.slug) == (S.IDEA, "nouveau-projet-fictif")


@pytest.mark.parametrize("rows", [2, 8])
def test_site_change_form_query_count_does_not_grow(rows, staff_client, django_assert_num_queries):
    site = f.site(owner=actor())
    site.occupants.set([actor() for _ in range(rows)])
    for _ in range(rows):
        f.initiative().sites.add(site)
    # 10, plus the site's version that the form carries.
    with django_assert_num_queries(11):
        response = staff_client.get(reverse("admin:projects_site_change", args=[site.pk]))
    assert response.status_code == 200
