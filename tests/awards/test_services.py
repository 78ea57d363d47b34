"""The awards' rules, through the services every entry point calls."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services
from awards.enums import Eligibility, SubmittedVia
from awards.models import Application, Attachment, Evaluation, Laureate, Score
from directory.history import Origin
from directory.models import PublicationStatus
from tests import factories
from tests.awards.conftest import apply, make_edition, member, scores

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%fictif\n"


def test_an_application_after_the_deadline_is_refused_with_a_french_message(open_edition):
    late = open_edition.deadline + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="clos depuis le"):
        apply(open_edition, at=late)
    assert not Application.objects.exists()


def test_an_application_before_the_opening_is_refused(open_edition):
    with pytest.raises(ValidationError, match="pas encore ouvert"):
        apply(open_edition, at=open_edition.opens_at - datetime.timedelta(minutes=1))


def test_an_application_once_the_deliberation_is_open_is_refused(scored_edition):
    edition = services.open_deliberation(edition=scored_edition["edition"])
    with pytest.raises(ValidationError, match="clos"):
        apply(edition, at=edition.opens_at + datetime.timedelta(days=1))


def test_a_category_of_another_edition_is_refused(open_edition):
    other = make_edition(2024)
    with pytest.raises(ValidationError) as error:
        apply(open_edition, category=other.categories.first())
    assert "category" in error.value.error_dict


def test_a_required_question_needs_an_answer_and_nothing_is_kept(open_edition):
    with pytest.raises(ValidationError) as error:
        services.submit_application(
            edition=open_edition,
            category=open_edition.categories.first(),
            structure_name="Structure (fictif)",
            project_title="Projet",
            contact_name="Contact",
            contact_email="contact@example.org",
            answers={},
            via=SubmittedVia.PUBLIC,
        )
    assert list(error.value.error_dict) == [f"question_{open_edition.questions.first().pk}"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("programme.exe", b"MZ...", "Type de fichier non accepté"),
        ("rapport.pdf", b"MZ\x90\x00 not a pdf", "ne correspond pas"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_attachments_are_checked_like_the_projects_documents(open_edition, name, content, message):
    with pytest.raises(ValidationError, match=message):
        services.submit_application(
            edition=open_edition,
            category=open_edition.categories.first(),
            structure_name="Structure (fictif)",
            project_title="Projet",
            contact_name="Contact",
            contact_email="contact@example.org",
            answers={open_edition.questions.first().pk: "Oui."},
            files=[(name, SimpleUploadedFile(name, content))],
            via=SubmittedVia.PUBLIC,
        )
    assert not Application.objects.exists() and not Attachment.objects.exists()


def test_an_attachment_too_large_is_refused(open_edition, settings):
    settings.DOCUMENT_MAX_SIZE = 10
    with pytest.raises(ValidationError, match="trop volumineux"):
        services.submit_application(
            edition=open_edition,
            category=open_edition.categories.first(),
            structure_name="S",
            project_title="P",
            contact_name="C",
            contact_email="c@example.org",
            answers={open_edition.questions.first().pk: "Oui."},
            files=[("a.pdf", SimpleUploadedFile("a.pdf", PDF))],
            via=SubmittedVia.PUBLIC,
        )


def test_a_valid_attachment_is_stored_outside_served_media(open_edition):
    application = services.submit_application(
        edition=open_edition,
        category=open_edition.categories.first(),
        structure_name="S",
        project_title="P",
        contact_name="C",
        contact_email="c@example.org",
        answers={open_edition.questions.first().pk: "Oui."},
        files=[("dossier.pdf", SimpleUploadedFile("dossier.pdf", PDF))],
        via=SubmittedVia.PUBLIC,
    )
    attachment = application.attachments.get()
    assert attachment.file.name.startswith("awards/attachments/") and attachment.size == len(PDF)


def test_an_account_applies_only_for_the_actors_it_represents(open_edition):
    mine, other = factories.actor(), factories.actor()
    user = factories.structure_account(mine)
    with pytest.raises(PermissionDenied):
        services.submit_application(
            edition=open_edition,
            category=open_edition.categories.first(),
            actor=other,
            structure_name=other.name,
            project_title="P",
            contact_name="C",
            contact_email="c@example.org",
            answers={open_edition.questions.first().pk: "Oui."},
            via=SubmittedVia.ACCOUNT,
            user=user,
        )
    application = services.submit_application(
        edition=open_edition,
        category=open_edition.categories.first(),
        actor=mine,
        structure_name=mine.name,
        project_title="P",
        contact_name="C",
        contact_email="c@example.org",
        answers={open_edition.questions.first().pk: "Oui."},
        via=SubmittedVia.ACCOUNT,
        user=user,
    )
    record = application.history.get()
    assert (record.history_source, record.history_source_detail) == (Origin.ACCOUNT, user.username)


def test_an_ineligible_decision_needs_a_reason_and_is_kept_in_the_history(open_edition):
    application = apply(open_edition)
    with pytest.raises(ValidationError, match="motif"):
        services.decide_eligibility(application=application, eligibility=Eligibility.INELIGIBLE)
    services.decide_eligibility(application=application, eligibility=Eligibility.INELIGIBLE, reason="Hors territoire.")
    services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
    assert [r.eligibility for r in application.history.order_by("history_id")] == [
        Eligibility.PENDING,
        Eligibility.INELIGIBLE,
        Eligibility.ELIGIBLE,
    ]


def test_the_database_refuses_an_ineligible_application_without_reason(open_edition):
    from django.db import IntegrityError, transaction

    application = apply(open_edition)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(eligibility=Eligibility.INELIGIBLE, eligibility_reason="")


def test_a_juror_cannot_score_an_application_they_declared_a_conflict_on(scored_edition):
    second = scored_edition["members"][1]
    application = scored_edition["applications"][2]
    with pytest.raises(PermissionDenied, match="conflit"):
        services.record_evaluation(member=second, application=application, scores=scores(application.edition, 1, 1))


def test_declaring_a_conflict_withdraws_the_jurors_scores(scored_edition):
    first = scored_edition["members"][0]
    application = scored_edition["applications"][0]
    services.declare_conflict(member=first, application=application, reason="Je la connais.")
    assert not Evaluation.objects.filter(member=first, application=application).exists()
    assert not Score.objects.filter(evaluation__member=first, evaluation__application=application).exists()


@pytest.mark.parametrize("values", [(11, 1), (-1, 1), (5, 6), (None, 1), ("x", 1)])
def test_scores_out_of_their_criterions_bounds_are_refused(scored_edition, values):
    first = scored_edition["members"][0]
    application = scored_edition["applications"][1]
    edition = application.edition
    with pytest.raises(ValidationError):
        services.record_evaluation(member=first, application=application, scores=scores(edition, *values))
    assert sorted(
        Score.objects.filter(evaluation__member=first, evaluation__application=application).values_list(
            "value", flat=True
        )
    ) == [5, 5]


def test_the_database_caps_a_score(scored_edition):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.update(value=101)


def test_only_eligible_applications_are_scored(scored_edition):
    first = scored_edition["members"][0]
    with pytest.raises(ValidationError, match="recevables"):
        services.record_evaluation(
            member=first, application=scored_edition["applications"][3], scores=scores(scored_edition["edition"], 1, 1)
        )


def test_a_juror_of_another_edition_cannot_score(scored_edition, open_edition):
    outsider = member(open_edition, name="ailleurs")
    with pytest.raises(PermissionDenied):
        services.record_evaluation(
            member=outsider,
            application=scored_edition["applications"][0],
            scores=scores(scored_edition["edition"], 1, 1),
        )


def test_scores_are_confidential_until_the_deliberation_opens(scored_edition):
    edition = scored_edition["edition"]
    first = scored_edition["members"][0]
    staff = factories.staff_user(superuser=True)
    assert not services.may_read_scores(first.user, edition)
    assert not services.may_read_scores(staff, edition)
    with pytest.raises(PermissionDenied):
        services.ranking(edition, user=staff)
    edition = services.open_deliberation(edition=edition)
    assert services.may_read_scores(first.user, edition)
    assert services.may_read_scores(staff, edition)
    assert not services.may_read_scores(factories.structure_account(), edition)


def test_no_score_changes_once_the_deliberation_is_open(scored_edition):
    edition = services.open_deliberation(edition=scored_edition["edition"])
    with pytest.raises(ValidationError, match="ne changent plus"):
        services.record_evaluation(
            member=scored_edition["members"][0],
            application=scored_edition["applications"][0],
            scores=scores(edition, 1, 1),
        )


def test_the_deliberation_opens_after_the_deadline_only(open_edition):
    with pytest.raises(ValidationError, match="après la date limite"):
        services.open_deliberation(edition=open_edition)


def test_the_ranking_is_the_mean_of_the_weighted_normalised_marks(scored_edition):
    edition = services.open_deliberation(edition=scored_edition["edition"])
    first = scored_edition["members"][0]
    (group, other) = services.ranking(edition, user=first.user)
    assert other.entries == []
    averages = {
        entry.application.project_title: (entry.rank, str(entry.average), entry.evaluation_count)
        for entry in group.entries
    }
    # Projet 0: (3×8/10 + 1×4/5)/4 = 0.8 → 80 ; (3×6/10 + 2/5)/4 = 0.55 → 55 ; mean 67.50.
    # Projet 1: (3×5/10 + 5/5)/4 = 62.5 ; (3×9/10 + 1/5)/4 = 72.5 ; mean 67.50 (a tie).
    # Projet 2: (3×10/10 + 5/5)/4 = 100, one evaluation (the other juror declared a conflict).
    assert averages == {"Projet 2": (1, "100.00", 1), "Projet 0": (2, "67.50", 2), "Projet 1": (2, "67.50", 2)}
    # Ties keep the structures' alphabetical order.
    assert [e.application.project_title for e in group.entries] == ["Projet 2", "Projet 0", "Projet 1"]


def test_laureates_are_chosen_during_the_deliberation_and_published_after(scored_edition):
    edition = scored_edition["edition"]
    winner = scored_edition["applications"][2]
    with pytest.raises(ValidationError, match="délibération ouverte"):
        services.choose_laureate(application=winner, jury_decision="Unanimité.")
    with pytest.raises(ValidationError, match="après la délibération"):
        services.publish_results(edition=edition)
    edition = services.open_deliberation(edition=edition)
    with pytest.raises(ValidationError, match="vide"):
        services.publish_results(edition=edition)
    with pytest.raises(ValidationError, match="recevable"):
        services.choose_laureate(application=scored_edition["applications"][3], jury_decision="Non.")
    with pytest.raises(ValidationError):
        services.choose_laureate(application=winner, jury_decision=" ")
    services.choose_laureate(application=winner, jury_decision="Unanimité.")
    services.choose_laureate(
        application=scored_edition["applications"][0], jury_decision="Second prix.", distinction="Prix spécial"
    )
    assert not Laureate.objects.published().exists()
    services.publish_results(edition=edition)
    assert Laureate.objects.published().count() == 2
    with pytest.raises(ValidationError, match="publié"):
        services.choose_laureate(application=scored_edition["applications"][1], jury_decision="Trop tard.")


def test_a_laureate_whose_actor_is_unpublished_is_never_named(scored_edition):
    edition = services.open_deliberation(edition=scored_edition["edition"])
    services.choose_laureate(application=scored_edition["applications"][2], jury_decision="Unanimité.")
    services.publish_results(edition=edition)
    actor = scored_edition["actors"][2]
    assert services.published_awards([actor.pk])[actor.pk][0].application.edition.year == 2025
    type(actor).objects.filter(pk=actor.pk).update(status=PublicationStatus.DRAFT)
    assert not Laureate.objects.published().exists()
    assert services.published_awards([actor.pk]) == {}


def test_every_step_is_in_the_history_with_its_provenance(scored_edition):
    application = scored_edition["applications"][0]
    assert application.history.count() == 2  # submitted, then declared eligible
    evaluation = Evaluation.objects.filter(application=application).first()
    record = evaluation.history.first()
    assert record.history_source == Origin.ACCOUNT and record.history_source_detail.startswith("jury : ")


def test_the_demo_loader_runs_an_edition_to_its_end_and_is_idempotent(settings):
    from django.core.management import call_command

    from awards.demo import load_awards_demo
    from awards.models import Edition

    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    past, current = Edition.objects.order_by("year")
    assert past.title.endswith("(fictif)") and past.is_fictional and past.results_published_at
    assert current.is_call_open() and current.year == timezone.localdate().year
    assert Laureate.objects.published().count() == 3
    assert load_awards_demo() == {
        "éditions des Trophées": 0,
        "candidatures aux Trophées": 0,
        "lauréats des Trophées": 0,
    }
