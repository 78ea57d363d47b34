"""Template tags of the public pages: navigation, opening hours in French, JSON-LD, map settings, accessibility."""

import json
from datetime import time

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from directory.accessibility import current_audit
from directory.hours import weekly_hours

register = template.Library()

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def nav_link(context, url: str, label: str):
    """A navigation link, marked `aria-current="page"` on its section."""
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == url if url == "/" else path.startswith(url)
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)


def _weekday_names():
    return [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")]


def _format_time(value: time, *, end: bool = False) -> str:
    if end and value.hour == 0 and value.minute == 0:
        return "24 h"
    return f"{value.hour} h {value.minute:02d}" if value.minute else f"{value.hour} h"


def describe_opening_hours(expression: str) -> dict | None:
    """Opening hours in French, day by day (consecutive days with the same hours grouped).

    Returns {"lines": [(days, hours), …], "holidays_closed": bool}, or None when the expression
    uses rules this rendering does not read (months, school holidays, sun times…): the page then
    shows the expression as it is.
    """
    week = weekly_hours(expression)
    if week is None:
        return None
    holidays_closed = week.holidays_closed
    per_day = [
        [f"{_format_time(opens)} – {_format_time(closes, end=True)}" for opens, closes in intervals]
        for intervals in week
    ]
    names = _weekday_names()
    lines = []
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and per_day[last + 1] == per_day[day]:
            last += 1
        text = ", ".join(per_day[day]) if per_day[day] else _("fermé")
        if text == "0 h – 24 h":
            text = _("24 h sur 24")
        if last == day:
            days = names[day].capitalize()
        elif last == day + 1:
            days = _("%(first)s et %(last)s") % {"first": names[day].capitalize(), "last": names[last]}
        else:
            days = _("du %(first)s au %(last)s") % {"first": names[day], "last": names[last]}
            days = days[0].upper() + days[1:]
        lines.append((days, text))
        day = last + 1
    return {"lines": lines, "holidays_closed": holidays_closed}


@register.filter
def opening_hours_fr(expression: str):
    return describe_opening_hours(expression)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's address on the public site (SITE_URL): its path, and its page number past the first.

    Filters and sort orders are views of the same page: search engines are pointed at the page itself.
    """
    request = context.get("request")
    if request is None:
        return settings.SITE_URL + "/"
    url = settings.SITE_URL + request.path
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url


@register.simple_tag
def json_ld(data):
    """A JSON-LD block; `<`, `>` and `&` are escaped so that no value can close the script element."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    # Safe: the payload is JSON with the three characters that could end the element escaped.
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')


@register.simple_tag
def map_tiles():
    """Where the map's background tiles come from (empty URL: markers on a plain background)."""
    return {"url": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION}


@register.simple_tag
def accessibility_mention():
    """The link text to the accessibility statement, in the RGAA's words: « Accessibilité : partiellement conforme »."""
    return _("Accessibilité : %(state)s") % {"state": current_audit().state_label}
