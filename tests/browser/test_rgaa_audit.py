"""The checks that the RGAA audit (tests/accessibility/rgaa.toml) names, run on every page of its sample.

Each test walks the sample's pages (tests/browser/test_accessibility.py PAGES names them) in one
browser tab and reports every page that fails, so that one run says which results no longer hold.
"""

from directory.accessibility import CONFORM, current_audit
from tests.browser.conftest import axe_violations, format_violations, load_axe
from tests.browser.test_accessibility import PAGES, wait_until_drawn

AUDIT = current_audit()
# More Tab presses than any page of the sample has focusable elements (the API docs have the most).
TAB_LIMIT = 800
# RGAA 10.1: elements and attributes that only present the information (HTML namespace only: SVG
# draws with its own width, height and fill).
PRESENTATIONAL_ELEMENTS = "basefont, big, blink, center, font, marquee, s, strike, tt"
PRESENTATIONAL_ATTRIBUTES = [
    "align", "alink", "background", "bgcolor", "border", "cellpadding", "cellspacing", "char", "charoff",
    "clear", "compact", "color", "frameborder", "hspace", "link", "marginheight", "marginwidth", "text",
    "valign", "vlink", "vspace",
]  # fmt: skip
SIZED_ELEMENTS = {"IMG", "OBJECT", "EMBED", "CANVAS", "SVG", "IFRAME", "VIDEO", "INPUT", "SELECT"}


def _sample(data):
    return [(sample.page, PAGES[sample.page](data)) for sample in AUDIT.sample]


