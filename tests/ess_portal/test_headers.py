"""Security headers on every page type: the Content-Security-Policy and the Permissions-Policy.

The browser side (nothing on the pages breaks the policy) is tests/browser/test_csp.py.
"""

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ess_portal.middleware import REDOC_STYLE_HASHES, tiles_source
from projects.admin import DECISION_COLOURS, HEALTH_COLOURS, badge
from tests import factories
from tests.projects import factories as project_factories

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_PAGES = [
    "/",
    "/annuaire/",
    "/accompagnement/",
    "/projets/",
    "/strategie/",
    "/lieux/",
    "/mentions-legales/",
    "/confidentialite/",
    "/api/v1/",
    "/api/v1/docs/",
    "/api/v1/redoc/",
    "/page-qui-n-existe-pas/",
]
DOCS_PAGES = ["/api/v1/docs/", "/api/v1/redoc/"]
TILES = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = sources
    return directives


def nonce_of(response) -> str | None:
    sources = [s for s in policy(response)["script-src"] if s.startswith("'nonce-")]
    assert len(sources) <= 1
    return sources[0][len("'nonce-") : -1] if sources else None


@pytest.fixture
def pages(settings):
    """Every page type's URL: the fixed ones, an actor (located, so its page has a map) and an initiative."""
    settings.MAP_TILES_URL = TILES
    actor = factories.actor(name="Ressourcerie fictive", latitude=Decimal("48.86"), longitude=Decimal("2.44"))
    initiative = project_factories.initiative(title="Projet fictif d'en-têtes", lead_actor=actor)
    return [*PUBLIC_PAGES, actor.get_absolute_url(), initiative.get_absolute_url()]


def _assert_strict_policy(url, response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"], url
    script_src = directives["script-src"]
    assert script_src[0] == "'self'" and all(s.startswith("'nonce-") for s in script_src[1:]), (url, script_src)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in directives["style-src"], url
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["font-src"] == ["'self'"]


def _assert_permissions_policy(url, response):
    features = dict(item.split("=", 1) for item in response.headers["Permissions-Policy"].split(", "))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "hid", "midi"]:
        assert features.get(feature) == "()", (url, feature)


