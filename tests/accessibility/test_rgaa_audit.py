"""The RGAA audit (tests/accessibility/rgaa.toml) and the accessibility statement that publishes it.

The data file holds the 106 criteria of the RGAA 4.1 with their results; these tests keep it whole
(the official criteria, themes and counts), backed (each named test exists, each page of the
sample is one the browser tests visit) and published as it is (the page shows the same grid and
the rate computed from it). tests/browser/test_rgaa_audit.py runs the checks it names.
"""

import ast
import datetime
import json
import re
import tomllib
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils.html import escape

from directory import accessibility
from tests.browser.test_accessibility import PAGES

ROOT = Path(__file__).resolve().parents[2]
AXE_PACKAGE = ROOT / "node_modules" / "axe-core" / "package.json"

# The RGAA 4.1's themes and their number of criteria.
OFFICIAL_THEMES = {
    1: ("Images", 9),
    2: ("Cadres", 2),
    3: ("Couleurs", 3),
    4: ("Multimédia", 13),
    5: ("Tableaux", 8),
    6: ("Liens", 2),
    7: ("Scripts", 5),
    8: ("Éléments obligatoires", 10),
    9: ("Structuration de l’information", 4),
    10: ("Présentation de l’information", 14),
    11: ("Formulaires", 13),
    12: ("Navigation", 11),
    13: ("Consultation", 12),
}


@pytest.fixture(scope="module")
def data():
    with accessibility.AUDIT_FILE.open("rb") as file:
        return tomllib.load(file)


@pytest.fixture(scope="module")
def audit():
    return accessibility.current_audit()


def test_the_audit_has_the_106_criteria_of_the_rgaa_in_its_13_themes(audit):
    assert len(audit.criteria) == 106
    numbers = [criterion.number for criterion in audit.criteria]
    expected = [f"{theme}.{n}" for theme, (_, count) in OFFICIAL_THEMES.items() for n in range(1, count + 1)]
    assert numbers == expected
    for criterion in audit.criteria:
        assert criterion.theme == OFFICIAL_THEMES[criterion.theme_number][0], criterion.number
    assert [(theme.number, theme.name, len(theme.criteria)) for theme in audit.themes] == [
        (number, name, count) for number, (name, count) in OFFICIAL_THEMES.items()
    ]


def test_each_criterion_reads_as_an_official_question(audit):
    for criterion in audit.criteria:
        assert criterion.title.endswith(" ?"), criterion.number
        # Plain text: the glossary links of the source are not carried over.
        assert "](" not in criterion.title and "http" not in criterion.title, criterion.number


def test_each_result_says_what_backs_it(data):
    for item in data["criteria"]:
        number, result, checks, note = item["number"], item["result"], item.get("checks", []), item.get("note", "")
        assert result in {"C", "NC", "NA"}, number
        assert set(item) <= {"number", "theme", "title", "result", "checks", "note"}, number
        if result == "NA":
            assert not checks and note, f"{number}: a criterion that does not apply says why, with no check"
            continue
        assert checks, f"{number}: a C or NC result names the tests or checks that back it"
        for check in checks:
            assert check == "manuel" or re.fullmatch(r"axe:[a-z0-9-]+|test:tests/[\w/]+\.py::test_\w+", check), (
                number,
                check,
            )
        if "manuel" in checks or result == "NC":
            assert note, f"{number}: a manual check, or a failure, is described by a note"


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_each_named_test_exists(data):
    named = {check for item in data["criteria"] for check in item.get("checks", []) if check.startswith("test:")}
    assert named
    for check in named:
        path, _, function = check.removeprefix("test:").partition("::")
        assert (ROOT / path).is_file(), check
        assert function in _test_functions(ROOT / path), check


def test_the_sample_is_made_of_pages_the_browser_tests_visit(audit):
    pages = [sample.page for sample in audit.sample]
    assert len(pages) == len(set(pages))
    assert set(pages) <= set(PAGES)
    assert {"home", "legal page", "accessibility statement", "api docs"} <= set(pages)


def test_the_statement_names_the_installed_axe_core():
    if not AXE_PACKAGE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    installed = json.loads(AXE_PACKAGE.read_text(encoding="utf-8"))["version"]
    assert accessibility.current_audit().axe_core_version == installed, (
        "axe-core changed: run the audit's checks again, then update tools.axe_core and the date in rgaa.toml"
    )


def test_the_audit_is_dated(audit):
    assert isinstance(audit.date, datetime.date) and not isinstance(audit.date, datetime.datetime)
    assert audit.date <= datetime.date.today()


def _audit_of(results):
    criteria = [
        {"number": f"1.{i}", "theme": "Images", "title": "?", "result": result, "checks": [], "note": "n"}
        for i, result in enumerate(results, start=1)
    ]
    data = {"date": datetime.date(2026, 1, 1), "tools": {"axe_core": "0", "browser": "b"}, "sample": []}
    return accessibility.parse_audit({**data, "criteria": criteria})


