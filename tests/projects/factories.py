"""Small factory functions for the strategy tracker: each creates one valid object, keyword arguments override."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from directory.models import PublicationStatus
from projects import services
from projects.models import (
    Consultation,
    EnergyReview,
    Event,
    FundingLine,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Site,
    StrategyAxis,
)
from tests.factories import actor, commune

_counter = itertools.count(1)


def axis(number: int = 1) -> StrategyAxis:
    return StrategyAxis.objects.get(number=number)


def initiative(**overrides) -> Initiative:
    n = next(_counter)
    communes = overrides.pop("communes", None)
    fields = {
        "title": f"Projet fictif {n}",
        "axis": overrides.pop("axis", None) or axis(),
        "kind": Initiative.Kind.OTHER,
        "summary": "Un projet fictif pour les tests.",
        "planned_start": datetime.date(2024, 1, 1),
        "publication_status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = Initiative(**fields)
    obj.full_clean()
    obj.save()
    if communes:
        obj.communes.set(communes)
    return obj


def approved_review(initiative_obj: Initiative, *, decision: str = EnergyReview.Decision.APPROVED) -> EnergyReview:
    return services.decide_energy_review(
        initiative=initiative_obj,
        decision=decision,
        reviewer=None,
        conditions="Isoler la toiture." if decision == EnergyReview.Decision.APPROVED_WITH_CONDITIONS else "",
        decided_on=datetime.date(2024, 2, 1),
    )


def initiative_in(status: str, **overrides) -> Initiative:
    """An initiative brought to `status` through the lifecycle service (with an approved review)."""
    obj = initiative(**overrides)
    path = {
        Initiative.Status.IDEA: [],
        Initiative.Status.CONSULTATION: ["consultation"],
        Initiative.Status.APPROVED: ["approved"],
        Initiative.Status.IN_PROGRESS: ["approved", "in_progress"],
        Initiative.Status.COMPLETED: ["approved", "in_progress", "completed"],
        Initiative.Status.SUSPENDED: ["consultation", "suspended"],
        Initiative.Status.ABANDONED: ["abandoned"],
    }[status]
    if any(step in {"approved", "in_progress", "completed"} for step in path):
        approved_review(obj)
    for step in path:
        services.change_status(initiative=obj, to_status=step, by=None, reason="Test")
    return obj


def funding_line(initiative_obj: Initiative, **overrides) -> FundingLine:
    fields = {
        "initiative": initiative_obj,
        "funder": overrides.pop("funder", None) or actor(),
        "amount": Decimal("1000"),
        "kind": FundingLine.Kind.GRANT,
        "status": FundingLine.Status.SECURED,
        "year": 2024,
    }
    fields.update(overrides)
    obj = FundingLine(**fields)
    obj.full_clean()
    obj.save()
    return obj


def milestone(initiative_obj: Initiative, **overrides) -> Milestone:
    n = next(_counter)
    fields = {
        "initiative": initiative_obj,
        "title": f"Jalon {n}",
        "planned_on": datetime.date(2024, 6, 1),
        "weight": 1,
    }
    fields.update(overrides)
    obj = Milestone(**fields)
    obj.full_clean()
    obj.save()
    return obj


def indicator(initiative_obj: Initiative, **overrides) -> Indicator:
    n = next(_counter)
    fields = {"initiative": initiative_obj, "name": f"Indicateur {n}", "unit": "emplois", "target": Decimal("10")}
    fields.update(overrides)
    obj = Indicator(**fields)
    obj.full_clean()
    obj.save()
    return obj


def measurement(indicator_obj: Indicator, **overrides) -> Measurement:
    fields = {
        "indicator": indicator_obj,
        "initiative": indicator_obj.initiative,
        "measured_on": datetime.date(2024, 6, 1),
        "value": Decimal("1"),
    }
    fields.update(overrides)
    obj = Measurement(**fields)
    obj.full_clean()
    obj.save()
    return obj


def site(**overrides) -> Site:
    n = next(_counter)
    fields = {
        "name": f"Lieu fictif {n}",
        "kind": Site.Kind.GROUND_FLOOR,
        "commune": overrides.pop("commune", None) or commune(),
        "postal_code": "93100",
        "publication_status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = Site(**fields)
    obj.full_clean()
    obj.save()
    return obj


def consultation(initiative_obj: Initiative, **overrides):
    """A public consultation of `initiative_obj` (links added with `projects.services.link_consultation`)."""
    fields = {
        "initiative": initiative_obj,
        "held_on": datetime.date(2024, 3, 1),
        "title": f"Atelier fictif {next(_counter)}",
        "format": Consultation.Format.WORKSHOP,
        "participation_level": Consultation.Level.CONCERTATION,
    }
    fields.update(overrides)
    obj = Consultation(**fields)
    obj.full_clean()
    obj.save()
    return obj


def event(**overrides) -> Event:
    """A published, in-person event in Montreuil, starting in 10 days at 18:00 Paris time, for two hours."""
    n = next(_counter)
    actors = overrides.pop("actors", None)
    initiatives = overrides.pop("initiatives", None)
    starts_at = overrides.pop("starts_at", None) or timezone.localtime().replace(
        hour=18, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=10)
    fields = {
        "title": f"Événement fictif {n}",
        "kind": Event.Kind.WORKSHOP,
        "description": "Un événement fictif pour les tests.",
        "starts_at": starts_at,
        "ends_at": overrides.pop("ends_at", None) or starts_at + datetime.timedelta(hours=2),
        "commune": overrides.pop("commune", None) or commune(),
        "address": "1 rue de l'Essai",
        "publication_status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = Event(**fields)
    obj.full_clean()
    obj.save()
    if actors:
        obj.actors.set(actors)
    if initiatives:
        obj.initiatives.set(initiatives)
    return obj
