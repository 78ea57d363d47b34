"""The deals ledger rolled up: totals by year, programme, sector, commune, typology and kind, as SQL aggregates.

Every figure is an aggregate over the deals the caller may show (a queryset: the public page and the
API pass `Deal.objects.published()`, filtered): one query for the totals and one per dimension,
whatever the number of deals; no deal is read into Python. A deal counts under each sector of its
ESS actor (an actor working in two sectors puts its deals in both), so the sectors' rows may add up
to more than the total; every other dimension splits the total.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

ZERO = Decimal("0")


@dataclass(frozen=True)
class DealFigures:
    """What a group of deals adds up to. `amount` sums the deals with an amount (`with_amount` of them)."""

    deals: int = 0
    with_amount: int = 0
    amount: Decimal = ZERO
    integration_hours: int = 0
    jobs_created: int = 0


@dataclass(frozen=True)
class DealGroup:
    """One row of a dimension: its code (a year, a slug, an INSEE code, a choice's value), its name, its figures."""

    code: object
    name: str
    figures: DealFigures


@dataclass(frozen=True)
class DealRollup:
    totals: DealFigures
    by_year: list[DealGroup]
    by_programme: list[DealGroup]
    by_sector: list[DealGroup]
    by_commune: list[DealGroup]
    by_typology: list[DealGroup]
    by_kind: list[DealGroup]


SUMS = {
    "deals": Count("pk", distinct=True),
    "with_amount": Count("amount"),
    "amount_sum": Sum("amount"),
    "hours": Sum("integration_hours"),
    "jobs": Sum("jobs_created"),
}


def _figures(row: dict) -> DealFigures:
    return DealFigures(
        deals=row["deals"] or 0,
        with_amount=row["with_amount"] or 0,
        amount=row["amount_sum"] or ZERO,
        integration_hours=row["hours"] or 0,
        jobs_created=row["jobs"] or 0,
    )


def _groups(deals: QuerySet, code: str, name: str | None, *, order: list[str]) -> list[DealGroup]:
    fields = [code] if name is None else [code, name]
    rows = deals.order_by().values(*fields).annotate(**SUMS).order_by(*order)
    return [DealGroup(code=row[code], name=row[name] if name else "", figures=_figures(row)) for row in rows]


def deal_rollup(deals: QuerySet) -> DealRollup:
    """The figures of `deals` (7 queries). Deals without a programme or whose actor has no commune or sector
    form a group whose code is None."""
    deals = deals.order_by()
    totals = deals.aggregate(**SUMS)
    return DealRollup(
        totals=_figures(totals),
        by_year=_groups(deals, "year", None, order=["-year"]),
        by_programme=_groups(deals, "programme__slug", "programme__name", order=["programme__name"]),
        by_sector=_groups(
            deals, "ess_actor__sectors__slug", "ess_actor__sectors__name", order=["ess_actor__sectors__name"]
        ),
        by_commune=_groups(
            deals, "ess_actor__commune__insee_code", "ess_actor__commune__name", order=["ess_actor__commune__name"]
        ),
        by_typology=_groups(deals, "ess_actor__typology", None, order=["ess_actor__typology"]),
        by_kind=_groups(deals, "kind", None, order=["kind"]),
    )
