"""The lifecycle table and the energy gate, from the service and from the model's clean()."""

import itertools

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from projects import lifecycle, services
from projects.models import EnergyReview, Initiative, StatusChange
from tests.projects import factories as f

S = Initiative.Status
GATED = {S.APPROVED, S.IN_PROGRESS, S.COMPLETED}


# The expected lifecycle, written out here rather than read from the table under test:
# from each status (rows), the statuses an initiative may move to.
EXPECTED_TRANSITIONS = {
    "idea": {"consultation", "approved", "abandoned"},
    "consultation": {"idea", "approved", "suspended", "abandoned"},
    "approved": {"in_progress", "suspended", "abandoned"},
    "in_progress": {"completed", "suspended", "abandoned"},
    "suspended": {"consultation", "approved", "in_progress", "abandoned"},
    "completed": set(),
    "abandoned": {"idea"},
}
ALL_PAIRS = list(itertools.product(EXPECTED_TRANSITIONS, EXPECTED_TRANSITIONS))


def test_the_lifecycle_table_is_the_expected_one():
    assert set(S.values) == set(EXPECTED_TRANSITIONS)
    assert {key: set(targets) for key, targets in lifecycle.ALLOWED_TRANSITIONS.items()} == EXPECTED_TRANSITIONS
    assert {"approved", "in_progress", "completed"} == lifecycle.ENERGY_GATED_STATUSES
    assert {"approved", "approved_with_conditions"} == lifecycle.APPROVING_DECISIONS


def test_completed_is_final_and_abandoned_only_restarts_as_an_idea():
    assert lifecycle.allowed_next_statuses("completed") == []
    assert lifecycle.allowed_next_statuses("abandoned") == ["idea"]


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_change_status_follows_the_table(from_status, to_status):
    initiative = f.initiative_in(from_status)
    if from_status not in GATED:
        f.approved_review(initiative)  # so that only the table decides
    allowed = to_status in EXPECTED_TRANSITIONS[from_status]
    if allowed:
        services.change_status(initiative=initiative, to_status=to_status, by=None, reason="Suite logique")
        initiative.refresh_from_db()
        assert initiative.status == to_status
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.change_status(initiative=initiative, to_status=to_status, by=None, reason="Essai")
        assert "impossible" in str(excinfo.value) or "déjà" in str(excinfo.value)
        initiative.refresh_from_db()
        assert initiative.status == from_status


@pytest.mark.django_db
def test_an_illegal_transition_names_the_possible_statuses_in_french():
    initiative = f.initiative()
    with pytest.raises(ValidationError) as excinfo:
        services.change_status(initiative=initiative, to_status=S.COMPLETED, by=None, reason="Trop vite")
    assert excinfo.value.messages == [
        "Passage de « idée » à « terminé » impossible. Statuts possibles depuis « idée » : "
        "« en concertation », « validé », « abandonné »."
    ]


@pytest.mark.django_db
def test_change_status_records_who_when_and_why():
    user = User.objects.create_user("agent")
    initiative = f.initiative()
    change = services.change_status(initiative=initiative, to_status=S.CONSULTATION, by=user, reason="Ateliers")
    assert (change.initiative, change.from_status, change.to_status, change.changed_by, change.reason) == (
        initiative,
        S.IDEA,
        S.CONSULTATION,
        user,
        "Ateliers",
    )
    assert change.changed_at is not None
    assert initiative.status == S.CONSULTATION  # the caller's object follows


@pytest.mark.django_db
def test_change_status_needs_a_reason():
    initiative = f.initiative()
    with pytest.raises(ValidationError) as excinfo:
        services.change_status(initiative=initiative, to_status=S.CONSULTATION, by=None, reason="  ")
    assert excinfo.value.message_dict == {"reason": ["Indiquez le motif du changement de statut."]}
    assert not StatusChange.objects.exists()


@pytest.mark.django_db
def test_starting_and_finishing_record_the_actual_dates_when_missing():
    initiative = f.initiative_in(S.APPROVED)
    services.change_status(initiative=initiative, to_status=S.IN_PROGRESS, by=None, reason="Démarrage")
    assert initiative.actual_start is not None
    services.change_status(initiative=initiative, to_status=S.COMPLETED, by=None, reason="Fini")
    initiative.refresh_from_db()
    assert initiative.actual_end is not None and initiative.actual_end >= initiative.actual_start


# -- the energy gate, from the service