def _visit(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response.ok, f"{path}: {response.status}"
    wait_until_drawn(page)


def test_axe_rules_backing_conform_criteria_pass_on_every_sample_page(page, live_server, portal_data):
    conform = [criterion for criterion in AUDIT.criteria if criterion.result == CONFORM]
    rules = sorted({rule for criterion in conform for rule in criterion.axe_rules})
    failures = []
    for name, path in _sample(portal_data):
        _visit(page, live_server, path)
        load_axe(page)
        unknown = set(rules) - set(page.evaluate("() => axe.getRules().map(rule => rule.ruleId)"))
        assert not unknown, f"the audit names axe-core rules that do not exist: {sorted(unknown)}"
        # Any violation, whatever its impact: these rules back a « conforme ».
        violations = axe_violations(page, rules=rules)
        if violations:
            failures.append(f"{name} ({path}):\n{format_violations(violations)}")
    assert not failures, "\n".join(failures)


def test_sample_pages_reflow_without_horizontal_scrolling(page, live_server, portal_data):
    """RGAA 10.11 at 320 CSS pixels, and 10.4: a 1280-pixel window zoomed to 200 % is 640 pixels wide."""
    failures = []
    for width, height in [(320, 640), (640, 450)]:
        page.set_viewport_size({"width": width, "height": height})
        for name, path in _sample(portal_data):
            _visit(page, live_server, path)
            scroll = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll[0] > scroll[1] + 1:
                failures.append(f"{name} at {width} px: the page is {scroll[0]} px wide")
    assert not failures, "\n".join(failures)


def _focus_walk(page) -> dict:
    """Press Tab until focus leaves the page; the elements reached, those whose focus is not visible."""
    reached, hidden, previous = 0, [], None
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => {
                const element = document.activeElement;
                if (!element || element === document.body) { return null; }
                const style = getComputedStyle(element);
                const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
                const name = element.getAttribute("aria-label") || element.textContent, path = [];
                for (let e = element; e && e !== document.body; e = e.parentElement) {
                    path.unshift(e.tagName + ":" + Array.prototype.indexOf.call(e.parentElement.children, e));
                }
                return {path: path.join("/"), visible: outline || style.boxShadow !== "none",
                        label: element.tagName + " " + name.trim().slice(0, 60)};
            }"""
        )
        if state is None:
            return {"reached": reached, "hidden": hidden, "stuck": False}
        if previous is not None and state["path"] == previous:
            return {"reached": reached, "hidden": hidden, "stuck": True}
        reached += 1
        previous = state["path"]
        if not state["visible"]:
            hidden.append(state["label"])
    return {"reached": reached, "hidden": hidden, "stuck": True}


def test_focus_stays_visible_and_the_keyboard_never_gets_stuck(page, live_server, portal_data):
    """RGAA 10.7, 12.8 and 12.9: Tab goes through every page to its end, each focus shown."""
    failures = []
    for name, path in _sample(portal_data):
        _visit(page, live_server, path)
        walk = _focus_walk(page)
        if walk["stuck"] or walk["reached"] < 5:
            failures.append(f"{name}: Tab stopped after {walk['reached']} elements")
        if walk["hidden"]:
            failures.append(f"{name}: focus not visible on {walk['hidden'][:5]}")
    assert not failures, "\n".join(failures)


def test_the_skip_link_comes_first_and_moves_to_the_content(page, live_server, portal_data):
    """RGAA 12.7: the first Tab reaches a visible link to the main content, which takes the focus there."""
    failures = []
    for name, path in _sample(portal_data):
        _visit(page, live_server, path)
        page.keyboard.press("Tab")
        link = page.evaluate(
            """() => {
                const e = document.activeElement, box = e.getBoundingClientRect();
                return {tag: e.tagName, href: e.getAttribute("href") || "", text: e.textContent.trim(),
                        visible: box.width > 0 && box.top >= 0 && box.bottom <= window.innerHeight};
            }"""
        )
        if link["tag"] != "A" or not link["href"].startswith("#") or not link["visible"]:
            failures.append(f"{name}: the first Tab reaches {link}")
            continue
        page.keyboard.press("Enter")
        target = link["href"][1:]
        if page.evaluate("() => document.activeElement.id") != target:
            failures.append(f"{name}: « {link['text']} » does not move the focus to #{target}")
            continue
        page.keyboard.press("Tab")
        if not page.evaluate("(id) => document.getElementById(id).contains(document.activeElement)", target):
            failures.append(f"{name}: after « {link['text']} », Tab leaves #{target}")
    assert not failures, "\n".join(failures)


def test_sample_pages_declare_a_doctype_and_no_presentational_markup(page, live_server, portal_data):
    """RGAA 8.1 and 10.1: an HTML doctype; no presentational element or attribute (styles do the presenting)."""
    failures = []
    for name, path in _sample(portal_data):
        _visit(page, live_server, path)
        found = page.evaluate(
            """([elements, attributes, sized]) => {
                const html = "http://www.w3.org/1999/xhtml", found = [];
                if (!document.doctype || document.doctype.name !== "html") { found.push("no HTML doctype"); }
                document.querySelectorAll(elements).forEach(e => found.push("<" + e.tagName.toLowerCase() + ">"));
                document.querySelectorAll("*").forEach(e => {
                    if (e.namespaceURI !== html) { return; }
                    attributes.forEach(a => { if (e.hasAttribute(a)) { found.push(e.tagName + "[" + a + "]"); } });
                    ["width", "height", "size"].forEach(a => {
                        if (e.hasAttribute(a) && !sized.includes(e.tagName)) { found.push(e.tagName + "[" + a + "]"); }
                    });
                });
                return found;
            }""",
            [PRESENTATIONAL_ELEMENTS, PRESENTATIONAL_ATTRIBUTES, sorted(SIZED_ELEMENTS)],
        )
        if found:
            failures.append(f"{name}: {sorted(set(found))[:10]}")
    assert not failures, "\n".join(failures)


def test_map_markers_and_their_popups_work_with_the_keyboard(page, live_server, portal_data):
    """RGAA 7.3 and 12.11: a marker opens its popup with Enter, and Tab reaches the popup's link."""
    _visit(page, live_server, "/lieux/")
    for _ in range(10):
        if page.locator("#carte-lieux .leaflet-popup").count():
            break
        markers = page.locator("#carte-lieux .leaflet-marker-icon:not(.marker-cluster)")
        target = markers.first if markers.count() else page.locator("#carte-lieux .marker-cluster").first
        target.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)  # Leaflet's zoom animation, when Enter opened a cluster
    popup = page.locator("#carte-lieux .leaflet-popup")
    popup.wait_for()
    assert popup.get_by_role("link").count() == 1
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')"):
            break
    assert page.evaluate("() => document.activeElement.matches('.leaflet-popup a[href]')")
