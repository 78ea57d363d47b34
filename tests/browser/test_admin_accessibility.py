"""axe-core on the staff admin: the change forms and changelists staff use every day, wide and narrow.

The public pages are checked in test_accessibility.py; staff are users too (RGAA applies to the
back office of a public body). Every field of an inline row has a name, every select a label, badges
keep their contrast, and at 1366 px the status buttons never cover the page title.
"""

import pytest

from tests.browser.conftest import assert_accessible, sign_in_as_superuser

WIDTHS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 375, "height": 740}}

ADMIN_PAGES = {
    "actor changelist": (lambda data: "/admin/directory/actor/", "#result_list"),
    "actor change form": (lambda data: f"/admin/directory/actor/{data['actors'][0].pk}/change/", "#actor_form"),
    "actor add form": (lambda data: "/admin/directory/actor/add/", "#actor_form"),
    "initiative changelist": (lambda data: "/admin/projects/initiative/", "#result_list"),
    "initiative change form": (
        lambda data: f"/admin/projects/initiative/{data['initiative'].pk}/change/",
        "#initiative_form",
    ),
    "initiative add form": (lambda data: "/admin/projects/initiative/add/", "#initiative_form"),
    "admin index": (lambda data: "/admin/", "#content-main"),
}


@pytest.fixture
def admin_tab(chromium, live_server):
    contexts = []

    def open_tab(viewport):
        context = chromium.new_context(locale="fr-FR", viewport=viewport)
        contexts.append(context)
        tab = context.new_page()
        sign_in_as_superuser(tab, live_server)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_admin_page_has_no_serious_or_critical_accessibility_violation(
    admin_tab, live_server, portal_data, name, width
):
    path, ready = ADMIN_PAGES[name]
    tab = admin_tab(WIDTHS[width])
    response = tab.goto(live_server.url + path(portal_data))
    assert response.status == 200
    tab.wait_for_selector(ready)
    assert_accessible(tab)


@pytest.mark.parametrize("name", ["actor change form", "initiative change form"])
def test_change_forms_fit_1366_px_and_buttons_never_cover_the_title(admin_tab, live_server, portal_data, name):
    path, ready = ADMIN_PAGES[name]
    tab = admin_tab(WIDTHS["desktop"])
    tab.goto(live_server.url + path(portal_data))
    tab.wait_for_selector(ready)
    title = tab.locator("#content > h1, #content > h2").first.bounding_box()
    for tool in tab.locator(".object-tools a, .object-tools button").all():
        box = tool.bounding_box()
        overlaps = not (
            box["x"] >= title["x"] + title["width"]
            or box["x"] + box["width"] <= title["x"]
            or box["y"] >= title["y"] + title["height"]
            or box["y"] + box["height"] <= title["y"]
        )
        assert not overlaps, f"{tool.inner_text()!r} covers the title"
    assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    # The inlines fit too (they would scroll in their own box otherwise).
    too_wide = tab.evaluate(
        """() => [...document.querySelectorAll('.inline-group .tabular fieldset.module')]
            .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.closest('.inline-group').id)"""
    )
    widths = tab.evaluate(
        """() => [...document.querySelectorAll('.inline-group .tabular thead th')]
            .map(th => th.className + ':' + Math.round(th.getBoundingClientRect().width))"""
    )
    assert too_wide == [], " ".join(widths)


def test_an_autocomplete_keeps_one_clear_cross_outside_its_list(admin_tab, live_server, portal_data):
    """The cross moved out of Select2's list (which may only hold list items) follows its redraws."""
    tab = admin_tab(WIDTHS["desktop"])
    tab.goto(live_server.url + f"/admin/directory/actor/{portal_data['actors'][0].pk}/change/")
    box = "#id_sectors + .select2"
    tab.wait_for_selector(box)
    crosses = f"""() => [document.querySelectorAll('{box} .select2-selection__clear').length,
        document.querySelectorAll('{box} ul .select2-selection__clear').length]"""
    for _ in range(2):
        tab.click(f"{box} .select2-search__field")
        tab.locator(".select2-results__option[aria-selected=false]").first.click()
        tab.wait_for_function(f"() => document.querySelectorAll('{box} .select2-selection__clear').length === 1")
        assert tab.evaluate(crosses) == [1, 0]
    tab.dispatch_event(f"{box} .select2-selection__clear", "mousedown")
    tab.keyboard.press("Escape")
    tab.wait_for_function("() => !document.querySelector('#id_sectors').selectedOptions.length")
    tab.wait_for_timeout(100)
    assert tab.evaluate(crosses) == [0, 0]
    assert_accessible(tab)
