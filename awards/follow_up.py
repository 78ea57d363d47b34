"""The laureates' follow-up: their yearly figures from the observatory, added up, year after year.

An actor's own figures are not public (docs/stewardship.md): the edition page shows the laureates'
approved figures added up per year from the edition's year on, with the observatory's rule for
small groups (a year resting on fewer than `OBSERVATORY_MIN_ACTORS` laureates is hidden).
"""

from dataclasses import dataclass

from awards.models import Edition, Laureate
from observatory import services as observatory
from observatory.models import METRICS, YearlyFigures


@dataclass
class FollowUp:
    laureates: int
    groups: list
    hidden: int
    threshold: int
    metrics: tuple = METRICS


def laureates_follow_up(edition: Edition, laureates: list[Laureate]) -> FollowUp | None:
    """The figures of `laureates` (published ones, with a directory listing) from `edition.year` on; one query."""
    actor_ids = {laureate.application.actor_id for laureate in laureates if laureate.application.actor_id}
    if not actor_ids:
        return None
    rows = observatory.figure_rows(
        YearlyFigures.objects.public().filter(actor_id__in=actor_ids, year__gte=edition.year)
    )
    years = observatory.breakdown("year", rows)
    return FollowUp(
        laureates=len(actor_ids),
        groups=sorted(years.groups, key=lambda group: group.year),
        hidden=years.hidden_groups,
        threshold=observatory.min_actors(),
    )
