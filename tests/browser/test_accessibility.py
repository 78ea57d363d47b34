"""axe-core on every page type: no serious or critical violation (WCAG 2.1 AA)."""

import pytest

from tests.browser.conftest import assert_accessible

PAGES = {
    "home": lambda data: "/",
    "directory list": lambda data: "/annuaire/",
    "directory map": lambda data: "/annuaire/?view=map",
    "actor": lambda data: data["actors"][0].get_absolute_url(),
    "initiatives": lambda data: "/projets/",
    "initiative": lambda data: data["initiative"].get_absolute_url(),
    "strategy": lambda data: "/strategie/",
    "support finder": lambda data: "/accompagnement/?stage=emergence",
    "sites": lambda data: "/lieux/",
    "legal page": lambda data: "/mentions-legales/",
    "proposal form": lambda data: "/annuaire/proposer/",
    "correction form": lambda data: data["actors"][0].get_absolute_url() + "corriger/",
    "privacy page": lambda data: "/confidentialite/",
    "claim a listing": lambda data: data["actors"][0].get_absolute_url() + "revendiquer/",
    "account login": lambda data: "/compte/connexion/",
    "not found": lambda data: "/cette-page-n-existe-pas/",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_or_critical_accessibility_violation(page, live_server, portal_data, name):
    response = page.goto(live_server.url + PAGES[name](portal_data))
    assert response.status == (404 if name == "not found" else 200)
    if page.locator("[data-map]").count():
        # Let Leaflet draw its markers and controls: axe checks them too.
        page.wait_for_selector("[data-map][data-marker-count]")
    assert_accessible(page)


@pytest.mark.parametrize("name", ["strategy", "initiative", "sites"])
def test_tracker_page_is_accessible_on_a_phone(chromium, live_server, portal_data, name):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        tab = context.new_page()
        tab.goto(live_server.url + PAGES[name](portal_data))
        if tab.locator("[data-map]").count():
            tab.wait_for_selector("[data-map][data-marker-count]")
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
