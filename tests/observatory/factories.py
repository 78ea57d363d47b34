"""Small factories of the observatory's tests."""

from decimal import Decimal

from observatory import services
from observatory.models import FigureSource, YearlyFigures


def figures(actor, year: int = 2025, *, source: str = FigureSource.DECLARED, **values) -> YearlyFigures:
    """Approved figures of `actor` for `year`, each value given with `source`."""
    row = YearlyFigures(actor=actor, year=year)
    for name, value in values.items():
        if isinstance(value, float):
            value = Decimal(str(value))
        setattr(row, name, value)
        setattr(row, f"{name}_source", source)
    return services.record_figures(figures=row)


def enough_for_a_group(year: int = 2025) -> None:
    """Three published actors with figures: a group the observatory shows."""
    from tests import factories

    for employees in (1, 2, 3):
        figures(factories.actor(is_fictional=True), year, employees=employees, fte=employees / 2)
