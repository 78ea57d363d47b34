"""Writes of the strategy tracker that touch several rows or have side effects.

Each function is keyword-only, runs in a transaction, and is what the admin, the API,
commands and importers call. The lifecycle and the energy gate are checked by the
rules of `projects.lifecycle`, the same ones `Initiative.clean()` uses.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory import validators as directory_validators
from directory.history import Origin, delete_with_history, deleted_records, deletion_batch, provenance, restore_batch
from directory.models import Actor, Commune, Neighbourhood, PublicationStatus, normalize_search_text, unique_slug
from directory.qpv import Perimeter, QpvFile, locate
from projects import lifecycle
from projects.models import (
    Consultation,
    ConsultationEffect,
    ConsultationParticipant,
    EnergyReview,
    Event,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Site,
    StatusChange,
)
from projects.models.common import NOTE_MAX_LENGTH, Source


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
    if len(reason) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Le motif dépasse %(max)d caractères.") % {"max": NOTE_MAX_LENGTH}}, code="max_length"
        )
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
    _locked_status(initiative.pk)
    review = EnergyReview.objects.filter(initiative=initiative).first() or EnergyReview(initiative=initiative)
    review.decision = decision
    review.conditions = conditions
    if evidence is not None:
        review.evidence = evidence
    if decision != EnergyReview.Decision.PENDING:
        review.decided_on = decided_on or timezone.localdate()
    else:
        review.decided_on = decided_on
    review.reviewer = reviewer
    save_energy_review(review=review, by=reviewer)
    # A cached "no review" on the caller's object would make the gate refuse what is now allowed.
    initiative.energy_review = review
    return review


def _locked_status(initiative_id: int) -> str:
    """Lock the initiative's row (as `change_status` does) and read its status afresh."""
    return Initiative.objects.select_for_update().filter(pk=initiative_id).values_list("status", flat=True).get()


@transaction.atomic
def save_energy_review(*, review: EnergyReview, by: User | None, decided: bool = False) -> EnergyReview:
    """Save a review as edited (admin form or inline, history revert, `decide_energy_review`).

    The initiative's row is locked, so that the review cannot be turned down while the initiative
    is being approved; the energy gate is checked against its status as stored. A review never
    moves to another initiative. `decided`: the decision was changed by `by`, who becomes the reviewer.
    """
    review.validate_initiative_unchanged()
    status = _locked_status(review.initiative_id)
    if decided and by is not None:
        review.reviewer = by
    review.full_clean()
    lifecycle.validate_energy_gate(review.initiative, status, review=review)
    if by is not None:
        review._history_user = by
    review.save()
    return review


@transaction.atomic
def delete_energy_review(*, review: EnergyReview, by: User | None) -> uuid.UUID:
    """Delete a review and its assessments, unless its initiative is in a status that needs it.

    Refused (`ValidationError`, nothing deleted) while the initiative is « validé », « en cours » or
    « terminé ». The deleted rows share a deletion batch (returned), so they can be restored.
    """
    _locked_status(review.initiative_id)
    review.validate_deletion()
    with deletion_batch() as batch:
        if by is not None:
            review._history_user = by
        review.delete()
    return batch


@transaction.atomic
def record_measurement(
    *, initiative: Initiative, indicator: Indicator, measured_on: date, value: Decimal, note: str = ""
) -> Measurement:
    """Record (or correct) the value of one of the initiative's indicators at a date.

    Refuses an indicator that belongs to another initiative (`Measurement.clean`).
    """
    measurement = Measurement.objects.filter(indicator=indicator, measured_on=measured_on).first() or Measurement(
        indicator=indicator, measured_on=measured_on
    )
    measurement.initiative = initiative
    measurement.value = value
    measurement.note = note
    measurement.full_clean()
    measurement.save()
    return measurement


# -- publication


def may_publish(user: User, model: type[models.Model]) -> bool:
    """The one rule of publication: publishing, unpublishing and archiving a published record need
    `publish_<model>` (moderators); others (editors) propose, as « brouillon » or « à valider »."""
    return user.has_perm(f"{model._meta.app_label}.publish_{model._meta.model_name}")


def validate_publication_change(*, user: User | None, model: type[models.Model], from_status, to_status) -> None:
    """Refuse (in French) a publication change `user` may not make. `user=None`: a trusted caller (command)."""
    if user is None or from_status == to_status:
        return
    if PublicationStatus.PUBLISHED in (from_status, to_status) and not may_publish(user, model):
        raise ValidationError(
            {
                "publication_status": _(
                    "Publier ou retirer de la publication est réservé aux modérateurs : proposez la fiche "
                    "« à valider »."
                )
            },
            code="publish_permission",
        )


