"""What the strategy says of each axis, rolled up from its initiatives: states, progress, money, indicators.

The rules, stated on the strategy page as they are applied here:

- An axis's progress is the mean of its initiatives' progress, weighted by their target budget
  when every one of them has a target budget above zero; otherwise each initiative counts the same.
- Abandoned initiatives are left out of every roll-up (progress, money, indicators); initiatives
  whose progress is unknown (no milestone, no progress set by hand) are left out of the progress.

Every figure is a SQL aggregate over the initiatives the caller may show (a queryset: the public
pages pass published ones): a fixed number of queries, whatever the number of initiatives, and
no initiative is read into Python. Only the few aggregate rows (per axis, state, objective and
lead typology) are combined here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Mod

from projects.models import ZERO, FundingLine, Indicator, Initiative, Measurement, Objective, StrategyAxis

ABANDONED = Initiative.Status.ABANDONED


class Weighting:
    BUDGET = "budget"
    EQUAL = "equal"
    NONE = "none"


@dataclass(frozen=True)
class ProgressSums:
    """What a rolled-up progress is computed from: sums over the counted initiatives whose progress is known.

    Sums add up: the strategy's sums are the sum of its axes' sums.
    """

    known: int = 0
    with_budget: int = 0
    progress: int = 0
    weighted: Decimal = ZERO
    budget: Decimal = ZERO

    def __add__(self, other: "ProgressSums") -> "ProgressSums":
        return ProgressSums(
            known=self.known + other.known,
            with_budget=self.with_budget + other.with_budget,
            progress=self.progress + other.progress,
            weighted=self.weighted + other.weighted,
            budget=self.budget + other.budget,
        )


@dataclass(frozen=True)
class RolledUpProgress:
    """A rolled-up progress, with how it was weighted and what was left out."""

    percent: int | None
    weighting: str
    counted: int
    abandoned: int
    unknown: int


@dataclass(frozen=True)
class RolledUpMoney:
    """Money of the counted initiatives: target budgets (planned), requested, secured (committed), paid (spent)."""

    counted: int
    target: Decimal
    with_target: int
    requested: Decimal
    secured: Decimal
    paid: Decimal

    @property
    def secured_percent(self) -> int | None:
        """Share of the target budgets already secured (only meaningful when the targets are known)."""
        if not self.target:
            return None
        return min(100, int(self.secured * 100 / self.target))


@dataclass(frozen=True)
class RolledUpIndicators:
    """The counted initiatives' indicators: how many, how many measured, how many reached their target."""

    total: int = 0
    measured: int = 0
    reached: int = 0


@dataclass(frozen=True)
class ObjectiveCount:
    """An objective of an axis (None: the axis's initiatives filed under none of its objectives)."""

    objective: Objective | None
    initiatives: int


@dataclass(frozen=True)
class AxisRollup:
    axis: StrategyAxis
    initiative_count: int
    status_counts: dict[str, int]
    objectives: list[ObjectiveCount]
    progress: RolledUpProgress
    money: RolledUpMoney
    indicators: RolledUpIndicators


@dataclass(frozen=True)
class LedByTypology:
    """Initiatives (abandoned ones included) led by actors of one typology, and the money they secured."""

    initiatives: int = 0
    secured: Decimal = ZERO


@dataclass(frozen=True)
class StrategyRollup:
    axes: list[AxisRollup]
    initiative_count: int
    progress: RolledUpProgress
    led_by_typology: dict[str, LedByTypology] = field(default_factory=dict)
    has_fictional: bool = False


def rolled_up_progress(sums: ProgressSums, *, abandoned: int, unknown: int) -> RolledUpProgress:
    """The progress from its sums, by the rule of this module (rounded as `Initiative.progress` is)."""
    if not sums.known:
        return RolledUpProgress(None, Weighting.NONE, 0, abandoned, unknown)
    if sums.with_budget == sums.known:
        percent = round(sums.weighted / sums.budget)
        weighting = Weighting.BUDGET
    else:
        percent = round(Decimal(sums.progress) / sums.known)
        weighting = Weighting.EQUAL
    return RolledUpProgress(int(percent), weighting, sums.known, abandoned, unknown)


