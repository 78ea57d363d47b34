"""axe-core figures of every page type, public and admin, at 1366 and 320 px, on a running portal.

    make run            # the demo, with its staff account demo / demo-ess-2026
    .venv/bin/python tests/accessibility/axe_report.py http://127.0.0.1:8000

Prints a Markdown table: violations by impact (axe-core's WCAG 2.1 AA and best-practice rules) and
whether the page scrolls sideways. The browser tests pin the serious and critical ones at 0; this report
also shows the moderate and minor ones, for the audit of the accessibility statement.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

AXE = (Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
IMPACTS = ("critical", "serious", "moderate", "minor")
WIDTHS = (1366, 320)
CHROMIUM = "/usr/bin/chromium"
PUBLIC = {
    "home": "/",
    "directory list": "/annuaire/",
    "directory map": "/annuaire/?view=map",
    "directory search": "/annuaire/?q=recyclerie+bondy",
    "initiatives": "/projets/",
    "strategy": "/strategie/",
    "support finder": "/accompagnement/?stage=creation&free=true",
    "sites": "/lieux/",
    "legal": "/mentions-legales/",
    "proposal form": "/annuaire/proposer/",
    "privacy": "/confidentialite/",
    "accessibility statement": "/accessibilite/",
    "api docs": "/api/v1/docs/",
}
ADMIN = {
    "admin index": "/admin/",
    "actor changelist": "/admin/directory/actor/",
    "actor add": "/admin/directory/actor/add/",
    "initiative changelist": "/admin/projects/initiative/",
    "initiative add": "/admin/projects/initiative/add/",
}
RUN_AXE = """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
    .violations.map(v => [v.id, v.impact, v.nodes.length])"""


def first_link(page, url: str, selector: str) -> str:
    page.goto(url)
    return page.locator(selector).first.get_attribute("href")


def audit(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE + "\n;undefined")
    violations = page.evaluate(RUN_AXE, TAGS)
    counts = {impact: sum(n for _, found, n in violations if found == impact) for impact in IMPACTS}
    sideways = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    return {**counts, "rules": sorted({rule for rule, *_ in violations}), "sideways": sideways}


def main(base: str) -> None:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for width in WIDTHS:
            context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
            page = context.new_page()
            public = dict(PUBLIC)
            public["actor"] = first_link(page, base + "/annuaire/", "#resultats li h3 a")
            public["initiative"] = first_link(page, base + "/projets/", "main li h3 a")
            public["not found"] = "/cette-page-n-existe-pas/"
            for name, path in public.items():
                rows.append(("public", name, width, audit(page, base + path)))
            page.goto(base + "/admin/login/")
            page.fill("#id_username", "demo")
            page.fill("#id_password", "demo-ess-2026")
            page.click("#login-form [type=submit]")
            page.wait_for_load_state()
            admin = dict(ADMIN)
            admin["actor change"] = first_link(page, base + "/admin/directory/actor/", "#result_list th a")
            admin["initiative change"] = first_link(page, base + "/admin/projects/initiative/", "#result_list th a")
            for name, path in admin.items():
                rows.append(("admin", name, width, audit(page, base + path)))
            context.close()
        browser.close()
    print("| section | page | width | critical | serious | moderate | minor | scrolls sideways | rules |")
    print("|---|---|---|---|---|---|---|---|---|")
    for section, name, width, found in rows:
        counts = " | ".join(str(found[impact]) for impact in IMPACTS)
        sideways = "yes" if found["sideways"] else "no"
        print(f"| {section} | {name} | {width} | {counts} | {sideways} | {', '.join(found['rules'])} |")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
