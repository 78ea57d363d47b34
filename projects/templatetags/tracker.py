"""Template tags of the tracker's public pages: server-rendered SVG charts, the actor page's initiatives and events.

Charts are drawn on the server as SVG (no JavaScript, no external library) and always come with
their data as an HTML table, which is the text alternative for screen readers and for print.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import template
from django.db.models import FilteredRelation, Q
from django.template.defaultfilters import floatformat
from django.utils.text import Truncator

from projects.models import Event, Initiative, Involvement
from projects.models.events import SHORTLIST_LENGTH

register = template.Library()

# Geometry of the horizontal bar charts. The SVG has no viewBox: it is as wide as its column and as
# tall as its rows, so that its text keeps the size the stylesheet gives it (15 px labels, never shrunk
# on a phone). Heights are pixels; bars are percentages of the width. A label wraps after LABEL_CHARS
# characters (what a 288 px chart, a 320 px screen's, holds at 15 px), its first line sharing the row
# with the value, which is right-aligned.
LABEL_CHARS = 30
LABEL_MAX_CHARS = 80
LINE_HEIGHT = 19
FIRST_BASELINE = 15
BAR_HEIGHT = 20
BAR_GAP = 5
ROW_GAP = 14
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
    value_text: str
    lines: list
    label_y: int
    bar_y: int
    url: str = ""
    segments: list = field(default_factory=list)


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def _label_lines(label: str, room_on_first_line: int) -> list[str]:
    """The label in lines of LABEL_CHARS at most, the first one leaving `room_on_first_line` for the value.

    Words longer than a line are cut; a first word too long for the first line starts the second.
    """
    words = []
    for word in Truncator(label).chars(LABEL_MAX_CHARS).split():
        words += [word[i : i + LABEL_CHARS] for i in range(0, len(word), LABEL_CHARS)]
    lines = [""]
    for word in words:
        limit = LABEL_CHARS - room_on_first_line if len(lines) == 1 else LABEL_CHARS
        candidate = f"{lines[-1]} {word}".strip()
        if len(candidate) <= limit:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


@register.inclusion_tag("projects/includes/hbar_chart.html")
def hbar_chart(chart: dict):
    """A horizontal bar chart (stacked when there are several series) and its data table.

    `chart`: {"id", "title", "summary", "series": [{"key", "label", "css_class"?}], "rows":
    [{"label", "values": [number per series], "url"?}], "unit"?: str, "show_total"?: bool}.
    """
    series = chart["series"]
    unit = chart.get("unit", "")
    totals = [sum(_number(v) for v in row["values"]) for row in chart["rows"]]
    scale_max = max(totals, default=0) or 1
    rows = []
    top = 0
    for row, total in zip(chart["rows"], totals, strict=True):
        value_text = floatformat(total, "-2g") + (f" {unit}" if unit else "")
        lines = _label_lines(row["label"], len(value_text) + 2)
        built = Row(
            label=row["label"],
            values=row["values"],
            total=total,
            value_text=value_text,
            lines=[(top + FIRST_BASELINE + index * LINE_HEIGHT, line) for index, line in enumerate(lines)],
            label_y=top + FIRST_BASELINE,
            bar_y=top + len(lines) * LINE_HEIGHT + BAR_GAP,
            url=row.get("url", ""),
        )
        x = 0.0
        for position, (item, value) in enumerate(zip(series, row["values"], strict=True)):
            width = _number(value) / scale_max * 100
            if width > 0:
                built.segments.append(
                    Segment(
                        x=round(x, 3),
                        width=round(width, 3),
                        value=value,
                        css_class=item.get("css_class") or f"chart-s{position % SERIES_CLASSES + 1}",
                        label=item["label"],
                    )
                )
            x += width
        rows.append(built)
        top = built.bar_y + BAR_HEIGHT + ROW_GAP
    for position, item in enumerate(series):
        item.setdefault("css_class", f"chart-s{position % SERIES_CLASSES + 1}")
    return {
        "chart": chart,
        "series": series,
        "rows": rows,
        "bar_height": BAR_HEIGHT,
        "height": max(top - ROW_GAP, LINE_HEIGHT + BAR_HEIGHT) + 2,
        "stacked": len(series) > 1,
        "show_total": chart.get("show_total", len(series) > 1),
        "unit": unit,
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


@register.simple_tag
def actor_events(actor) -> list[Event]:
    """The next published events an actor organises, in one query."""
    return list(Event.objects.shortlist().filter(actors=actor)[:SHORTLIST_LENGTH])
