"""The accessibility statement (« Déclaration d'accessibilité », RGAA 4.1) and the audit it publishes.

The audit is data: tests/accessibility/rgaa.toml, kept beside the tests that back each result
(tests/accessibility/test_rgaa_audit.py checks the file and the page against each other). This
module reads it, computes the conformity rate the RGAA way and renders the statement.
"""

import datetime
import math
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

AUDIT_FILE = Path(settings.BASE_DIR) / "tests" / "accessibility" / "rgaa.toml"

CONFORM, NOT_CONFORM, NOT_APPLICABLE = "C", "NC", "NA"
RESULT_LABELS = {
    CONFORM: gettext_lazy("conforme"),
    NOT_CONFORM: gettext_lazy("non conforme"),
    NOT_APPLICABLE: gettext_lazy("non applicable"),
}
# What backs a result (see the data file's header).
AXE_PREFIX, TEST_PREFIX, MANUAL = "axe:", "test:", "manuel"
# The three states of the statement, by the rate of criteria met (RGAA 4.1, « Obligations »).
TOTALLY, PARTIALLY, NOT_AT_ALL = "total", "partial", "none"
STATE_LABELS = {
    TOTALLY: gettext_lazy("totalement conforme"),
    PARTIALLY: gettext_lazy("partiellement conforme"),
    NOT_AT_ALL: gettext_lazy("non conforme"),
}


@dataclass(frozen=True)
class Criterion:
    number: str
    theme: str
    title: str
    result: str
    checks: tuple[str, ...]
    note: str

    @property
    def theme_number(self) -> int:
        return int(self.number.split(".")[0])

    @property
    def result_label(self) -> str:
        return RESULT_LABELS[self.result]

    @property
    def axe_rules(self) -> list[str]:
        return [check.removeprefix(AXE_PREFIX) for check in self.checks if check.startswith(AXE_PREFIX)]

    @property
    def tests(self) -> list[str]:
        """The tests' function names (without their files)."""
        return [check.rpartition("::")[2] for check in self.checks if check.startswith(TEST_PREFIX)]

    @property
    def manual(self) -> bool:
        return MANUAL in self.checks


@dataclass(frozen=True)
class Theme:
    number: int
    name: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class SamplePage:
    label: str
    url: str
    page: str  # the page's name in the browser tests (tests/browser/test_accessibility.py PAGES)


@dataclass(frozen=True)
class Audit:
    date: datetime.date
    axe_core_version: str
    browser: str
    sample: tuple[SamplePage, ...]
    criteria: tuple[Criterion, ...]

    def count(self, result: str) -> int:
        return sum(1 for criterion in self.criteria if criterion.result == result)

    @property
    def conform_count(self) -> int:
        return self.count(CONFORM)

    @property
    def not_conform_count(self) -> int:
        return self.count(NOT_CONFORM)

    @property
    def not_applicable_count(self) -> int:
        return self.count(NOT_APPLICABLE)

    @property
    def rate(self) -> Fraction | None:
        """The share of applicable criteria met: C / (C + NC), the RGAA's formula; None if none applies."""
        conform, not_conform = self.conform_count, self.not_conform_count
        if not conform + not_conform:
            return None
        return Fraction(conform, conform + not_conform)

    @property
    def rate_percent(self) -> float | None:
        """The rate in per cent, one decimal, rounded down: 99.96 % must not read as 100 %."""
        if self.rate is None:
            return None
        return math.floor(self.rate * 1000) / 10

    @property
    def state(self) -> str:
        if self.rate is None or self.rate == 1:
            return TOTALLY
        return PARTIALLY if self.rate >= Fraction(1, 2) else NOT_AT_ALL

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def themes(self) -> list[Theme]:
        themes: dict[int, list[Criterion]] = {}
        for criterion in self.criteria:
            themes.setdefault(criterion.theme_number, []).append(criterion)
        return [Theme(number, items[0].theme, tuple(items)) for number, items in themes.items()]

    @property
    def non_conformities(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.result == NOT_CONFORM]


def parse_audit(data: dict) -> Audit:
    """The audit from the data file's contents; a value it cannot use is a ValueError naming it."""
    criteria = []
    for item in data["criteria"]:
        if item["result"] not in RESULT_LABELS:
            raise ValueError(f"RGAA criterion {item['number']}: unknown result {item['result']!r}")
        criteria.append(
            Criterion(
                number=item["number"],
                theme=item["theme"],
                title=item["title"],
                result=item["result"],
                checks=tuple(item.get("checks", ())),
                note=item.get("note", ""),
            )
        )
    return Audit(
        date=data["date"],
        axe_core_version=data["tools"]["axe_core"],
        browser=data["tools"]["browser"],
        sample=tuple(SamplePage(label=p["label"], url=p["url"], page=p["page"]) for p in data["sample"]),
        criteria=tuple(criteria),
    )


@lru_cache(maxsize=4)
def _read(path: Path, modified_ns: int) -> Audit:
    with path.open("rb") as file:
        return parse_audit(tomllib.load(file))


def current_audit() -> Audit:
    """The published audit, read again only when its file changes (every page's footer shows its state)."""
    return _read(AUDIT_FILE, AUDIT_FILE.stat().st_mtime_ns)


@require_GET
def accessibility(request):
    return render(
        request,
        "directory/accessibility.html",
        {
            "audit": current_audit(),
            "site_url": request.build_absolute_uri("/"),
            "contact_email": settings.DEFAULT_FROM_EMAIL,
            "crumbs": [(_("Accessibilité"), "")],
        },
    )