def _grouped(queryset: QuerySet, group_by: str, aggregates: str) -> list[tuple]:
    """`SELECT group_by, aggregates FROM (queryset) GROUP BY group_by`: aggregates over per-row values.

    For sums of values the inner query computes per row with aggregates or subqueries of its own
    (an initiative's progress, an indicator's latest value), which one ORM query cannot group again.
    """
    inner, params = queryset.query.sql_with_params()
    connection = connections[queryset.db]
    # Materialised, so that PostgreSQL computes each row's values once: merged into the outer query,
    # a subquery's value used by several aggregates would run once for each.
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sql = f"WITH per_row AS {materialized}({inner}) SELECT {group_by}, {aggregates} FROM per_row GROUP BY {group_by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _progress_sums(counted: QuerySet) -> dict[int, ProgressSums]:
    """Per axis, the progress sums of the counted initiatives (one query).

    Each initiative's progress is computed in an inner query (its milestones' weights grouped by
    initiative), rounded half to even in integer arithmetic as `Initiative.progress` rounds it, so
    that a roll-up agrees with the initiatives' own pages; the outer query sums them by axis.
    """
    total = Coalesce(Sum("milestones__weight"), 0)
    done = Coalesce(Sum("milestones__weight", filter=Q(milestones__done_on__isnull=False)), 0)
    per_initiative = (
        counted.order_by()
        .annotate(weight_total=total, weight_done=done)
        .annotate(
            quotient=F("weight_done") * 100 / F("weight_total"),
            twice_remainder=Mod(F("weight_done") * 100, F("weight_total")) * 2,
        )
        .annotate(
            axis_ref=F("axis"),
            progress_value=Case(
                When(progress_is_manual=True, then=F("manual_progress")),
                When(weight_total__lte=0, then=Value(None)),
                When(twice_remainder__gt=F("weight_total"), then=F("quotient") + 1),
                When(twice_remainder__lt=F("weight_total"), then=F("quotient")),
                default=F("quotient") + Mod(F("quotient"), 2),
                output_field=IntegerField(),
            ),
        )
        .values("axis_ref", "target_budget", "progress_value")
    )
    rows = _grouped(
        per_initiative,
        "axis_ref",
        "COUNT(progress_value), "
        "COUNT(CASE WHEN progress_value IS NOT NULL AND target_budget > 0 THEN 1 END), "
        "SUM(progress_value), "
        "SUM(CASE WHEN progress_value IS NOT NULL THEN progress_value * target_budget END), "
        "SUM(CASE WHEN progress_value IS NOT NULL THEN target_budget END)",
    )
    return {
        axis_id: ProgressSums(
            known=known,
            with_budget=with_budget,
            progress=int(progress or 0),
            weighted=_decimal(weighted),
            budget=_decimal(budget),
        )
        for axis_id, known, with_budget, progress, weighted, budget in rows
    }


def _decimal(value) -> Decimal:
    # PostgreSQL returns numeric sums as Decimal; SQLite as int or float.
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _indicator_counts(counted: QuerySet) -> dict[int, RolledUpIndicators]:
    """Per axis, the counted initiatives' indicators, measured ones and those at their target (one query).

    The latest value is read once per indicator (inner query); reaching the target is
    `Indicator.is_target_reached` (at or below it when the target is below the baseline).
    """
    latest = Measurement.objects.filter(indicator=OuterRef("pk")).order_by("-measured_on", "-pk").values("value")[:1]
    per_indicator = (
        Indicator.objects.filter(initiative__in=counted.values("pk"))
        .order_by()
        .annotate(axis_ref=F("initiative__axis"), latest_value=Subquery(latest))
        .values("axis_ref", "baseline", "target", "latest_value")
    )
    rows = _grouped(
        per_indicator,
        "axis_ref",
        "COUNT(*), COUNT(latest_value), "
        "COUNT(CASE WHEN target IS NOT NULL AND latest_value IS NOT NULL AND ("
        "(baseline IS NOT NULL AND target < baseline AND latest_value <= target) "
        "OR ((baseline IS NULL OR target >= baseline) AND latest_value >= target)) THEN 1 END)",
    )
    return {axis_id: RolledUpIndicators(total, measured, reached) for axis_id, total, measured, reached in rows}


def _funding_rows(initiatives: QuerySet) -> list[dict]:
    """Funding lines' sums by axis and initiative state (one query)."""
    S = FundingLine.Status
    return list(
        FundingLine.objects.filter(initiative__in=initiatives.values("pk"))
        .values("initiative__axis", "initiative__status")
        .annotate(
            requested=Sum("amount", filter=Q(status=S.REQUESTED)),
            secured=Sum("amount", filter=Q(status__in=[S.SECURED, S.PAID])),
            paid=Sum("amount", filter=Q(status=S.PAID)),
        )
        .order_by()
    )


