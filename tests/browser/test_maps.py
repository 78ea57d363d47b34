"""The public maps: pins drawn from the site's own static URLs, French controls, and text without JavaScript."""

MAP_PAGES = {
    "directory map": lambda data: "/annuaire/?view=map",
    "actor": lambda data: data["actors"][0].get_absolute_url(),
    "initiative": lambda data: data["initiative"].get_absolute_url(),
    "sites": lambda data: "/lieux/",
}


def test_pins_use_the_icons_the_page_names(page, live_server, portal_data):
    """The icons' addresses come from `{% static %}` (hashed in production), not from where leaflet.js lies."""
    page.goto(live_server.url + "/lieux/")
    element = page.wait_for_selector("#carte-lieux[data-marker-count]")
    icon, shadow = element.get_attribute("data-icon-url"), element.get_attribute("data-shadow-url")
    assert icon.endswith("/marker-icon.png") and shadow.endswith("/marker-shadow.png")
    assert element.get_attribute("data-icon-retina-url").endswith("/marker-icon-2x.png")
    pins = page.locator("#carte-lieux img.leaflet-marker-icon")
    assert pins.count() == 2
    assert {pins.nth(i).get_attribute("src") for i in range(2)} == {icon}
    assert page.locator("#carte-lieux img.leaflet-marker-shadow").first.get_attribute("src") == shadow
    assert page.evaluate(
        "() => [...document.querySelectorAll('#carte-lieux img')].every(img => img.complete && img.naturalWidth > 0)"
    )


def test_zoom_buttons_are_labelled_in_french(page, live_server, portal_data):
    page.goto(live_server.url + portal_data["initiative"].get_absolute_url())
    page.wait_for_selector("#carte-projet[data-marker-count]")
    zoom_in = page.get_by_role("button", name="Zoomer", exact=True)
    zoom_out = page.get_by_role("button", name="Dézoomer", exact=True)
    assert zoom_in.get_attribute("title") == "Zoomer" and zoom_out.get_attribute("title") == "Dézoomer"
    zoom_out.click()
    assert not page.get_by_role("button", name="Zoom in").count()


def test_without_javascript_a_map_is_its_text_not_an_empty_box(chromium, live_server, portal_data):
    context = chromium.new_context(locale="fr-FR", java_script_enabled=False)
    try:
        tab = context.new_page()
        for name, path in MAP_PAGES.items():
            tab.goto(live_server.url + path(portal_data))
            element = tab.locator("[data-map]")
            fallback = element.locator(".map-fallback")
            assert fallback.is_visible(), name
            assert "JavaScript" in fallback.inner_text()
            # Only the sentence: no empty grey box the height of a map around it.
            assert element.bounding_box()["height"] <= fallback.bounding_box()["height"] + 40, name
            assert element.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)", name
    finally:
        context.close()