@pytest.mark.django_db
@pytest.mark.parametrize("from_status", [S.IDEA, S.CONSULTATION])
def test_no_approval_without_an_energy_review(from_status):
    initiative = f.initiative_in(from_status)
    with pytest.raises(ValidationError) as excinfo:
        services.change_status(initiative=initiative, to_status=S.APPROVED, by=None, reason="Comité")
    assert excinfo.value.code == "energy_review_missing"
    assert "sans revue de transition énergétique" in excinfo.value.messages[0]
    initiative.refresh_from_db()
    assert initiative.status == from_status
    assert not StatusChange.objects.filter(to_status=S.APPROVED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("decision", [EnergyReview.Decision.PENDING, EnergyReview.Decision.REJECTED])
def test_no_approval_with_a_pending_or_rejected_review(decision):
    initiative = f.initiative()
    services.decide_energy_review(initiative=initiative, decision=decision, reviewer=None)
    with pytest.raises(ValidationError) as excinfo:
        services.change_status(initiative=initiative, to_status=S.APPROVED, by=None, reason="Comité")
    label = EnergyReview.Decision(decision).label
    assert excinfo.value.messages == [
        f"Le projet ne peut pas passer au statut « validé » : sa revue de transition énergétique est « {label} ». "
        "Elle doit être approuvée (avec ou sans conditions)."
    ]
    initiative.refresh_from_db()
    assert initiative.status == S.IDEA


@pytest.mark.django_db
@pytest.mark.parametrize("decision", [EnergyReview.Decision.APPROVED, EnergyReview.Decision.APPROVED_WITH_CONDITIONS])
def test_an_approved_review_opens_the_gate(decision):
    initiative = f.initiative()
    f.approved_review(initiative, decision=decision)
    services.change_status(initiative=initiative, to_status=S.APPROVED, by=None, reason="Comité")
    assert Initiative.objects.get(pk=initiative.pk).status == S.APPROVED


@pytest.mark.django_db
@pytest.mark.parametrize("to_status", [S.APPROVED, S.IN_PROGRESS])
def test_resuming_a_suspended_initiative_into_a_gated_status_needs_an_approved_review(to_status):
    initiative = f.initiative_in(S.SUSPENDED)  # suspended during consultation, no review
    with pytest.raises(ValidationError) as excinfo:
        services.change_status(initiative=initiative, to_status=to_status, by=None, reason="Reprise")
    assert excinfo.value.code == "energy_review_missing"
    services.change_status(initiative=initiative, to_status=S.CONSULTATION, by=None, reason="Reprise")
    assert initiative.status == S.CONSULTATION


@pytest.mark.django_db
def test_the_gate_reads_the_review_from_the_database_not_a_stale_object():
    initiative = f.initiative()
    stale = Initiative.objects.get(pk=initiative.pk)
    with pytest.raises(EnergyReview.DoesNotExist):
        stale.energy_review  # noqa: B018 — caches "no review" on the stale object
    f.approved_review(initiative)
    services.change_status(initiative=stale, to_status=S.APPROVED, by=None, reason="Comité")
    assert stale.status == S.APPROVED


# -- the same rules from the model's clean() (admin forms, API, imports, scripts)


@pytest.mark.django_db
def test_saving_a_gated_status_directly_fails_in_clean():
    initiative = f.initiative()
    initiative.status = S.APPROVED
    with pytest.raises(ValidationError) as excinfo:
        initiative.full_clean()
    assert excinfo.value.error_dict["status"][0].code == "energy_review_missing"


@pytest.mark.django_db
def test_an_illegal_transition_fails_in_clean():
    initiative = f.initiative_in(S.APPROVED)
    initiative.status = S.COMPLETED
    with pytest.raises(ValidationError) as excinfo:
        initiative.full_clean()
    assert "« validé » à « terminé » impossible" in excinfo.value.message_dict["status"][0]


@pytest.mark.django_db
def test_clean_accepts_a_legal_gated_status_with_an_approved_review():
    initiative = f.initiative_in(S.APPROVED)
    initiative.status = S.IN_PROGRESS
    initiative.full_clean()


@pytest.mark.django_db
def test_clean_checks_the_stored_status_of_an_object_not_loaded_from_the_database():
    initiative = f.initiative()
    detached = Initiative(**{f.attname: getattr(initiative, f.attname) for f in Initiative._meta.concrete_fields})
    detached.status = S.COMPLETED
    with pytest.raises(ValidationError) as excinfo:
        detached.full_clean()
    assert "« idée » à « terminé » impossible" in excinfo.value.message_dict["status"][0]


@pytest.mark.django_db
def test_a_new_initiative_cannot_start_in_a_gated_status():
    obj = Initiative(title="Projet direct", axis=f.axis(), status=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.error_dict["status"][0].code == "energy_review_missing"


@pytest.mark.django_db
def test_the_review_of_a_gated_initiative_cannot_be_turned_down():
    initiative = f.initiative_in(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as excinfo:
        services.decide_energy_review(initiative=initiative, decision=EnergyReview.Decision.REJECTED, reviewer=None)
    assert "Suspendez d'abord le projet" in excinfo.value.message_dict["decision"][0]
    assert EnergyReview.objects.get(initiative=initiative).decision == EnergyReview.Decision.APPROVED


@pytest.mark.django_db
def test_a_suspended_initiative_may_have_its_review_revisited():
    initiative = f.initiative_in(S.IN_PROGRESS)
    services.change_status(initiative=initiative, to_status=S.SUSPENDED, by=None, reason="Pause")
    services.decide_energy_review(initiative=initiative, decision=EnergyReview.Decision.REJECTED, reviewer=None)
    with pytest.raises(ValidationError):
        services.change_status(initiative=initiative, to_status=S.IN_PROGRESS, by=None, reason="Reprise")


@pytest.mark.django_db
def test_an_approval_with_conditions_must_state_them_and_a_decision_is_dated():
    initiative = f.initiative()
    review = EnergyReview(initiative=initiative, decision=EnergyReview.Decision.APPROVED_WITH_CONDITIONS)
    with pytest.raises(ValidationError) as excinfo:
        review.full_clean()
    assert excinfo.value.message_dict == {
        "decided_on": ["Datez la décision."],
        "conditions": ["Précisez les conditions de l'approbation."],
    }
