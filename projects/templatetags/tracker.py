"""Template tags of the tracker's public pages: server-rendered SVG charts and the actor page's initiatives.

Charts are drawn on the server as SVG (no JavaScript, no external library) and always come with
their data as an HTML table, which is the text alternative for screen readers and for print.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import template
from django.db.models import FilteredRelation, Q

from projects.models import Initiative, Involvement

register = template.Library()

# Geometry of the horizontal bar charts, in SVG user units (the SVG scales to its container).
CHART_WIDTH = 640
BAR_AREA = 500
ROW_HEIGHT = 52
BAR_HEIGHT = 20
LABEL_OFFSET = 17
SERIES_CLASSES = 8


@dataclass
class Segment:
    x: float
    width: float
    value: float
    css_class: str
    label: str


@dataclass
class Row:
    label: str
    values: list
    total: float
    label_y: float
    bar_y: float
    value_x: float
    value_y: float
    url: str = ""
    segments: list = field(default_factory=list)


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


@register.inclusion_tag("projects/includes/hbar_chart.html")
def hbar_chart(chart: dict):
    """A horizontal bar chart (stacked when there are several series) and its data table.

    `chart`: {"id", "title", "summary", "series": [{"key", "label", "css_class"?}], "rows":
    [{"label", "values": [number per series], "url"?}], "unit"?: str, "show_total"?: bool}.
    """
    series = chart["series"]
    totals = [sum(_number(v) for v in row["values"]) for row in chart["rows"]]
    scale_max = max(totals, default=0) or 1
    rows = []
    for index, (row, total) in enumerate(zip(chart["rows"], totals, strict=True)):
        top = index * ROW_HEIGHT
        built = Row(
            label=row["label"],
            values=row["values"],
            total=total,
            label_y=top + LABEL_OFFSET,
            bar_y=top + LABEL_OFFSET + 6,
            value_x=0,
            value_y=top + LABEL_OFFSET + 6 + BAR_HEIGHT - 4,
            url=row.get("url", ""),
        )
        x = 0.0
        for position, (item, value) in enumerate(zip(series, row["values"], strict=True)):
            width = _number(value) / scale_max * BAR_AREA
            if width > 0:
                built.segments.append(
                    Segment(
                        x=round(x, 2),
                        width=round(width, 2),
                        value=value,
                        css_class=item.get("css_class") or f"chart-s{position % SERIES_CLASSES + 1}",
                        label=item["label"],
                    )
                )
            x += width
        built.value_x = round(x + 6, 2)
        rows.append(built)
    for position, item in enumerate(series):
        item.setdefault("css_class", f"chart-s{position % SERIES_CLASSES + 1}")
    return {
        "chart": chart,
        "series": series,
        "rows": rows,
        "width": CHART_WIDTH,
        "bar_area": BAR_AREA,
        "bar_height": BAR_HEIGHT,
        "height": max(len(rows), 1) * ROW_HEIGHT + 4,
        "stacked": len(series) > 1,
        "show_total": chart.get("show_total", len(series) > 1),
        "unit": chart.get("unit", ""),
    }


@register.inclusion_tag("projects/includes/progress.html")
def progress_bar(initiative: Initiative):
    """The initiative's progress as a native <progress> with its value in words."""
    return {"progress": initiative.progress, "source": initiative.progress_source}


@register.simple_tag
def actor_initiatives(actor) -> list[dict]:
    """Published initiatives an actor takes part in, with its roles (lead and involvements), in one query."""
    rows = (
        Initiative.objects.published()
        .annotate(own=FilteredRelation("involvements", condition=Q(involvements__actor=actor)))
        .filter(Q(lead_actor=actor) | Q(own__isnull=False))
        .values("pk", "slug", "title", "status", "lead_actor_id", "own__role", "axis__title")
        .order_by("title", "pk")
    )
    by_initiative: dict[int, dict] = {}
    role_labels = dict(Involvement.Role.choices)
    status_labels = dict(Initiative.Status.choices)
    for row in rows:
        item = by_initiative.setdefault(
            row["pk"],
            {
                "slug": row["slug"],
                "title": row["title"],
                "status": status_labels.get(row["status"], row["status"]),
                "axis": row["axis__title"],
                "roles": [],
            },
        )
        roles = item["roles"]
        if row["lead_actor_id"] == actor.pk and role_labels[Involvement.Role.LEAD] not in roles:
            roles.append(role_labels[Involvement.Role.LEAD])
        if row["own__role"] and role_labels[row["own__role"]] not in roles:
            roles.append(role_labels[row["own__role"]])
    return list(by_initiative.values())
