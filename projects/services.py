"""Writes of the strategy tracker that touch several rows or have side effects.

Each function is keyword-only, runs in a transaction, and is what the admin, the API,
commands and importers call. The lifecycle and the energy gate are checked by the
rules of `projects.lifecycle`, the same ones `Initiative.clean()` uses.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import lifecycle
from projects.models import EnergyReview, Indicator, Initiative, Measurement, StatusChange


@transaction.atomic
def change_status(*, initiative: Initiative, to_status: str, by: User | None, reason: str) -> StatusChange:
    """Move an initiative to `to_status`, if the lifecycle and the energy gate allow it.

    The initiative's row is locked while checking, so two concurrent changes cannot both
    pass from the same status. Starting work records the actual start date, finishing it the
    actual end date, when they are not set yet. Raises `ValidationError` (in French) and
    writes nothing when the change is refused.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du changement de statut.")})
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    from_status = locked.status
    lifecycle.validate_transition(from_status, to_status)
    # Read the review afresh: the caller's object may predate its approval.
    lifecycle.validate_energy_gate(locked, to_status)

    today = timezone.localdate()
    locked.status = to_status
    if to_status == Initiative.Status.IN_PROGRESS and not locked.actual_start:
        locked.actual_start = today
    if to_status == Initiative.Status.COMPLETED and not locked.actual_end:
        locked.actual_end = today
    locked._change_reason = reason
    if by is not None:
        locked._history_user = by
    locked.save(update_fields=["status", "actual_start", "actual_end", "updated_at"])
    change = StatusChange.objects.create(
        initiative=locked, from_status=from_status, to_status=to_status, changed_by=by, reason=reason
    )
    # Keep the caller's object in step with the database.
    initiative.status = locked.status
    initiative.actual_start = locked.actual_start
    initiative.actual_end = locked.actual_end
    initiative.updated_at = locked.updated_at
    initiative._stored_status = locked.status
    return change


@transaction.atomic
def decide_energy_review(
    *,
    initiative: Initiative,
    decision: str,
    reviewer: User | None,
    conditions: str = "",
    evidence: str | None = None,
    decided_on: date | None = None,
) -> EnergyReview:
    """Create or update the initiative's energy review with a decision, validated like the admin form.

    The initiative's row is locked, as in `change_status`, so that a review cannot be turned
    down while the initiative is being approved.
    """
    Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
    review = EnergyReview.objects.filter(initiative=initiative).first() or EnergyReview(initiative=initiative)
    review.decision = decision
    review.reviewer = reviewer
    review.conditions = conditions
    if evidence is not None:
        review.evidence = evidence
    if decision != EnergyReview.Decision.PENDING:
        review.decided_on = decided_on or timezone.localdate()
    else:
        review.decided_on = decided_on
    review.full_clean()
    review.save()
    # A cached "no review" on the caller's object would make the gate refuse what is now allowed.
    initiative.energy_review = review
    return review


@transaction.atomic
def record_measurement(
    *, initiative: Initiative, indicator: Indicator, measured_on: date, value: Decimal, note: str = ""
) -> Measurement:
    """Record (or correct) the value of one of the initiative's indicators at a date.

    Refuses an indicator that belongs to another initiative.
    """
    if indicator.initiative_id != initiative.pk:
        raise ValidationError(
            {"indicator": _("Cet indicateur appartient à un autre projet : choisissez un indicateur de ce projet.")}
        )
    measurement = Measurement.objects.filter(indicator=indicator, measured_on=measured_on).first() or Measurement(
        indicator=indicator, measured_on=measured_on
    )
    measurement.initiative = initiative
    measurement.value = value
    measurement.note = note
    measurement.full_clean()
    measurement.save()
    return measurement