def _led_by_typology(initiatives: QuerySet) -> dict[str, LedByTypology]:
    """Initiatives by their lead's typology, with the money they secured (one query)."""
    S = FundingLine.Status
    rows = (
        initiatives.filter(lead_actor__isnull=False)
        .values("lead_actor__typology")
        .annotate(
            initiatives=Count("pk", distinct=True),
            secured=Sum("funding_lines__amount", filter=Q(funding_lines__status__in=[S.SECURED, S.PAID])),
        )
        .order_by()
    )
    return {row["lead_actor__typology"]: LedByTypology(row["initiatives"], _decimal(row["secured"])) for row in rows}


def _initiative_rows(initiatives: QuerySet) -> list[dict]:
    """Initiatives counted by axis, objective and state, with their target budgets (one query)."""
    return list(
        initiatives.values("axis", "objective", "status")
        .annotate(
            n=Count("pk"),
            target=Sum("target_budget"),
            with_target=Count("target_budget"),
            fictional=Count("pk", filter=Q(is_fictional=True)),
        )
        .order_by()
    )


def strategy_rollup(initiatives: QuerySet) -> StrategyRollup:
    """Every axis with its roll-ups, and the strategy's, from the initiatives the caller may show.

    Queries: axes, objectives, initiatives grouped, progress sums, funding sums, initiatives by lead
    typology, indicator counts.
    """
    axes = list(StrategyAxis.objects.all())
    objectives = defaultdict(list)
    for objective in Objective.objects.order_by("position", "title", "pk"):
        objectives[objective.axis_id].append(objective)
    initiative_rows = _initiative_rows(initiatives)
    counted = initiatives.exclude(status=ABANDONED)
    progress_sums = _progress_sums(counted)
    funding_rows = _funding_rows(initiatives)
    led = _led_by_typology(initiatives)
    indicators = _indicator_counts(counted)

    statuses = defaultdict(lambda: defaultdict(int))
    by_objective = defaultdict(lambda: defaultdict(int))
    targets = defaultdict(lambda: [ZERO, 0])
    for row in initiative_rows:
        statuses[row["axis"]][row["status"]] += row["n"]
        by_objective[row["axis"]][row["objective"]] += row["n"]
        if row["status"] != ABANDONED:
            targets[row["axis"]][0] += _decimal(row["target"])
            targets[row["axis"]][1] += row["with_target"]
    money = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for row in funding_rows:
        if row["initiative__status"] != ABANDONED:
            sums = money[row["initiative__axis"]]
            sums[0] += _decimal(row["requested"])
            sums[1] += _decimal(row["secured"])
            sums[2] += _decimal(row["paid"])

    rollups = []
    overall_sums, overall_abandoned, overall_unknown = ProgressSums(), 0, 0
    for axis in axes:
        counts = dict(statuses[axis.pk])
        count = sum(counts.values())
        abandoned = counts.get(ABANDONED, 0)
        sums = progress_sums.get(axis.pk, ProgressSums())
        unknown = count - abandoned - sums.known
        overall_sums += sums
        overall_abandoned += abandoned
        overall_unknown += unknown
        axis_objectives = objectives[axis.pk]
        filed = {objective.pk for objective in axis_objectives}
        groups = [
            ObjectiveCount(objective, by_objective[axis.pk].get(objective.pk, 0)) for objective in axis_objectives
        ]
        unfiled = sum(n for objective_id, n in by_objective[axis.pk].items() if objective_id not in filed)
        if unfiled:
            groups.append(ObjectiveCount(None, unfiled))
        requested, secured, paid = money[axis.pk]
        rollups.append(
            AxisRollup(
                axis=axis,
                initiative_count=count,
                status_counts=counts,
                objectives=groups,
                progress=rolled_up_progress(sums, abandoned=abandoned, unknown=unknown),
                money=RolledUpMoney(
                    counted=count - abandoned,
                    target=targets[axis.pk][0],
                    with_target=targets[axis.pk][1],
                    requested=requested,
                    secured=secured,
                    paid=paid,
                ),
                indicators=indicators.get(axis.pk, RolledUpIndicators()),
            )
        )
    return StrategyRollup(
        axes=rollups,
        initiative_count=sum(row["n"] for row in initiative_rows),
        progress=rolled_up_progress(overall_sums, abandoned=overall_abandoned, unknown=overall_unknown),
        led_by_typology=led,
        has_fictional=any(row["fictional"] for row in initiative_rows),
    )