@pytest.mark.parametrize(
    ("results", "rate", "percent", "state"),
    [
        (["C", "C", "C", "NC", "NA", "NA"], Fraction(3, 4), 75.0, "partial"),
        (["C", "NA"], Fraction(1), 100.0, "total"),
        (["C", "NC", "NC"], Fraction(1, 3), 33.3, "none"),
        (["C", "NC"], Fraction(1, 2), 50.0, "partial"),
        (["C"] * 2499 + ["NC"], Fraction(2499, 2500), 99.9, "partial"),
    ],
)
def test_the_rate_is_conform_over_applicable_criteria_and_sets_the_state(results, rate, percent, state):
    audit = _audit_of(results)
    assert audit.rate == rate
    assert audit.rate_percent == percent
    assert audit.state == state


def test_an_unknown_result_is_refused():
    with pytest.raises(ValueError, match="1.1"):
        _audit_of(["conforme"])


class _Grid(HTMLParser):
    """The audit grid of the statement: each table's caption and its rows (criterion, result, cells)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._in_caption = [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "audit-grid" in (attrs.get("class") or ""):
            self.tables.append({"caption": "", "rows": [], "headers": []})
        elif not self.tables:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and "data-criterion" in attrs:
            row = {"number": attrs["data-criterion"], "result": attrs["data-result"], "cells": []}
            self.tables[-1]["rows"].append(row)
        elif tag in {"th", "td"}:
            self._cell = {"tag": tag, "scope": attrs.get("scope"), "text": ""}

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in {"th", "td"} and self._cell is not None and self.tables:
            table = self.tables[-1]
            (table["rows"][-1]["cells"] if table["rows"] else table["headers"]).append(self._cell)
            self._cell = None

    def handle_data(self, text):
        if self._in_caption:
            self.tables[-1]["caption"] += text
        if self._cell is not None:
            self._cell["text"] += text


@pytest.fixture
def statement(client):
    response = client.get("/accessibilite/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_statement_publishes_the_same_grid_grouped_by_theme(statement, audit):
    grid = _Grid()
    grid.feed(statement)
    assert len(grid.tables) == 13
    for table, theme in zip(grid.tables, audit.themes, strict=True):
        caption = f"Thème {theme.number} : {theme.name} ({len(theme.criteria)} critères)"
        assert " ".join(table["caption"].split()) == caption
        assert [(cell["tag"], cell["scope"]) for cell in table["headers"]] == [("th", "col")] * 4
        rows = [(row["number"], row["result"]) for row in table["rows"]]
        assert rows == [(criterion.number, criterion.result) for criterion in theme.criteria]
        for row, criterion in zip(table["rows"], theme.criteria, strict=True):
            number, title, result, _ = row["cells"]
            assert (number["tag"], number["scope"], number["text"]) == ("th", "row", criterion.number)
            assert title["text"] == criterion.title
            assert result["text"] == str(criterion.result_label).capitalize()


@pytest.mark.django_db
def test_the_statement_gives_the_rate_and_the_state_computed_from_the_audit(statement, audit):
    assert audit.rate == Fraction(audit.conform_count, audit.conform_count + audit.not_conform_count)
    percent = f"{audit.rate_percent:.1f}".replace(".", ",").removesuffix(",0")
    assert f"<strong>{percent}&nbsp;%</strong> des critères du RGAA version 4.1 sont respectés" in statement
    assert f"est <strong>{audit.state_label}</strong> avec le référentiel général" in statement
    counts = f"{audit.conform_count} sont conformes, {audit.not_conform_count} non conformes et "
    assert counts + f"{audit.not_applicable_count} non applicables" in statement
    assert audit.date.strftime("%Y") in statement and "auto-évaluation réalisée par l'équipe du projet" in statement
    for criterion in audit.non_conformities:
        assert escape(criterion.note) in statement


@pytest.mark.django_db
def test_the_statement_gives_the_contact_and_the_recourse(statement, settings):
    assert f'href="mailto:{settings.DEFAULT_FROM_EMAIL}"' in statement
    assert "Défenseur des droits" in statement and "formulaire en ligne" in statement and "délégué" in statement
    assert "Libre réponse 71120<br>75342 Paris CEDEX 07" in statement
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in statement


@pytest.mark.django_db
def test_the_statement_lists_its_sample_and_tools(statement, audit):
    for sample in audit.sample:
        assert sample.label in statement
    assert f"axe-core {audit.axe_core_version}" in statement
    assert audit.browser in statement


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/annuaire/", "/mentions-legales/", "/accessibilite/", "/api/v1/docs/"])
def test_every_page_links_the_statement_with_the_conformity_state(client, url):
    content = client.get(url).content.decode()
    state = accessibility.current_audit().state_label
    assert f'<a href="/accessibilite/">Accessibilité : {state}</a>' in content


@pytest.mark.django_db
def test_the_sitemap_lists_the_statement(client, read_sitemap):
    assert "<loc>http://testserver/accessibilite/</loc>" in read_sitemap(client)