@transaction.atomic
def set_publication(*, records: models.QuerySet, to_status: str, by: User | None) -> int:
    """Set the publication status of `records` (initiatives or sites), with history; returns how many changed.

    Refuses the whole change (nothing written) if `by` may not make it for one of them.
    """
    # Re-read plainly: the caller's queryset may join nullable relations, which PostgreSQL cannot lock.
    pks = list(records.values_list("pk", flat=True))
    changed = list(records.model.objects.select_for_update().filter(pk__in=pks).exclude(publication_status=to_status))
    for obj in changed:
        validate_publication_change(user=by, model=type(obj), from_status=obj.publication_status, to_status=to_status)
    for obj in changed:
        obj.publication_status = to_status
        if by is not None:
            obj._history_user = by
        obj.save(update_fields=["publication_status", "updated_at"])
    return len(changed)


def archive_initiatives(*, initiatives: models.QuerySet, by: User | None) -> int:
    """Archive initiatives instead of deleting them: out of every public list, kept with their record."""
    return set_publication(records=initiatives, to_status=PublicationStatus.ARCHIVED, by=by)


def archive_sites(*, sites: models.QuerySet, by: User | None) -> int:
    """Archive sites instead of deleting them."""
    return set_publication(records=sites, to_status=PublicationStatus.ARCHIVED, by=by)


# -- the agenda


def recent_event_proposals(key: str, *, hours: int = 1) -> int:
    """Events proposed from this sender's address in the last `hours` (with the directory's contributions)."""
    since = timezone.now() - timezone.timedelta(hours=hours)
    return Event.objects.filter(submitter_key=key, created_at__gte=since).count()


@transaction.atomic
def propose_event(*, event: Event, organisers: Iterable[Actor] = (), key: str = "", user: User | None = None) -> Event:
    """Record an event proposed from the public form: « à valider » until a moderator publishes it.

    `organisers` are structures the signed-in `user` represents (checked by the caller's form).
    """
    event.publication_status = PublicationStatus.PENDING
    event.source = Source.STAFF
    event.is_fictional = False
    event.submitter_key = key
    event.full_clean()
    origin = Origin.ACCOUNT if user is not None else Origin.CONTRIBUTION
    with provenance(origin):
        if user is not None:
            event._history_user = user
        event.save()
        if organisers:
            event.actors.set(organisers)
    return event


# -- deletion (superusers) and restoration


@transaction.atomic
def delete_initiative(*, initiative: Initiative, by: User | None) -> uuid.UUID:
    """Delete an initiative for good, with everything that hangs off it, as one restorable batch.

    Milestones, indicators, measurements, involvements, funding lines, journal, documents' metadata
    (the files stay on disk), consultations, energy review and assessments, status changes: each
    gets a deletion record in the returned batch, which `restore_initiative` brings back.
    """
    with deletion_batch() as batch:
        locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
        if by is not None:
            locked._history_user = by
        delete_with_history(locked)
    return batch


def delete_initiatives(*, initiatives: Iterable[Initiative], by: User | None) -> list[uuid.UUID]:
    """Delete initiatives, each as its own batch (restored one by one)."""
    return [delete_initiative(initiative=initiative, by=by) for initiative in initiatives]


@transaction.atomic
def delete_site(*, site: Site, by: User | None) -> uuid.UUID:
    """Delete a site for good (its links to initiatives go with it), as one restorable batch."""
    with deletion_batch() as batch:
        if by is not None:
            site._history_user = by
        delete_with_history(site)
    return batch


@transaction.atomic
def restore_initiative(*, batch: uuid.UUID, by: User | None) -> Initiative:
    """Bring back an initiative deleted in `batch`, with its children, in the status it had.

    It was valid when deleted and its review comes back with it; the energy gate is checked again
    all the same, and nothing is restored if it no longer holds.
    """
    records = deleted_records(batch)
    initiative_ids = [record.id for record in records if record.instance_type is Initiative]
    if not initiative_ids or Initiative.objects.filter(pk__in=initiative_ids).exists():
        raise ValidationError(_("Ce lot ne contient aucun projet à restaurer (déjà restauré ?)."), code="nothing")
    reason = _("Restauré après suppression")
    restore_batch(batch=batch, user=by, reason=reason)
    initiative = Initiative.objects.get(pk=initiative_ids[0])
    lifecycle.validate_energy_gate(initiative, initiative.status)
    return initiative


