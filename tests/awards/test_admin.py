"""The awards' admin: the same rules as the services (deadline, eligibility, laureates), confidentiality of scores."""

import html

import pytest
from django.utils import timezone

from awards import services
from awards.enums import Eligibility
from awards.models import Application, Edition, Evaluation, Laureate
from tests import factories

# Django's admin templates rely on empty defaults for variables they do not get.
pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def admin_client(client):
    client.force_login(factories.staff_user(superuser=True))
    return client


def _application_data(edition, **overrides):
    data = {
        "edition": edition.pk,
        "category": edition.categories.first().pk,
        "structure_name": "Candidature papier (fictif)",
        "project_title": "Projet",
        "contact_name": "Contact",
        "contact_email": "c@example.org",
        "eligibility": Eligibility.PENDING,
        "eligibility_reason": "",
        "record_version": "",
        **{
            f"{prefix}-{k}": v
            for prefix in ("answers", "attachments")
            for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}.items()
        },
    }
    data.update(overrides)
    return data


def test_the_admin_refuses_an_application_after_the_deadline(admin_client, scored_edition):
    edition = scored_edition["edition"]
    before = Application.objects.count()
    response = admin_client.post("/admin/awards/application/add/", _application_data(edition))
    assert response.status_code == 200 and "clos depuis le" in text(response)
    assert Application.objects.count() == before


def test_the_admin_records_an_application_while_the_call_is_open(admin_client, open_edition):
    response = admin_client.post("/admin/awards/application/add/", _application_data(open_edition))
    assert response.status_code == 302
    assert Application.objects.get().submitted_via == "admin"


