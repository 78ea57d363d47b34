"""The lifecycle of an initiative and the energy-transition gate: one table, two validators.

`Initiative.clean()`, `services.change_status()` and every other entry point call these,
so the admin, the API, imports and scripts get the same rule and the same French message.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext_lazy as _

from projects.enums import EnergyDecision
from projects.enums import InitiativeStatus as S

# From each status, where an initiative may go next. Completed is final; an abandoned
# initiative may only be taken up again as an idea; a suspended one resumes where it fits.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.IDEA: frozenset({S.CONSULTATION, S.APPROVED, S.ABANDONED}),
    S.CONSULTATION: frozenset({S.IDEA, S.APPROVED, S.SUSPENDED, S.ABANDONED}),
    S.APPROVED: frozenset({S.IN_PROGRESS, S.SUSPENDED, S.ABANDONED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.SUSPENDED, S.ABANDONED}),
    S.SUSPENDED: frozenset({S.CONSULTATION, S.APPROVED, S.IN_PROGRESS, S.ABANDONED}),
    S.COMPLETED: frozenset(),
    S.ABANDONED: frozenset({S.IDEA}),
}

# The strategy makes energy transition a sine qua non: these statuses need an approved review.
ENERGY_GATED_STATUSES = frozenset({S.APPROVED, S.IN_PROGRESS, S.COMPLETED})
APPROVING_DECISIONS = frozenset({EnergyDecision.APPROVED, EnergyDecision.APPROVED_WITH_CONDITIONS})


def _status_label(value: str) -> str:
    try:
        return str(S(value).label)
    except ValueError:
        return value


def allowed_next_statuses(from_status: str) -> list[str]:
    """The statuses reachable from `from_status`, in lifecycle order."""
    reachable = ALLOWED_TRANSITIONS.get(from_status, frozenset())
    return [value for value in ALLOWED_TRANSITIONS if value in reachable]


def validate_transition(from_status: str, to_status: str) -> None:
    """Only the transitions of ALLOWED_TRANSITIONS are allowed."""
    if to_status not in ALLOWED_TRANSITIONS:
        raise ValidationError(_("Statut inconnu : %(status)s.") % {"status": to_status}, code="unknown_status")
    if from_status == to_status:
        raise ValidationError(
            _("Le projet est déjà au statut « %(status)s ».") % {"status": _status_label(to_status)},
            code="same_status",
        )
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, frozenset()):
        allowed = allowed_next_statuses(from_status)
        raise ValidationError(
            _("Passage de « %(from)s » à « %(to)s » impossible. Statuts possibles depuis « %(from)s » : %(allowed)s.")
            % {
                "from": _status_label(from_status),
                "to": _status_label(to_status),
                "allowed": ", ".join(f"« {_status_label(s)} »" for s in allowed) or _("aucun (statut final)"),
            },
            code="illegal_transition",
        )


def review_of(initiative):
    """The initiative's energy review, or None (a new initiative has none)."""
    if not initiative.pk:
        return None
    try:
        return initiative.energy_review
    except ObjectDoesNotExist:
        return None


# `validate_energy_gate(..., review=CURRENT_REVIEW)`: the initiative's review as stored.
CURRENT_REVIEW = object()


def validate_energy_gate(initiative, to_status: str, *, review=CURRENT_REVIEW) -> None:
    """No initiative is approved, in progress or completed without an approving energy review.

    The review is `initiative.energy_review` unless the caller passes the one it is about to
    keep (`review=`), e.g. the review as edited, or `None` when the review is being deleted.
    This is the one rule every entry point calls: status changes, review edits and deletions,
    history reverts, the API.
    """
    if to_status not in ENERGY_GATED_STATUSES:
        return
    if review is CURRENT_REVIEW:
        review = review_of(initiative)
    if review is None:
        raise ValidationError(
            _(
                "Le projet ne peut pas passer au statut « %(status)s » sans revue de transition énergétique : "
                "la transition énergétique est une condition de tout projet. Créez la revue et faites-la approuver."
            )
            % {"status": _status_label(to_status)},
            code="energy_review_missing",
        )
    if review.decision not in APPROVING_DECISIONS:
        raise ValidationError(
            _(
                "Le projet ne peut pas passer au statut « %(status)s » : sa revue de transition énergétique est "
                "« %(decision)s ». Elle doit être approuvée (avec ou sans conditions)."
            )
            % {"status": _status_label(to_status), "decision": EnergyDecision(review.decision).label},
            code="energy_review_not_approved",
        )
