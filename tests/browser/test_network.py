"""The cooperation network in Chromium: Cytoscape.js draws it under the CSP, it stays accessible, and without
JavaScript the page is its text (the table of links)."""

import pytest

from directory.models import Cooperation
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.test_csp import INIT_SCRIPT


@pytest.fixture
def network_data(portal_data):
    """The portal's data with a few more links (portal_data has one): five actors in a small web."""
    actors = portal_data["actors"]
    factories.cooperation(source=actors[1], target=actors[2], kind=Cooperation.Kind.SUPPLY)
    factories.cooperation(source=actors[2], target=actors[3], kind=Cooperation.Kind.POOLING, is_formal=True)
    factories.cooperation(source=actors[3], target=actors[4], kind=Cooperation.Kind.MEMBERSHIP)
    return portal_data


def test_the_graph_is_drawn_under_the_csp_and_recoloured_without_reloading(page, live_server, network_data):
    page.add_init_script(INIT_SCRIPT)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(live_server.url + "/annuaire/reseau/")
    graph = page.wait_for_selector("#graphe-reseau[data-node-count]")
    assert graph.get_attribute("data-node-count") == "5"
    assert graph.get_attribute("data-edge-count") == "4"
    assert graph.get_attribute("role") == "img"
    assert "tableau des liens" in graph.get_attribute("aria-label")
    # Cytoscape draws on canvases of the graph's size; its fallback sentence is gone.
    assert page.locator("#graphe-reseau canvas").count() >= 1
    assert page.locator("#graphe-reseau .network-fallback").count() == 0
    assert graph.bounding_box()["height"] > 300
    # Cytoscape's own rule came from the linked sheet: no inline <style> was inserted (or refused).
    assert page.evaluate("() => document.querySelectorAll('style#__________cytoscape_stylesheet').length") == 0
    assert page.evaluate("() => getComputedStyle(document.getElementById('graphe-reseau')).position") == "relative"
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__csp") == []
    assert console_errors == []

    assert graph.get_attribute("data-colour-by") == "sector"
    assert page.locator('[data-legend="typology"]').is_hidden()
    page.get_by_label("Typologie", exact=True).check()
    assert graph.get_attribute("data-colour-by") == "typology"
    assert page.locator('[data-legend="typology"]').is_visible()
    assert page.locator('[data-legend="sector"]').is_hidden()


def test_the_network_page_has_no_serious_accessibility_violation(page, live_server, network_data):
    page.goto(live_server.url + "/annuaire/reseau/")
    page.wait_for_selector("#graphe-reseau[data-node-count]")
    assert_accessible(page)
    page.goto(live_server.url + "/annuaire/reseau/?vue=liste")
    assert_accessible(page)


def test_the_actor_page_draws_its_cooperations(page, live_server, network_data):
    actor = network_data["actors"][2]
    page.goto(live_server.url + actor.get_absolute_url())
    graph = page.wait_for_selector("#graphe-cooperations[data-node-count]")
    assert graph.get_attribute("data-node-count") == "3"
    assert graph.get_attribute("data-edge-count") == "2"
    assert_accessible(page)


def test_without_javascript_the_network_is_its_table_and_its_form_works(chromium, live_server, network_data):
    context = chromium.new_context(locale="fr-FR", java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(live_server.url + "/annuaire/reseau/")
        fallback = tab.locator("#graphe-reseau .network-fallback")
        assert fallback.is_visible() and "JavaScript" in fallback.inner_text()
        assert tab.locator("table.network-table tbody tr").count() == 4
        # The filters are a plain GET form.
        tab.get_by_label("Relation fournisseur / client").check()
        tab.get_by_role("button", name="Appliquer").click()
        assert "kind=supply" in tab.url
        assert tab.locator("table.network-table tbody tr").count() == 1
    finally:
        context.close()