def test_the_admin_refuses_an_ineligible_decision_without_reason(admin_client, open_edition):
    from tests.awards.conftest import apply

    application = apply(open_edition)
    url = f"/admin/awards/application/{application.pk}/change/"
    data = _application_data(
        open_edition, structure_name=application.structure_name, eligibility=Eligibility.INELIGIBLE
    )
    data.pop("record_version")
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "demande un motif" in text(response)
    response = admin_client.post(url, {**data, "eligibility_reason": "Hors territoire."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.eligibility == Eligibility.INELIGIBLE
    assert "Hors territoire." in text(admin_client.get(f"/admin/awards/application/{application.pk}/history/"))


def test_the_eligibility_does_not_change_once_the_deliberation_is_open(scored_edition):
    services.open_deliberation(edition=scored_edition["edition"])
    application = Application.objects.get(pk=scored_edition["applications"][0].pk)
    application.eligibility = Eligibility.PENDING
    with pytest.raises(Exception, match="ne change plus"):
        application.full_clean()


def test_no_score_value_is_shown_in_the_admin_before_the_deliberation(admin_client, scored_edition):
    edition = scored_edition["edition"]
    evaluation = Evaluation.objects.filter(comment="Bien.").get()
    changelist = text(admin_client.get("/admin/awards/evaluation/"))
    assert "0 évaluation" in changelist
    assert admin_client.get(f"/admin/awards/evaluation/{evaluation.pk}/change/").status_code == 302  # « n'existe pas »
    assert admin_client.get(f"/admin/awards/evaluation/{evaluation.pk}/history/").status_code == 404
    history = evaluation.history.first()
    assert (
        admin_client.get(f"/admin/awards/evaluation/{evaluation.pk}/history/{history.history_id}/").status_code == 404
    )
    assert admin_client.get(f"/admin/awards/edition/{edition.pk}/classement/").status_code == 404
    # Progress counts only, on the edition and the applications.
    page = text(admin_client.get(f"/admin/awards/edition/{edition.pk}/change/"))
    assert "évaluations : 2" in page and "Bien." not in page
    application_page = text(
        admin_client.get(f"/admin/awards/application/{scored_edition['applications'][0].pk}/history/")
    )
    assert "Bien." not in application_page


def test_score_values_show_in_the_admin_once_the_deliberation_is_open(admin_client, scored_edition):
    edition = services.open_deliberation(edition=scored_edition["edition"])
    evaluation = Evaluation.objects.filter(comment="Bien.").get()
    assert admin_client.get(f"/admin/awards/evaluation/{evaluation.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/awards/evaluation/{evaluation.pk}/history/").status_code == 200
    assert "100,00" in text(admin_client.get(f"/admin/awards/edition/{edition.pk}/classement/"))


def test_evaluations_and_conflicts_are_never_written_from_the_admin(admin_client, scored_edition):
    assert admin_client.get("/admin/awards/evaluation/add/").status_code == 403
    assert admin_client.get("/admin/awards/conflict/add/").status_code == 403


def test_the_actions_open_the_deliberation_and_publish_the_results(admin_client, scored_edition):
    edition = scored_edition["edition"]
    action = {"_selected_action": [edition.pk], "index": 0}
    response = admin_client.post("/admin/awards/edition/", {**action, "action": "publish_results"}, follow=True)
    assert "après la délibération" in text(response)
    admin_client.post("/admin/awards/edition/", {**action, "action": "open_deliberation"})
    edition.refresh_from_db()
    assert edition.deliberation_opened_at is not None
    response = admin_client.post(
        "/admin/awards/laureate/add/",
        {"application": scored_edition["applications"][3].pk, "distinction": "Lauréat", "jury_decision": "Oui."},
    )
    assert "recevable" in text(response) and not Laureate.objects.exists()
    response = admin_client.post(
        "/admin/awards/laureate/add/",
        {"application": scored_edition["applications"][2].pk, "distinction": "Lauréat", "jury_decision": "Unanimité."},
    )
    assert response.status_code == 302
    admin_client.post("/admin/awards/edition/", {**action, "action": "publish_results"})
    edition.refresh_from_db()
    assert edition.results_published_at is not None
    laureate = Laureate.objects.get()
    assert admin_client.get(f"/admin/awards/laureate/{laureate.pk}/delete/").status_code == 403


def test_a_laureate_is_not_recorded_before_the_deliberation(admin_client, scored_edition):
    response = admin_client.post(
        "/admin/awards/laureate/add/",
        {"application": scored_edition["applications"][2].pk, "distinction": "Lauréat", "jury_decision": "Oui."},
    )
    assert "délibération ouverte" in text(response) and not Laureate.objects.exists()


def test_editors_cannot_deliberate_nor_publish(client, scored_edition):
    client.force_login(factories.staff_user(group="Éditeurs"))
    edition = scored_edition["edition"]
    client.post("/admin/awards/edition/", {"_selected_action": [edition.pk], "action": "open_deliberation"})
    edition.refresh_from_db()
    assert edition.deliberation_opened_at is None
    assert client.get("/admin/awards/laureate/add/").status_code == 403


def test_an_external_juror_needs_a_jury_group_account(admin_client, open_edition):
    structure = factories.structure_account(factories.actor())
    response = admin_client.post(
        "/admin/awards/jurymember/add/",
        {"edition": open_edition.pk, "user": structure.pk, "display_name": "X", "affiliation": "", "is_active": "on"},
    )
    assert response.status_code == 200 and "Jurys" in text(response)


def test_the_edition_form_refuses_a_stale_save(admin_client, open_edition):
    url = f"/admin/awards/edition/{open_edition.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    version = form.initial["record_version"]
    Edition.objects.get(pk=open_edition.pk).save()  # someone else saves meanwhile
    local = timezone.localtime
    data = {
        "year": 2026,
        "title": "Nouveau titre",
        "is_public": "on",
        "opens_at_0": local(open_edition.opens_at).strftime("%d/%m/%Y"),
        "opens_at_1": local(open_edition.opens_at).strftime("%H:%M:%S"),
        "deadline_0": local(open_edition.deadline).strftime("%d/%m/%Y"),
        "deadline_1": local(open_edition.deadline).strftime("%H:%M:%S"),
        "record_version": version,
    }
    for prefix in ("categories", "criteria", "questions"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert Edition.objects.get(pk=open_edition.pk).title != "Nouveau titre"
