"""How complete and how fresh an actor's listing is, and what would raise it.

The score is over 100: 80 points of completeness (what the public pages and the data·inclusion
export need), stored on the row at each save so that the admin can sort on it, and 20 points of
freshness (the date of the last verification), computed when read since it changes with time.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COMPLETENESS_POINTS = 80
FRESHNESS_POINTS = 20
# A verification this recent gives every freshness point; then half until twice as old, then none.
FRESH_DAYS = 365


@dataclass(frozen=True)
class Criterion:
    label: str
    weight: int

    def met(self, actor) -> bool:
        raise NotImplementedError


class FieldCriterion(Criterion):
    def __init__(self, label, weight, *fields):
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "fields", fields)

    def met(self, actor) -> bool:
        return any(getattr(actor, field) not in (None, "") for field in self.fields)


class LocationCriterion(Criterion):
    def met(self, actor) -> bool:
        # A located actor is found by its address; a partner by the area it works in.
        if actor.presence == "partner":
            return bool(actor.serves_whole_territory or actor.commune_id)
        return bool(actor.address and actor.commune_id)


class KnownChoiceCriterion(Criterion):
    def __init__(self, label, weight, field, unknown):
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "unknown", unknown)

    def met(self, actor) -> bool:
        return getattr(actor, self.field) not in ("", None, self.unknown)


class IdentifierCriterion(Criterion):
    def met(self, actor) -> bool:
        return bool(actor.siret or actor.siren or actor.rna)


CRITERIA: tuple[Criterion, ...] = (
    FieldCriterion(_("une description courte"), 12, "short_description"),
    FieldCriterion(_("une description"), 10, "description"),
    IdentifierCriterion(_("un SIRET, un SIREN ou un numéro RNA"), 12),
    LocationCriterion(_("une adresse et une commune (ou la zone d'intervention)"), 12),
    FieldCriterion(_("un moyen de contact public (e-mail ou téléphone)"), 10, "email", "phone"),
    FieldCriterion(_("un site web"), 6, "website"),
    FieldCriterion(_("ce que l'acteur propose"), 8, "offer"),
    KnownChoiceCriterion(_("une typologie"), 4, "typology", "undetermined"),
    KnownChoiceCriterion(_("une forme juridique précise"), 6, "legal_form", "other"),
)
assert sum(c.weight for c in CRITERIA) == COMPLETENESS_POINTS


def completeness(actor) -> int:
    """The completeness points of `actor` (0 to 80)."""
    return sum(c.weight for c in CRITERIA if c.met(actor))


def missing(actor) -> list[tuple[str, int]]:
    """What would raise the score, with the points each gives, most valuable first."""
    items = [(str(c.label), c.weight) for c in CRITERIA if not c.met(actor)]
    points = freshness(actor.last_verified_at)
    if points < FRESHNESS_POINTS:
        items.append(
            (str(_("une vérification récente (« informations toujours exactes »)")), FRESHNESS_POINTS - points)
        )
    return sorted(items, key=lambda item: -item[1])


def freshness(verified: date | None, today: date | None = None) -> int:
    """The freshness points of a listing last verified on `verified` (0 to 20)."""
    if verified is None:
        return 0
    age = ((today or timezone.localdate()) - verified).days
    if age < FRESH_DAYS:
        return FRESHNESS_POINTS
    if age < 2 * FRESH_DAYS:
        return FRESHNESS_POINTS // 2
    return 0


def score(actor) -> int:
    """The quality score of `actor` (0 to 100)."""
    return actor.completeness + freshness(actor.last_verified_at)


def score_expression(today: date | None = None) -> models.Expression:
    """The same score computed by the database, to sort or filter a queryset of actors."""
    today = today or timezone.localdate()
    return models.F("completeness") + models.Case(
        models.When(last_verified_at__gt=today - timedelta(days=FRESH_DAYS), then=models.Value(FRESHNESS_POINTS)),
        models.When(
            last_verified_at__gt=today - timedelta(days=2 * FRESH_DAYS), then=models.Value(FRESHNESS_POINTS // 2)
        ),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )
