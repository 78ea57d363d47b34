"""The public pages as production serves them: gunicorn, DEBUG=0, `collectstatic`, WhiteNoise, hashed names.

Run with PRODUCTION_BROWSER_TESTS=1 (tests/browser/production.py builds the server, on the demo data
set, in about a minute). Every page answers 200, loads every asset it asks for under its hashed name
(with WhiteNoise's long cache), draws its map pins, breaks no Content-Security-Policy rule, logs no
error, passes axe-core and fits a 320 px phone.
"""

import re
import urllib.request

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.layout import PHONE, phone_problems
from tests.browser.production import PROXY_HEADERS

pytestmark = pytest.mark.production

PAGES = {
    "home": lambda records: "/",
    "directory list": lambda records: "/annuaire/",
    "directory map": lambda records: "/annuaire/?view=map",
    "actor": lambda records: records["actor"],
    "initiatives": lambda records: "/projets/",
    "initiative": lambda records: records["initiative"],
    "strategy": lambda records: "/strategie/",
    "support finder": lambda records: "/accompagnement/?stage=emergence",
    "sites": lambda records: "/lieux/",
    "legal page": lambda records: "/mentions-legales/",
    "proposal form": lambda records: "/annuaire/proposer/",
    "correction form": lambda records: records["actor"] + "corriger/",
}
MAP_PAGES = ["directory map", "actor", "initiative", "sites"]
# What ManifestStaticFilesStorage writes: name.<12 hex digits>.ext
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[a-z0-9]+$")

CSP_RECORDER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
    e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber));
"""
ASSETS = """() => [
    ...[...document.querySelectorAll("link[rel=stylesheet]")].map((link) => link.getAttribute("href")),
    ...[...document.scripts].filter((script) => script.src).map((script) => script.getAttribute("src")),
]"""
MAP_IMAGES = """() => [...document.querySelectorAll(".leaflet-container img")].map((img) => ({
    src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0,
}))"""


def _visit(tab, site, name):
    response = tab.goto(site.url + PAGES[name](site.records))
    if tab.locator("[data-map]").count():
        tab.wait_for_selector("[data-map][data-marker-count]")
    tab.wait_for_load_state("networkidle")
    return response


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_every_asset_under_its_hashed_name(production_site, production_tab, name):
    tab = production_tab()
    tab.add_init_script(CSP_RECORDER)
    static = []
    tab.on("response", lambda response: "/static/" in response.url and static.append(response))
    response = _visit(tab, production_site, name)
    assert response.status == 200, production_site.server_log()
    assets = tab.evaluate(ASSETS)
    assert "/static/css/site.css" not in assets and assets
    assert [asset for asset in assets if not HASHED.match(asset)] == []
    # WhiteNoise serves them, for a year, as files whose name changes with their content.
    assert static and all("immutable" in answer.headers.get("cache-control", "") for answer in static), [
        (answer.url, answer.headers.get("cache-control")) for answer in static
    ]
    assert tab.failures == []
    assert tab.evaluate("() => window.__csp") == []
    assert_accessible(tab)


@pytest.mark.parametrize("name", MAP_PAGES)
def test_map_pins_load(production_site, production_tab, name):
    tab = production_tab()
    _visit(tab, production_site, name)
    # Nearby places gather in clusters: open them until single pins show.
    for _ in range(8):
        if tab.locator(".leaflet-container img.leaflet-marker-icon").count():
            break
        tab.locator(".leaflet-container .marker-cluster").first.click()
        tab.wait_for_timeout(600)  # markercluster's zoom animation
    tab.wait_for_load_state("networkidle")
    images = tab.evaluate(MAP_IMAGES)
    pins = [image for image in images if "marker-icon" in image["src"]]
    assert pins and [image for image in images if not image["loaded"]] == []
    assert all(HASHED.match(image["src"]) for image in images), images
    assert tab.failures == []
    assert tab.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoomer"
    assert tab.locator(".leaflet-control-zoom-out").get_attribute("title") == "Dézoomer"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_a_phone(production_site, production_tab, name):
    tab = production_tab(viewport=PHONE)
    _visit(tab, production_site, name)
    assert phone_problems(tab) == []
    assert tab.failures == []


def test_maps_without_javascript_are_their_text(production_site, production_tab):
    tab = production_tab(javascript=False)
    for name in MAP_PAGES:
        tab.goto(production_site.url + PAGES[name](production_site.records))
        box = tab.locator("[data-map]").bounding_box()
        assert box["height"] < 150, name
        assert tab.locator("[data-map] .map-fallback").is_visible(), name
    assert tab.failures == []


@pytest.mark.parametrize(
    ("path", "ready"),
    [("/api/v1/docs/", ".swagger-ui .opblock-tag"), ("/admin/login/", "form#login-form")],
    ids=["API docs", "staff login"],
)
def test_other_pages_load_their_assets(production_site, production_tab, path, ready):
    tab = production_tab()
    tab.add_init_script(CSP_RECORDER)
    response = tab.goto(production_site.url + path)
    assert response.status == 200
    tab.wait_for_selector(ready)
    tab.wait_for_load_state("networkidle")
    assert [asset for asset in tab.evaluate(ASSETS) if asset.startswith("/static/") and not HASHED.match(asset)] == []
    assert tab.failures == []
    assert tab.evaluate("() => window.__csp") == []


def test_the_not_found_page_has_its_styles(production_site, production_tab):
    tab = production_tab()
    response = tab.goto(production_site.url + "/page-qui-n-existe-pas/")
    assert response.status == 404
    tab.wait_for_load_state("networkidle")
    assert all(HASHED.match(asset) for asset in tab.evaluate(ASSETS))
    assert [failure for failure in tab.failures if "page-qui-n-existe-pas" not in failure] == []
    assert tab.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 93, 87)"


@pytest.mark.parametrize(("path", "content_type"), [("/sitemap.xml", "application/xml"), ("/robots.txt", "text/plain")])
def test_crawler_files_answer(production_site, path, content_type):
    request = urllib.request.Request(production_site.url + path, headers=PROXY_HEADERS)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["content-type"].startswith(content_type)
