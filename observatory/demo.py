"""Three years of fictional yearly figures for the demo actors of the directory.

Loaded by `python manage.py load_demo` after the demo directory. Every row is `is_fictional=True`
and belongs to a demo actor (slug ending in « (fictif) »'s « -fictif »). The values are derived
from each actor's slug (a checksum), so that two runs, on any machine, give the same figures.
Idempotent: an actor's year that already has figures is left as it is. The rows obey the model's
rules (`YearlyFigures.clean`), written in bulk with their history.
"""

import zlib
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from directory.history import provenance_attrs
from directory.models import Actor
from observatory.models import FigureSource, YearlyFigures

DEMO_YEARS = (2023, 2024, 2025)
SOURCES = (FigureSource.DECLARED, FigureSource.SIRENE, FigureSource.ESTIMATE)


def _digits(slug: str, salt: str) -> int:
    return zlib.crc32(f"{salt}:{slug}".encode())


def demo_figures(actor: Actor, year: int) -> YearlyFigures:
    """The fictional figures of `actor` for `year`: a base from the actor, a few per cent more each year."""
    seed = _digits(actor.slug, "base")
    step = DEMO_YEARS.index(year) if year in DEMO_YEARS else 0
    growth = Decimal(100 + step * (seed % 7)) / 100
    employees = actor.employees if actor.employees is not None else seed % 40
    employees = int(employees * growth)
    fte = actor.fte if actor.fte is not None else Decimal(employees) * Decimal("0.8")
    fte = min(Decimal(fte) * growth, Decimal(employees) * 2).quantize(Decimal("0.1"))
    volunteers = actor.volunteers if actor.volunteers is not None else _digits(actor.slug, "volunteers") % 60
    figures = YearlyFigures(actor=actor, year=year, is_fictional=True, status=YearlyFigures.Status.APPROVED)
    source = SOURCES[seed % len(SOURCES)]
    figures.employees, figures.employees_source = employees, source
    figures.fte, figures.fte_source = fte, source
    figures.volunteers, figures.volunteers_source = int(volunteers * growth), FigureSource.DECLARED
    if seed % 3:
        figures.members, figures.members_source = _digits(actor.slug, "members") % 400, FigureSource.DECLARED
    figures.budget = int((employees * 42_000 + (seed % 90_000)) * growth)
    figures.budget_source = FigureSource.DECLARED if seed % 2 else FigureSource.ESTIMATE
    if actor.typology == "entrepreneurial" or seed % 5 == 0:
        figures.integration_hours = int((_digits(actor.slug, "hours") % 6_000) * growth)
        figures.integration_hours_source = FigureSource.DECLARED
    if seed % 4:
        share = Decimal(_digits(actor.slug, "share") % 1000) / 10
        figures.local_purchasing_share = min(share + step, Decimal(100))
        figures.local_purchasing_share_source = FigureSource.DECLARED
    figures.note = "Chiffres de démonstration (fictif)."
    return figures


@transaction.atomic
def load_figures_demo() -> dict[str, int]:
    """Create the demo actors' missing figures for DEMO_YEARS; return how many rows were created."""
    actors = list(Actor.objects.filter(source=Actor.Source.DEMO, is_fictional=True).order_by("slug"))
    existing = set(YearlyFigures.objects.filter(actor__in=actors, year__in=DEMO_YEARS).values_list("actor_id", "year"))
    rows = []
    for actor in actors:
        for year in DEMO_YEARS:
            if (actor.pk, year) in existing:
                continue
            figures = demo_figures(actor, year)
            figures.clean_fields(exclude=["actor"])
            figures.clean()
            rows.append(figures)
    bulk_create_with_history(rows, YearlyFigures, custom_historical_attrs=provenance_attrs(YearlyFigures.history.model))
    return {"chiffres annuels fictifs": len(rows)}
