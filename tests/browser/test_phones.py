"""The public pages on a 320 px phone (WCAG 1.4.10 reflow), and the menu button, with and without JavaScript."""

import re

import pytest

from tests.browser.layout import PHONE, phone_problems

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
    "accessibility statement": lambda data: "/accessibilite/",
    "not found": lambda data: "/cette-page-n-existe-pas/",
}


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_every_page_type_fits_a_320_px_phone(phone, live_server, portal_data):
    """No sideways scrolling, a short header with a menu button, results first, readable and contrasted charts."""
    problems = {}
    for name, path in PAGES.items():
        phone.goto(live_server.url + path(portal_data))
        if phone.locator("[data-map]").count():
            phone.wait_for_selector("[data-map][data-marker-count]")
        if found := phone_problems(phone):
            problems[name] = found
    assert problems == {}


def test_filters_come_folded_and_open_on_a_phone(phone, live_server, portal_data):
    phone.goto(live_server.url + "/annuaire/")
    results = phone.locator("#titre-resultats")
    assert results.bounding_box()["y"] < PHONE["height"]
    commune = phone.get_by_label("Bondy", exact=False).first
    assert not commune.is_visible()
    phone.locator(".filters summary").first.click()
    phone.locator(".filters__panel details > summary").filter(has_text=re.compile(r"^Commune$")).click()
    commune.check()
    phone.get_by_role("button", name="Appliquer les filtres").click()
    phone.wait_for_url("**commune=93010**")
    assert phone.locator("#titre-resultats").inner_text().startswith("6 acteurs")


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_the_menu_button_opens_the_navigation_on_a_phone(chromium, live_server, portal_data, javascript):
    context = chromium.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, java_script_enabled=javascript)
    try:
        tab = context.new_page()
        tab.goto(live_server.url + "/")
        directory = tab.locator(".site-nav").get_by_role("link", name="Annuaire")
        assert not directory.is_visible()
        tab.locator(".site-header summary").click()
        assert directory.is_visible()
        directory.click()
        tab.wait_for_url("**/annuaire/")
        # The menu starts folded again on the next page.
        assert not tab.locator(".site-nav").get_by_role("link", name="Projets").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_wide_screens_show_the_navigation_and_the_filters_without_a_button(
    chromium, live_server, portal_data, javascript
):
    context = chromium.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    try:
        tab = context.new_page()
        tab.goto(live_server.url + "/annuaire/")
        assert tab.locator(".site-nav").get_by_role("link", name="Stratégie").is_visible()
        assert not tab.locator(".site-header summary").is_visible()
        assert tab.get_by_role("button", name="Appliquer les filtres").is_visible()
        # Keyboard users reach the navigation in the order they see it.
        tab.keyboard.press("Tab")
        tab.keyboard.press("Tab")
        tab.keyboard.press("Tab")
        assert tab.evaluate("() => document.activeElement.textContent.trim()") == "Accueil"
    finally:
        context.close()
