"""axe-core on every page type: no serious or critical violation (WCAG 2.1 AA)."""

import pytest

from tests.browser.conftest import assert_accessible

PAGES = {
    "home": lambda data: "/",
    "directory list": lambda data: "/annuaire/",
    "directory map": lambda data: "/annuaire/?view=map",
    "cooperation network": lambda data: "/annuaire/reseau/",
    "actor": lambda data: data["actors"][0].get_absolute_url(),
    "initiatives": lambda data: "/projets/",
    "initiative": lambda data: data["initiative"].get_absolute_url(),
    "strategy": lambda data: "/strategie/",
    "consultations": lambda data: "/strategie/consultations/",
    "deals": lambda data: "/annuaire/transactions/",
    "support finder": lambda data: "/accompagnement/?stage=emergence",
    "sites": lambda data: "/lieux/",
    "agenda": lambda data: "/agenda/",
    "event": lambda data: data["event"].get_absolute_url(),
    "event proposal form": lambda data: "/agenda/proposer/",
    "legal page": lambda data: "/mentions-legales/",
    "proposal form": lambda data: "/annuaire/proposer/",
    "correction form": lambda data: data["actors"][0].get_absolute_url() + "corriger/",
    "privacy page": lambda data: "/confidentialite/",
    "claim a listing": lambda data: data["actors"][0].get_absolute_url() + "revendiquer/",
    "account login": lambda data: "/compte/connexion/",
    "accessibility statement": lambda data: "/accessibilite/",
    "api docs": lambda data: "/api/v1/docs/",
    "not found": lambda data: "/cette-page-n-existe-pas/",
    "observatory": lambda data: "/observatoire/",
    "observatory report": lambda data: f"/observatoire/{data['figures_year']}/rapport/",
}


def wait_until_drawn(page):
    """Let the page's scripts draw what axe must check: Leaflet's markers and controls, the network's graph,
    Swagger UI's operations."""
    if page.locator("[data-map]").count():
        page.wait_for_selector("[data-map][data-marker-count]")
    if page.locator("[data-network]").count():
        page.wait_for_selector("[data-network][data-node-count]")
    if page.locator("#swagger-ui").count():
        page.wait_for_selector("#swagger-ui .opblock-tag")
        page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_or_critical_accessibility_violation(page, live_server, portal_data, name):
    response = page.goto(live_server.url + PAGES[name](portal_data))
    assert response.status == (404 if name == "not found" else 200)
    wait_until_drawn(page)
    assert_accessible(page)


@pytest.mark.parametrize("name", ["strategy", "initiative", "sites", "consultations", "deals"])
def test_tracker_page_is_accessible_on_a_phone(chromium, live_server, portal_data, name):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        tab = context.new_page()
        tab.goto(live_server.url + PAGES[name](portal_data))
        wait_until_drawn(tab)
        assert_accessible(tab)
        # No horizontal scrolling of the page itself: wide tables scroll inside their own box.
        assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


def test_a_contribution_form_with_errors_stays_accessible_and_names_each_error(page, live_server, portal_data):
    page.goto(live_server.url + "/annuaire/proposer/")
    page.get_by_role("button", name="Envoyer la proposition").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    # Each error links to its field, and the field is described by its error.
    assert summary.get_by_role("link", name="Nom : Ce champ est obligatoire.").count() == 1
    described = page.locator("#id_name").get_attribute("aria-describedby")
    assert "id_name_errors" in described
    assert page.locator("#id_nickname").is_hidden()
    assert_accessible(page)


def test_the_api_docs_stay_accessible_as_operations_open(page, live_server, portal_data):
    page.goto(live_server.url + "/api/v1/docs/")
    wait_until_drawn(page)
    assert page.locator("html").get_attribute("lang") == "fr"
    # Opened from the keyboard, an operation shows its parameters, then the form to try it.
    listing = page.locator("#operations-actors-actors_list")
    listing.locator(".opblock-summary-control").focus()
    page.keyboard.press("Enter")
    listing.locator(".opblock-body").wait_for()
    assert_accessible(page)
    listing.get_by_role("button", name="Try it out").click()
    assert listing.get_by_label("ordering").count() == 1
    assert_accessible(page)
    listing.get_by_role("button", name="Execute").click()
    listing.locator(".live-responses-table").wait_for()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    # A write: its request body, and the schema of the answer, with the property tables.
    proposal = page.locator("#operations-actors-actors_create")
    proposal.locator(".opblock-summary-control").click()
    proposal.get_by_role("tab", name="Schema").first.click()
    proposal.locator("table.model").first.wait_for()
    assert_accessible(page)
    # The dialog where a partner gives its token, closed with Escape.
    page.locator(".scheme-container .btn.authorize").click()
    dialog = page.locator(".dialog-ux")
    dialog.wait_for()
    assert dialog.get_by_role("button", name="Fermer").count() == 1
    assert dialog.get_by_label("Value: partnerToken (http, Bearer)").count() == 1
    assert_accessible(page)
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