@transaction.atomic
def restore_site(*, batch: uuid.UUID, by: User | None) -> Site:
    """Bring back a site deleted in `batch`, with its occupants.

    Its links to initiatives belong to the initiatives (their history keeps them): staff link it again.
    """
    records = deleted_records(batch)
    site_ids = [record.id for record in records if record.instance_type is Site]
    if not site_ids or Site.objects.filter(pk__in=site_ids).exists():
        raise ValidationError(_("Ce lot ne contient aucun lieu à restaurer (déjà restauré ?)."), code="nothing")
    restore_batch(batch=batch, user=by, reason=_("Restauré après suppression"))
    return Site.objects.get(pk=site_ids[0])


# -- priority neighbourhoods (QPV) from the official perimeter file


@dataclass
class Assignments:
    """What the import did to one kind of located record (actors or sites)."""

    assigned: int = 0
    cleared: int = 0
    unchanged: int = 0
    in_other_commune: int = 0


@dataclass
class NeighbourhoodImport:
    """What `import_neighbourhoods` did (or would do, on a dry run)."""

    created: list[Neighbourhood] = field(default_factory=list)
    updated: list[Neighbourhood] = field(default_factory=list)
    unchanged: list[Neighbourhood] = field(default_factory=list)
    outside: int = 0
    actors: Assignments = field(default_factory=Assignments)
    sites: Assignments = field(default_factory=Assignments)


def _matching_neighbourhood(perimeter: Perimeter, existing: list[Neighbourhood], claimed: set[int]):
    """The neighbourhood `perimeter` updates: the one with its code, else a code-less one of its name and commune."""
    for neighbourhood in existing:
        if neighbourhood.code == perimeter.code:
            return neighbourhood
    name = normalize_search_text(perimeter.name)
    communes = {commune.pk for commune in perimeter.communes}
    for neighbourhood in existing:
        if (
            not neighbourhood.code
            and neighbourhood.pk not in claimed
            and normalize_search_text(neighbourhood.name) == name
            and communes & {commune.pk for commune in neighbourhood.communes.all()}
        ):
            return neighbourhood
    return None


def _upsert_neighbourhood(perimeter: Perimeter, neighbourhood: Neighbourhood | None, result: NeighbourhoodImport):
    if neighbourhood is None:
        neighbourhood = Neighbourhood(
            name=perimeter.name, code=perimeter.code, slug=unique_slug(Neighbourhood, perimeter.name)
        )
        neighbourhood.full_clean()
        neighbourhood.save()
        neighbourhood.communes.set(perimeter.communes)
        result.created.append(neighbourhood)
        return neighbourhood
    changed = neighbourhood.code != perimeter.code or neighbourhood.name != perimeter.name
    if changed:
        neighbourhood.code, neighbourhood.name = perimeter.code, perimeter.name
        neighbourhood.full_clean()
        neighbourhood.save(update_fields=["code", "name"])
    # The file's communes are added, never taken away: records of the neighbourhood stay in one of its communes.
    known = {commune.pk for commune in neighbourhood.communes.all()}
    missing = [commune for commune in perimeter.communes if commune.pk not in known]
    if missing:
        neighbourhood.communes.add(*missing)
        changed = True
    (result.updated if changed else result.unchanged).append(neighbourhood)
    return neighbourhood


def _assign(records, *, located, communes: dict[int, Commune], clear_outside: bool, reason: str) -> Assignments:
    counts = Assignments()
    for record in records:
        location = locate(
            located, longitude=float(record.longitude), latitude=float(record.latitude), commune_id=record.commune_id
        )
        if location.in_other_commune:
            # Inside a neighbourhood of another commune: the commune or the position is wrong; staff decide.
            counts.in_other_commune += 1
            continue
        if location.neighbourhood is None and not clear_outside:
            counts.unchanged += 1
            continue
        target = location.neighbourhood
        if (target.pk if target else None) == record.neighbourhood_id:
            counts.unchanged += 1
            continue
        directory_validators.validate_neighbourhood_in_commune(target, communes[record.commune_id])
        record.neighbourhood = target
        record._change_reason = reason
        record.save(update_fields=["neighbourhood", "updated_at"])
        if target is None:
            counts.cleared += 1
        else:
            counts.assigned += 1
    return counts