@pytest.mark.django_db
def test_every_public_page_answers_with_a_strict_csp_and_a_permissions_policy(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == (404 if "n-existe-pas" in url else 200), url
        _assert_strict_policy(url, response)
        _assert_permissions_policy(url, response)


@pytest.mark.django_db
def test_public_pages_carry_no_nonce_and_no_relaxation(client, pages):
    for url in pages:
        if url in DOCS_PAGES:
            continue
        response = client.get(url)
        directives = policy(response)
        assert nonce_of(response) is None, url
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert "worker-src" not in directives, url


@pytest.mark.django_db
@pytest.mark.ignore_template_errors
def test_admin_pages_answer_with_the_same_policy(client):
    for url in ["/admin/login/"]:
        response = client.get(url)
        assert response.status_code == 200
        _assert_strict_policy(url, response)
        _assert_permissions_policy(url, response)
    client.force_login(factories.staff_user(superuser=True))
    initiative = project_factories.initiative()
    for url in ["/admin/", "/admin/projects/initiative/", f"/admin/projects/initiative/{initiative.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_strict_policy(url, response)
        assert policy(response)["style-src"] == ["'self'"], url
        assert b'style="' not in response.content, url


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOCS_PAGES)
def test_the_api_docs_inline_scripts_carry_the_response_nonce(client, url):
    response = client.get(url)
    nonce = nonce_of(response)
    assert nonce and len(nonce) >= 16
    html = response.content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts, "the page initialises its viewer with an inline script"
    for attributes in inline_scripts:
        assert f'nonce="{nonce}"' in attributes
    assert "<style" not in html and 'style="' not in html
    # A new nonce for every response.
    assert nonce_of(client.get(url)) != nonce


@pytest.mark.django_db
def test_redoc_alone_may_use_nonced_styles_and_a_blob_worker(client):
    redoc = client.get("/api/v1/redoc/")
    nonce = nonce_of(redoc)
    directives = policy(redoc)
    assert directives["style-src"] == ["'self'", f"'nonce-{nonce}'", *REDOC_STYLE_HASHES]
    assert all(source.startswith("'sha256-") for source in REDOC_STYLE_HASHES)
    assert directives["worker-src"] == ["'self'", "blob:"]
    assert "{nonce: document.currentScript.nonce}" in redoc.content.decode()  # for the styles ReDoc inserts
    swagger = policy(client.get("/api/v1/docs/"))
    assert swagger["style-src"] == ["'self'"]
    assert "worker-src" not in swagger


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOCS_PAGES)
def test_the_api_docs_name_no_external_host(client, url):
    html = client.get(url).content.decode()
    assert "googleapis" not in html and "gstatic" not in html
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_img_src_allows_the_map_tiles_origin_when_tiles_are_set(client, settings):
    settings.MAP_TILES_URL = TILES
    assert policy(client.get("/lieux/"))["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]
    settings.MAP_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert policy(client.get("/"))["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]


@pytest.mark.django_db
def test_img_src_is_the_site_alone_without_tiles(client, settings):
    settings.MAP_TILES_URL = ""
    assert policy(client.get("/lieux/"))["img-src"] == ["'self'", "data:"]


def test_tile_sources_are_origins_and_bad_templates_stop_the_start_up():
    assert tiles_source("") is None
    assert tiles_source("/tuiles/{z}/{x}/{y}.png") is None  # served by the site: 'self'
    assert tiles_source("https://tiles.example.org:8443/{z}/{x}/{y}.png") == "https://tiles.example.org:8443"
    for bad in ["ftp://tiles.example.org/{z}.png", "https://tiles-{s}.example.org/{z}.png", "https:///{z}.png"]:
        with pytest.raises(ImproperlyConfigured, match="MAP_TILES_URL"):
            tiles_source(bad)


def test_an_optional_report_uri_is_added_to_the_policy():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['report-uri'])"
    )
    env = {"DJANGO_SETTINGS_MODULE": "ess_portal.settings", "SECRET_KEY": "x"}
    for value, printed in [("https://rapports.example.org/csp", "https://rapports.example.org/csp"), ("", "None")]:
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, **env, "CSP_REPORT_URI": value},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.stdout.strip() == printed, result.stderr


def test_templates_have_no_inline_style_or_executable_inline_script():
    """CSP blocks both; JSON data blocks (json_script, JSON-LD) are not executed and stay allowed."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\sstyle=|<style\b|\son[a-z]+=|javascript:", text):
            offenders.append(f"{path.relative_to(ROOT)}: inline style or event handler")
        for attributes in re.findall(r"<script\b([^>]*)>", text):
            data_block = re.search(r"""type=["']application/(?:ld\+)?json["']""", attributes)
            if "src=" not in attributes and "nonce=" not in attributes and not data_block:
                offenders.append(f"{path.relative_to(ROOT)}: <script{attributes}>")
    assert not offenders


def test_scripts_set_no_style_attribute():
    """element.style.x = … is allowed by CSP; a style attribute written by setAttribute or innerHTML is not."""
    for path in (ROOT / "static" / "js").glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""setAttribute\(\s*["']style|style=|cssText""", text), path


def test_every_admin_badge_colour_has_a_class_in_the_admin_stylesheet():
    css = (ROOT / "static" / "css" / "admin.css").read_text(encoding="utf-8")
    for colour in [*HEALTH_COLOURS.values(), *DECISION_COLOURS.values(), "#757575"]:
        css_class = re.search(r'class="admin-badge (admin-badge--\w+)"', badge("x", colour)).group(1)
        assert re.search(rf"\.{css_class}\s*{{\s*background:\s*{colour};", css), colour
