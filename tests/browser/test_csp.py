"""The Content-Security-Policy in Chromium: no page of the site breaks it, and the API docs still work.

Every page is visited with an init script that records the browser's `securitypolicyviolation`
events, and console errors are collected too (a refused script or style, an unknown
Permissions-Policy feature): both must stay empty. The `page` fixture already fails on any
request outside the site and on JavaScript errors.
"""

import pytest

from tests.browser.conftest import sign_in_as_superuser

INIT_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber,
    sample: e.sample,
}));
"""


@pytest.fixture
def watched(page):
    """The `page` tab, recording CSP violations (window.__csp) and console errors."""
    page.add_init_script(INIT_SCRIPT)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    return page


def _visit(page, url, *, ready=None):
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    if ready:
        page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    return response


def _assert_clean(page, url, *, expected_violations=(), expected_errors=()):
    """No CSP violation and no console error, but those expected (given as `blocked` URIs, error prefixes)."""
    violations = [v for v in page.evaluate("() => window.__csp") if v["blocked"] not in expected_violations]
    errors = [e for e in page.console_errors if not e.startswith(tuple(expected_errors))]
    # Chromium's console message names the hash or source that the policy would need.
    assert not violations, f"{url}: CSP violations {violations}\n{page.console_errors}"
    assert not errors, f"{url}: console errors {errors}"


def test_public_pages_break_no_csp_rule(watched, live_server, portal_data):
    actor = portal_data["actors"][0]
    initiative = portal_data["initiative"]
    pages = [
        ("/", None),
        ("/annuaire/", ".cards .card"),
        ("/annuaire/?view=map", "#carte-resultats[data-marker-count]"),
        (actor.get_absolute_url(), "h1"),
        ("/accompagnement/", "h1"),
        ("/projets/", ".initiative-card"),
        (initiative.get_absolute_url(), "#carte-projet[data-marker-count]"),
        ("/strategie/", "svg[data-chart]"),
        ("/mentions-legales/", "h1"),
        ("/confidentialite/", "h1"),
        ("/lieux/", "#carte-lieux[data-marker-count]"),
    ]
    for path, ready in pages:
        _visit(watched, live_server.url + path, ready=ready)
        _assert_clean(watched, path)
    # The maps drew their markers (Leaflet sets its positions through element.style, which CSP allows).
    assert watched.locator("#carte-lieux .leaflet-marker-icon").count() >= 1


def test_the_not_found_page_breaks_no_csp_rule(watched, live_server, portal_data):
    response = watched.goto(live_server.url + "/page-qui-n-existe-pas/")
    assert response.status == 404
    assert "content-security-policy" in response.headers
    watched.wait_for_load_state("networkidle")
    document_404 = "Failed to load resource: the server responded with a status of 404"
    _assert_clean(watched, "404", expected_errors=[document_404])


def test_swagger_ui_renders_under_the_policy(watched, live_server, portal_data):
    response = _visit(watched, live_server.url + "/api/v1/docs/", ready=".swagger-ui .opblock-tag")
    assert "'nonce-" in response.headers["content-security-policy"]
    assert watched.locator(".swagger-ui .info .title").inner_text().startswith("ESS Portal — API partenaires")
    assert watched.locator(".swagger-ui .opblock").count() > 10
    # Open an operation: its parameters and schemas render too.
    watched.locator(".swagger-ui .opblock-summary").first.click()
    watched.wait_for_selector(".swagger-ui .opblock-body")
    _assert_clean(watched, "/api/v1/docs/")


def test_redoc_renders_under_the_policy(watched, live_server, portal_data):
    _visit(watched, live_server.url + "/api/v1/redoc/", ready="#redoc-container .api-content h1")
    assert watched.locator("#redoc-container .api-content h1").first.inner_text().startswith("ESS Portal")
    # ReDoc's styles (inserted with the nonce) apply: the menu is laid out beside the content.
    menu = watched.locator("#redoc-container .menu-content").bounding_box()
    content = watched.locator("#redoc-container .api-content").bounding_box()
    assert menu and content and menu["x"] + menu["width"] <= content["x"] + 1
    # Its search runs in a blob: worker.
    watched.locator("#redoc-container input[role=search], #redoc-container input.search-input").first.fill("actors")
    watched.wait_for_selector("#redoc-container [data-role='search:results'], #redoc-container .search-results")
    # The one refusal: Redocly's logo, which the bundle loads from its CDN in the menu's footer. The
    # policy keeps that request from leaving the browser; ReDoc then hides the image.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v["blocked"] for v in watched.evaluate("() => window.__csp")] == [logo]
    _assert_clean(
        watched, "/api/v1/redoc/", expected_violations=[logo], expected_errors=[f"Loading the image '{logo}'"]
    )
    assert not watched.locator("img[alt='redocly logo']").count()


def test_admin_pages_break_no_csp_rule(watched, live_server, portal_data):
    _visit(watched, live_server.url + "/admin/login/", ready="form#login-form")
    _assert_clean(watched, "/admin/login/")
    sign_in_as_superuser(watched, live_server)
    actor = portal_data["actors"][0]
    initiative = portal_data["initiative"]
    pages = [
        ("/admin/", "#content-main"),
        (f"/admin/directory/actor/{actor.pk}/change/", "#actor_form"),
        ("/admin/projects/initiative/", "#result_list"),
        (f"/admin/projects/initiative/{initiative.pk}/change/", "#initiative_form"),
        (f"/admin/projects/initiative/{initiative.pk}/history/", "#content-main"),
    ]
    for path, ready in pages:
        _visit(watched, live_server.url + path, ready=ready)
        _assert_clean(watched, path)
    # The portfolio's badges and progress bars keep their look without style attributes.
    watched.goto(live_server.url + "/admin/projects/initiative/")
    badge = watched.locator(".admin-badge").first
    assert badge.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert watched.locator(".admin-progress progress").first.bounding_box()["width"] == 80