@transaction.atomic
def import_neighbourhoods(
    *, qpv_file: QpvFile, file_name: str, clear_outside: bool = False, dry_run: bool = False
) -> NeighbourhoodImport:
    """Create or update the territory's priority neighbourhoods of the official file, then locate actors and sites.

    A neighbourhood is matched by its official code, else by name and commune (one without a code
    yet); its NPNRU status and description stay as the staff set them. Each actor and site with a
    position in one of the territory's communes gets the neighbourhood of its commune that contains
    it; one in no neighbourhood keeps its own unless `clear_outside`. Changes of actors and sites
    are recorded in their history as coming from the import of `file_name`. All or nothing; a dry
    run computes the same counts and writes nothing.
    """
    result = NeighbourhoodImport(outside=qpv_file.outside)
    with provenance(Origin.IMPORT, detail=file_name):
        existing = list(Neighbourhood.objects.prefetch_related("communes").order_by("pk"))
        claimed: set[int] = set()
        located = []
        for perimeter in qpv_file.perimeters:
            neighbourhood = _upsert_neighbourhood(
                perimeter, _matching_neighbourhood(perimeter, existing, claimed), result
            )
            claimed.add(neighbourhood.pk)
            located.append((perimeter, neighbourhood))
        territory = {commune.pk: commune for commune in Commune.objects.in_territory()}
        reason = _("Quartier prioritaire d'après le fichier des périmètres officiels (%(file)s)") % {"file": file_name}
        for model, counts in ((Actor, "actors"), (Site, "sites")):
            records = (
                model.objects.select_for_update()
                .filter(latitude__isnull=False, longitude__isnull=False, commune_id__in=list(territory))
                .order_by("pk")
            )
            setattr(
                result,
                counts,
                _assign(records, located=located, communes=territory, clear_outside=clear_outside, reason=reason),
            )
    if dry_run:
        transaction.set_rollback(True)
    return result


# ---------------------------------------------------------------------------
# Consultations: who took part, which initiatives, what changed


@dataclass(frozen=True)
class Participation:
    """An actor that took part in a consultation, as `kind` (`ConsultationParticipant.Kind`; None: from its record)."""

    actor: Actor
    kind: str | None = None


@dataclass(frozen=True)
class Effect:
    """A change a consultation caused: exactly one of a status change, a milestone, a version of an initiative."""

    status_change: StatusChange | None = None
    milestone: Milestone | None = None
    initiative_version: models.Model | None = None
    description: str = ""


@transaction.atomic
def link_consultation(
    *,
    consultation: Consultation,
    participants: Iterable[Participation] = (),
    other_initiatives: Iterable[Initiative] = (),
    effects: Iterable[Effect] = (),
    by: User | None = None,
    reason: str = "",
) -> Consultation:
    """Add participants, other initiatives concerned and effects to a saved consultation, all or nothing.

    Each row is validated by its model's rules (`full_clean`: an effect must belong to one of the
    initiatives the consultation concerned, and not predate it; an actor takes part once) and
    written with its history; the consultation's `updated_at` moves, so that the incremental sync
    sees the new links. Raises `ValidationError` (in French) and writes nothing when a row is refused.
    """
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    others = [initiative for initiative in other_initiatives if initiative.pk != locked.initiative_id]
    if others:
        locked.other_initiatives.add(*others)
    for participation in participants:
        kind = participation.kind or ConsultationParticipant.kind_of(participation.actor)
        row = ConsultationParticipant(consultation=locked, actor=participation.actor, kind=kind)
        _save_validated(row, by=by, reason=reason)
    for effect in effects:
        row = ConsultationEffect(
            consultation=locked,
            status_change=effect.status_change,
            milestone=effect.milestone,
            initiative_version=effect.initiative_version,
            description=effect.description,
        )
        _save_validated(row, by=by, reason=reason)
    touch_consultation(consultation=locked)
    return locked


def _save_validated(row: models.Model, *, by: User | None, reason: str) -> None:
    row.full_clean()
    if by is not None:
        row._history_user = by
    if reason:
        row._change_reason = reason
    row.save()


def touch_consultation(*, consultation: Consultation) -> None:
    """Mark a consultation changed when only its links changed (participants, effects): the sync must see it."""
    Consultation.objects.filter(pk=consultation.pk).update(updated_at=timezone.now())
