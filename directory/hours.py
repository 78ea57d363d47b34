"""Weekly opening hours read from OpenStreetMap's `opening_hours` syntax, for the page and for schema.org.

Only the simple rules are read (weekdays, times, « off »/« closed », « 24/7 » and « PH off »);
an expression with months, school holidays or sun times is shown as it is written.
"""

import re
from datetime import datetime, time, timedelta

from opening_hours import OpeningHours, State

# A week without public holidays (no country is given to the parser anyway) to read a weekly schedule.
_REFERENCE_MONDAY = datetime(2024, 1, 8)
_SIMPLE_RULES_RE = re.compile(
    r"^\s*(24/7|((Mo|Tu|We|Th|Fr|Sa|Su)([-,](Mo|Tu|We|Th|Fr|Sa|Su))*\s*)?"
    r"((\d{2}:\d{2}-\d{2}:\d{2})(,\d{2}:\d{2}-\d{2}:\d{2})*|off|closed)?|PH\s+(off|closed))\s*$"
)
DAY_CODES = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


class WeeklyHours(list):
    """Seven lists (Monday first) of (opens, closes) times; `closes` is 00:00 for midnight."""

    holidays_closed: bool = False


def weekly_hours(expression: str) -> WeeklyHours | None:
    """The open intervals of each weekday, or None when the expression is not a simple weekly one."""
    rules = [rule for rule in (expression or "").split(";") if rule.strip()]
    if not rules or not all(_SIMPLE_RULES_RE.match(rule) for rule in rules):
        return None
    for start, end in re.findall(r"(\d{2}:\d{2})-(\d{2}:\d{2})", expression):
        if end <= start:  # spans midnight: shown as written rather than split across days
            return None
    try:
        hours = OpeningHours(";".join(rule for rule in rules if not rule.strip().startswith("PH")) or "off")
        intervals = list(hours.intervals(_REFERENCE_MONDAY, _REFERENCE_MONDAY + timedelta(days=7)))
    except (SyntaxError, ValueError):
        return None
    week = WeeklyHours([] for _day in range(7))
    week.holidays_closed = any(rule.strip().startswith("PH") for rule in rules)
    for start, end, state, _comment in intervals:
        if state != State.OPEN:
            continue
        cursor = start
        while cursor < end:
            day_end = min(end, datetime.combine(cursor.date() + timedelta(days=1), time.min))
            if cursor >= _REFERENCE_MONDAY:
                week[cursor.weekday()].append((cursor.time(), day_end.time()))
            cursor = day_end
    return week


def schema_org_opening_hours(expression: str) -> list[str]:
    """schema.org `openingHours` values (« Mo-Fr 09:00-18:00 »), consecutive days with the same hours grouped."""
    week = weekly_hours(expression)
    if week is None:
        return []
    values = []
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and week[last + 1] == week[day]:
            last += 1
        if week[day]:
            days = DAY_CODES[day] if last == day else f"{DAY_CODES[day]}-{DAY_CODES[last]}"
            times = ",".join(
                f"{opens:%H:%M}-{'24:00' if closes == time.min else f'{closes:%H:%M}'}" for opens, closes in week[day]
            )
            values.append(f"{days} {times}")
        day = last + 1
    return values
