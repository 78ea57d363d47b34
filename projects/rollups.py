"""What the strategy says of each axis, rolled up from its initiatives: progress, money, indicators.

The rules, stated on the strategy page as they are applied here:

- An axis's progress is the mean of its initiatives' progress, weighted by their target budget
  when every one of them has a target budget above zero; otherwise each initiative counts the same.
- Abandoned initiatives are left out of every roll-up (progress, money, indicators); initiatives
  whose progress is unknown (no milestone, no progress set by hand) are left out of the progress.

Everything here works on rows already fetched (initiatives annotated with `with_progress()` and
`with_funding()`, indicators with `with_latest_measurement()`): no query of its own.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from projects.models import ZERO, Indicator, Initiative, Objective, StrategyAxis


class Weighting:
    BUDGET = "budget"
    EQUAL = "equal"
    NONE = "none"


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
class IndicatorRow:
    initiative: Initiative
    indicator: Indicator
    reached: bool | None


@dataclass(frozen=True)
class RolledUpIndicators:
    rows: list[IndicatorRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def measured(self) -> int:
        return sum(1 for row in self.rows if row.indicator.latest_measured_on is not None)

    @property
    def reached(self) -> int:
        return sum(1 for row in self.rows if row.reached)


@dataclass(frozen=True)
class ObjectiveGroup:
    objective: Objective | None
    initiatives: list[Initiative]


@dataclass(frozen=True)
class AxisRollup:
    axis: StrategyAxis
    initiatives: list[Initiative]
    groups: list[ObjectiveGroup]
    progress: RolledUpProgress
    money: RolledUpMoney
    indicators: RolledUpIndicators


def is_counted(initiative: Initiative) -> bool:
    """An initiative counts in the roll-ups unless it was abandoned."""
    return initiative.status != Initiative.Status.ABANDONED


def rolled_up_progress(initiatives: Sequence[Initiative]) -> RolledUpProgress:
    """The progress of a set of initiatives, by the rule of this module."""
    abandoned = sum(1 for initiative in initiatives if not is_counted(initiative))
    known = [(i.progress, i.target_budget) for i in initiatives if is_counted(i) and i.progress is not None]
    unknown = len(initiatives) - abandoned - len(known)
    if not known:
        return RolledUpProgress(None, Weighting.NONE, 0, abandoned, unknown)
    if all(budget for _progress, budget in known):
        total = sum(budget for _progress, budget in known)
        percent = round(sum(progress * budget for progress, budget in known) / total)
        weighting = Weighting.BUDGET
    else:
        percent = round(Decimal(sum(progress for progress, _budget in known)) / len(known))
        weighting = Weighting.EQUAL
    return RolledUpProgress(int(percent), weighting, len(known), abandoned, unknown)


def rolled_up_money(initiatives: Iterable[Initiative]) -> RolledUpMoney:
    """Sums of the counted initiatives' money (from `with_funding()` annotations)."""
    counted = [initiative for initiative in initiatives if is_counted(initiative)]
    targets = [initiative.target_budget for initiative in counted if initiative.target_budget is not None]
    return RolledUpMoney(
        counted=len(counted),
        target=sum(targets, ZERO),
        with_target=len(targets),
        requested=sum((initiative.funding_requested for initiative in counted), ZERO),
        secured=sum((initiative.funding_secured for initiative in counted), ZERO),
        paid=sum((initiative.funding_paid for initiative in counted), ZERO),
    )


def rolled_up_indicators(initiatives: Iterable[Initiative], indicators_by_initiative: dict) -> RolledUpIndicators:
    """The counted initiatives' indicators with their latest measurement (from `with_latest_measurement()`)."""
    rows = [
        IndicatorRow(
            initiative=initiative,
            indicator=indicator,
            reached=indicator.is_target_reached(indicator.latest_value),
        )
        for initiative in initiatives
        if is_counted(initiative)
        for indicator in indicators_by_initiative.get(initiative.pk, [])
    ]
    return RolledUpIndicators(rows)


def axis_rollups(
    *,
    axes: Iterable[StrategyAxis],
    objectives: Iterable[Objective],
    initiatives: Iterable[Initiative],
    indicators: Iterable[Indicator],
) -> list[AxisRollup]:
    """Each axis with its initiatives grouped by objective (objectives in order, then the others) and its roll-ups.

    `initiatives` are those the caller may show (the public pages pass published ones only), in display order.
    """
    by_axis = defaultdict(list)
    for initiative in initiatives:
        by_axis[initiative.axis_id].append(initiative)
    objectives_by_axis = defaultdict(list)
    for objective in objectives:
        objectives_by_axis[objective.axis_id].append(objective)
    indicators_by_initiative = defaultdict(list)
    for indicator in indicators:
        indicators_by_initiative[indicator.initiative_id].append(indicator)
    rollups = []
    for axis in axes:
        items = by_axis[axis.pk]
        axis_objectives = objectives_by_axis[axis.pk]
        groups = [
            ObjectiveGroup(objective, [i for i in items if i.objective_id == objective.pk])
            for objective in axis_objectives
        ]
        filed = {objective.pk for objective in axis_objectives}
        unfiled = [initiative for initiative in items if initiative.objective_id not in filed]
        if unfiled or not groups:
            groups.append(ObjectiveGroup(None, unfiled))
        rollups.append(
            AxisRollup(
                axis=axis,
                initiatives=items,
                groups=groups,
                progress=rolled_up_progress(items),
                money=rolled_up_money(items),
                indicators=rolled_up_indicators(items, indicators_by_initiative),
            )
        )
    return rollups
