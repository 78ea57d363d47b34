"""Integrity of the tracker: the energy gate cannot be emptied, delete is archive, restore brings children back."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from directory.history import Origin, provenance
from projects import services
from projects.models import (
    Consultation,
    Document,
    EnergyAssessment,
    EnergyCriterion,
    EnergyReview,
    FundingLine,
    Indicator,
    Initiative,
    Involvement,
    JournalEntry,
    Measurement,
    Milestone,
    StatusChange,
)
from tests.factories import actor, commune
from tests.projects import factories as f

pytestmark = pytest.mark.django_db
S = Initiative.Status
CHILD_MODELS = [
    Milestone,
    Indicator,
    Measurement,
    Involvement,
    FundingLine,
    JournalEntry,
    Document,
    Consultation,
    EnergyReview,
    EnergyAssessment,
    StatusChange,
]


def initiative_with_children(status=S.IN_PROGRESS) -> Initiative:
    initiative = f.initiative_in(status, lead_actor=actor(), communes=[commune()])
    f.milestone(initiative)
    f.funding_line(initiative)
    indicator = f.indicator(initiative)
    services.record_measurement(
        initiative=initiative, indicator=indicator, measured_on=datetime.date(2024, 5, 1), value=Decimal(3)
    )
    Involvement.objects.create(initiative=initiative, actor=actor(), role=Involvement.Role.PARTNER)
    consultation = Consultation.objects.create(
        initiative=initiative,
        held_on=datetime.date(2024, 5, 1),
        title="Atelier fictif",
        format=Consultation.Format.WORKSHOP,
        participation_level=Consultation.Level.CONCERTATION,
    )
    consultation.actors.set([actor(), actor()])
    JournalEntry.objects.create(initiative=initiative, title="Point d'étape")
    Document.objects.create(initiative=initiative, title="Compte rendu", file="projects/documents/cr.pdf")
    EnergyAssessment.objects.create(
        review=initiative.energy_review,
        criterion=EnergyCriterion.objects.first(),
        level=EnergyAssessment.Level.SATISFACTORY,
    )
    return initiative


def counts(initiative_pk: int) -> dict[str, int]:
    result = {}
    for model in CHILD_MODELS:
        field = "review__initiative_id" if model is EnergyAssessment else "initiative_id"
        result[model.__name__] = model.objects.filter(**{field: initiative_pk}).count()
    return result


# -- restore


def test_a_deleted_initiative_comes_back_with_every_child_and_its_status(django_user_model):
    initiative = initiative_with_children()
    communes = set(initiative.communes.values_list("pk", flat=True))
    consultation_actors = set(Consultation.objects.get(initiative=initiative).actors.values_list("pk", flat=True))
    before = counts(initiative.pk)
    assert all(before.values()), before
    admin = django_user_model.objects.create_superuser("admin", "a@example.org", "x")
    with provenance(Origin.ADMIN):
        batch = services.delete_initiative(initiative=initiative, by=admin)
    assert not Initiative.objects.filter(pk=initiative.pk).exists()
    assert not any(counts(initiative.pk).values())

    restored = services.restore_initiative(batch=batch, by=admin)

    assert restored.pk == initiative.pk
    assert restored.status == S.IN_PROGRESS
    assert counts(initiative.pk) == before
    assert set(restored.communes.values_list("pk", flat=True)) == communes
    assert set(Consultation.objects.get(initiative=restored).actors.values_list("pk", flat=True)) == (
        consultation_actors
    )
    # The gate still holds: the approving review came back with it.
    assert restored.energy_review.is_approving
    restored.full_clean()


def test_a_deleted_batch_is_restored_once():
    initiative = initiative_with_children()
    batch = services.delete_initiative(initiative=initiative, by=None)
    services.restore_initiative(batch=batch, by=None)
    with pytest.raises(ValidationError):
        services.restore_initiative(batch=batch, by=None)


# -- the energy gate cannot be emptied: services and model


@pytest.mark.parametrize("status", [S.APPROVED, S.IN_PROGRESS, S.COMPLETED])
def test_the_review_of_a_gated_initiative_cannot_be_deleted(status):
    initiative = f.initiative_in(status)
    review = initiative.energy_review
    with pytest.raises(ValidationError) as excinfo:
        services.delete_energy_review(review=review, by=None)
    assert excinfo.value.code == "energy_review_required"
    with pytest.raises(ValidationError):
        review.delete()
    assert EnergyReview.objects.filter(pk=review.pk).exists()


def test_the_review_of_an_initiative_before_approval_may_be_deleted():
    initiative = f.initiative_in(S.CONSULTATION)
    review = f.approved_review(initiative)
    services.delete_energy_review(review=review, by=None)
    assert not EnergyReview.objects.filter(pk=review.pk).exists()


def test_a_review_never_moves_to_another_initiative():
    approved = f.initiative_in(S.APPROVED)
    other = f.initiative()
    review = EnergyReview.objects.get(initiative=approved)
    review.initiative = other
    with pytest.raises(ValidationError) as excinfo:
        services.save_energy_review(review=review, by=None)
    assert excinfo.value.code == "energy_review_retargeted"
    with pytest.raises(ValidationError) as excinfo:
        review.full_clean()
    assert "initiative" in excinfo.value.error_dict
    with pytest.raises(ValidationError):
        review.save()
    assert EnergyReview.objects.get(pk=review.pk).initiative_id == approved.pk


def test_a_long_description_is_refused_by_full_clean():
    initiative = f.initiative()
    initiative.description = "x" * 20_001
    with pytest.raises(ValidationError) as excinfo:
        initiative.full_clean()
    assert set(excinfo.value.error_dict) == {"description"}


def test_restore_brings_back_children_whose_history_id_is_a_live_rows_id():
    # restore_batch compares the history id with live ids: a live milestone with that id must not
    # keep the deleted one from coming back.
    initiative = f.initiative()
    milestone = f.milestone(initiative)
    batch = services.delete_initiative(initiative=initiative, by=None)
    deletion = Milestone.history.get(history_batch=batch)
    assert deletion.history_id != milestone.pk  # its creation took a history id first
    Milestone.objects.create(
        pk=deletion.history_id, initiative=f.initiative(), title="Autre jalon", planned_on=datetime.date(2024, 6, 1)
    )
    services.restore_initiative(batch=batch, by=None)
    assert Milestone.objects.filter(pk=milestone.pk, initiative_id=initiative.pk).exists()
