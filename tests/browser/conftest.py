"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

They are skipped, with the reason, when Chromium (/usr/bin/chromium), Playwright or axe-core
(node_modules/axe-core, from `npm ci`) is missing, so that `make test` passes on a bare machine;
`.ci/run` installs all three and sets REQUIRE_BROWSER_TESTS=1, which turns the skip into a failure.

Tests marked `production` (test_production.py) visit a gunicorn server started with the production
settings after `collectstatic` (tests/browser/production.py) instead of the live server; building it
takes about a minute, so they run only with PRODUCTION_BROWSER_TESTS=1 (a step of `.ci/run`).

Each test gets a small fictional data set (`portal_data`) in a transactional database: the live
server runs in another thread and only sees committed rows. `serialized_rollback` restores the
reference data of the migrations (communes, sectors, axes…) that the flush after each test removes.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse ORM calls
# made by the test itself (fixtures, assertions) as "called from an async context". The test thread
# never shares a connection with async code, so the check does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core impacts that fail a test (WCAG 2.1 AA is the bar; "minor"/"moderate" are reported only).
BLOCKING_IMPACTS = {"serious", "critical"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _missing_tools() -> str:
    missing = []
    if not CHROMIUM.exists():
        missing.append("Chromium (/usr/bin/chromium : apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright (pip install -r requirements-dev.txt)")
    if not AXE_SCRIPT.exists():
        missing.append("axe-core (npm ci)")
    return ", ".join(missing)


def pytest_collection_modifyitems(config, items):
    """Mark every browser test: `browser`, a transactional database with serialized rollback, or a skip.

    Tests of the production configuration use no test database (their server has its own) and are
    skipped unless PRODUCTION_BROWSER_TESTS=1.
    """
    missing = _missing_tools()
    required = os.environ.get("REQUIRE_BROWSER_TESTS") == "1"
    production = os.environ.get("PRODUCTION_BROWSER_TESTS") == "1"
    here = Path(__file__).parent
    for item in items:
        if here not in Path(str(item.path)).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("production"):
            if not production:
                item.add_marker(
                    pytest.mark.skip(reason="tests of the production configuration need PRODUCTION_BROWSER_TESTS=1")
                )
        else:
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
        if missing and not required:
            item.add_marker(pytest.mark.skip(reason=f"browser tests need {missing}"))


@pytest.fixture(scope="session", autouse=True)
def _browser_tools_present():
    """Under CI, missing browser tools are an error rather than a silent skip."""
    missing = _missing_tools()
    if missing and os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"REQUIRE_BROWSER_TESTS=1 but these are missing: {missing}")


@pytest.fixture(scope="session")
def _serialized_contents_for_every_connection(django_db_setup):
    """Keep serialized rollback working once Playwright runs.

    Django keeps the serialized test database (the migrations' reference data, restored after each
    transactional test's flush) on the connection object. Django's connections live in context
    variables, and the test code gets new connection objects once Playwright's sync API has started,
    without that copy: the reference data would then be lost after the first browser test. Putting
    it on the connection class makes it visible from every connection object.
    """
    from django.db import connections

    wrappers = []
    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None and "_test_serialized_contents" not in vars(type(connection)):
            type(connection)._test_serialized_contents = contents
            wrappers.append(type(connection))
    yield
    for wrapper in wrappers:
        del wrapper._test_serialized_contents


@pytest.fixture(scope="session")
def chromium_browser():
    """Chromium, launched once per session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def chromium(_serialized_contents_for_every_connection, chromium_browser):
    """Chromium for the tests of the live server (whose database Playwright must not lose)."""
    return chromium_browser


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, django_db_setup):
    """pytest-django's live server, started once static files are served without `collectstatic`.

    The server loads its middleware (WhiteNoise among them) when it starts, before any
    function-scoped `settings` change, so the static settings are made for the session here.
    """
    from django.conf import settings as django_settings
    from pytest_django.live_server_helper import LiveServer

    root = tmp_path_factory.mktemp("staticfiles")
    # Plain HTTP: SecurityMiddleware reads these when the server starts.
    django_settings.SECURE_SSL_REDIRECT = False
    django_settings.SECURE_HSTS_SECONDS = 0
    django_settings.STATIC_ROOT = root
    django_settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _browser_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # No background tiles: the tests stay offline; markers are drawn on a plain background.
    settings.MAP_TILES_URL = ""


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab (French, desktop size) that may only reach the live server."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    origin = urlsplit(live_server.url).netloc
    external = []

    def only_local(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not external, f"the page asked for resources outside the site: {external}"
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture(scope="session")
def production_site(tmp_path_factory):
    """The demo portal served by gunicorn with the production settings (tests/browser/production.py)."""
    from tests.browser.production import ProductionSite

    site = ProductionSite(tmp_path_factory.mktemp("production"))
    try:
        yield site.start()
    finally:
        site.stop()


@pytest.fixture
def production_tab(chromium_browser, production_site):
    """Open tabs on the production server: `production_tab(viewport=…, javascript=…)`.

    Each tab may only reach that server and keeps `tab.failures`: requests that failed, answers of
    400 or more, console errors. Browsers ask for /favicon.ico on their own; the site has none, and
    that request is no page's doing, so it is left out. JavaScript errors fail the test.
    """
    from tests.browser.production import PROXY_HEADERS

    origin = urlsplit(production_site.url).netloc
    opened = []

    def open_tab(*, viewport=None, javascript=True):
        context = chromium_browser.new_context(
            locale="fr-FR",
            viewport=viewport or {"width": 1280, "height": 900},
            java_script_enabled=javascript,
            extra_http_headers=PROXY_HEADERS,
        )
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.failures, tab.external, tab.errors = [], [], []

        def only_local(route):
            if urlsplit(route.request.url).netloc == origin:
                route.continue_()
            else:
                tab.external.append(route.request.url)
                route.abort()

        def console(message):
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                tab.failures.append(f"console: {message.text} ({message.location.get('url')})")

        context.route("**/*", only_local)
        tab.on("requestfailed", lambda request: tab.failures.append(f"failed: {request.url} ({request.failure})"))
        tab.on(
            "response",
            lambda response: response.status >= 400 and tab.failures.append(f"{response.status}: {response.url}"),
        )
        tab.on("console", console)
        tab.on("pageerror", lambda error: tab.errors.append(str(error)))
        opened.append((context, tab))
        return tab

    yield open_tab
    for context, tab in opened:
        context.close()
        assert not tab.external, f"the page asked for resources outside the site: {tab.external}"
        assert not tab.errors, f"JavaScript errors: {tab.errors}"


def load_axe(page) -> None:
    """Put axe-core (served from node_modules, never a CDN) in the page, once."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by Playwright rather than added as a <script>: the site's Content-Security-Policy
        # refuses inline scripts, and the test must not weaken it (no `bypass_csp`).
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")


def axe_violations(page, *, rules: list[str] | None = None) -> list[dict]:
    """Run axe-core on the page, with the WCAG 2.1 AA tags or only the given rules; return its violations."""
    load_axe(page)
    run_only = {"type": "rule", "values": rules} if rules is not None else {"type": "tag", "values": AXE_TAGS}
    return page.evaluate(
        """async (runOnly) => {
            const results = await window.axe.run(document, {runOnly});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        run_only,
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']} — {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page) -> list[dict]:
    """Fail on any serious or critical axe-core violation, listing them readably; return the others."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{format_violations(blocking)}"
    return violations


def sign_in_as_superuser(page, live_server):
    """A superuser's session, made by Django's test client and handed to the browser as its cookie."""
    from django.conf import settings
    from django.test import Client

    from tests import factories

    client = Client()
    client.force_login(factories.staff_user(superuser=True))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


# ---------------------------------------------------------------------------
# Data


@pytest.fixture
def portal_data(settings):
    """A small fictional portal: 25 actors (two pages of results), offers, initiatives in several states, sites."""
    from directory.models import Label, Neighbourhood, Role, Sector, Stage, SupportOffer, Typology
    from projects import services
    from projects.models import Consultation, Involvement, JournalEntry, Measurement, Site
    from tests import factories
    from tests.projects import factories as project_factories

    # The public pages never show the change history; skipping it makes the data set three times faster.
    settings.SIMPLE_HISTORY_ENABLED = False
    today = datetime.date.today()
    communes = [factories.commune(code) for code in ("93048", "93055", "93010", "93045")]
    sectors = list(Sector.objects.filter(parent__isnull=True).order_by("position")[:3])
    stages = list(Stage.objects.order_by("position"))
    esus = Label.objects.get(slug="esus")
    support_role = Role.objects.get(slug="accompagnateur")
    names = [
        "Ressourcerie fictive du Plateau",
        "Épicerie solidaire fictive des Lilas",
        "Coopérative fictive Vélos de l'Ourcq",
        "Jardins partagés fictifs de Bondy",
    ] + [f"Structure fictive numéro {i:02d}" for i in range(21)]
    actors = []
    for i, name in enumerate(names):
        commune = communes[i % len(communes)]
        actor = factories.actor(
            name=name,
            commune=commune,
            postal_code=commune.postal_codes[0],
            typology=[Typology.ENTREPRENEURIAL, Typology.MILITANT][i % 2],
            latitude=Decimal("48.87") + Decimal(i) / 1000,
            longitude=Decimal("2.43") + Decimal(i) / 1000,
            employees=i + 1,
            short_description="Structure fictive créée pour les tests du portail.",
            is_fictional=True,
        )
        actor.sectors.set([sectors[i % len(sectors)]])
        if i % 3 == 0:
            actor.labels.set([esus])
        actors.append(actor)
    providers = actors[:3]
    for provider in providers:
        provider.roles.set([support_role])
    factories.support_offer(
        title="Accompagnement fictif à la création",
        provider=providers[0],
        stages=stages[:2],
        kind=SupportOffer.Kind.COACHING,
        is_fictional=True,
    )
    factories.support_offer(
        title="Prêt d'honneur fictif",
        provider=providers[1],
        stages=stages[1:3],
        kind=SupportOffer.Kind.LOAN,
        is_fictional=True,
    )
    factories.cooperation(source=actors[0], target=actors[1])

    neighbourhood = Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau")
    site_free = project_factories.site(
        name="Local fictif rue des Tests",
        commune=communes[0],
        postal_code="93100",
        latitude=Decimal("48.8610"),
        longitude=Decimal("2.4410"),
        surface_m2=Decimal("120"),
        pipeline_stage=Site.Pipeline.NEGOTIATING,
        is_fictional=True,
    )
    site_busy = project_factories.site(
        name="Friche fictive du canal",
        kind=Site.Kind.VACANT_LAND,
        commune=communes[1],
        postal_code="93500",
        latitude=Decimal("48.8930"),
        longitude=Decimal("2.4090"),
        pipeline_stage=Site.Pipeline.OCCUPIED,
        is_fictional=True,
    )
    site_busy.occupants.set([actors[2]])

    flagship = project_factories.initiative_in(
        "in_progress",
        title="Occupation temporaire fictive de la friche",
        axis=project_factories.axis(5),
        kind="temporary_occupation",
        summary="Un projet fictif qui occupe une friche le temps des travaux.",
        description="Projet de démonstration : il n'existe pas.",
        communes=[communes[1]],
        lead_actor=actors[0],
        target_budget=Decimal("50000"),
        is_fictional=True,
    )
    flagship.neighbourhoods.set([neighbourhood])
    flagship.sites.set([site_busy])
    project_factories.milestone(
        flagship,
        title="Convention signée",
        planned_on=datetime.date(2024, 3, 1),
        done_on=datetime.date(2024, 3, 15),
        weight=2,
    )
    project_factories.milestone(flagship, title="Ouverture au public", planned_on=today + datetime.timedelta(days=60))
    jobs = project_factories.indicator(
        flagship, name="Emplois créés", unit="emplois", baseline=Decimal("0"), target=Decimal("8")
    )
    Measurement.objects.create(indicator=jobs, measured_on=datetime.date(2024, 6, 1), value=Decimal("3"))
    project_factories.funding_line(flagship, funder=actors[3], amount=Decimal("20000"))
    project_factories.funding_line(flagship, funder=actors[4], amount=Decimal("10000"), status="requested")
    Involvement.objects.create(initiative=flagship, actor=actors[0], role=Involvement.Role.LEAD)
    Involvement.objects.create(initiative=flagship, actor=actors[2], role=Involvement.Role.OCCUPANT)
    consultation = Consultation.objects.create(
        initiative=flagship,
        held_on=datetime.date(2024, 2, 10),
        title="Atelier fictif avec les habitants",
        format=Consultation.Format.WORKSHOP,
        participation_level=Consultation.Level.CO_CONSTRUCTION,
        participants_count=35,
        outcomes="Des horaires d'ouverture le samedi.",
        changes="Ouverture le samedi ajoutée au projet.",
    )
    consultation.actors.set([actors[1]])
    milestone = flagship.milestones.order_by("planned_on").first()
    services.link_consultation(
        consultation=consultation,
        participants=[services.Participation(actor=actors[5], kind="residents")],
        effects=[services.Effect(milestone=milestone, description="Ouverture le samedi.")] if milestone else [],
    )
    programme = factories.deal_programme(name="Impact 2024 (fictif)")
    factories.deal(ess_actor=actors[0], partner_actor=actors[6], amount=Decimal("48000"), programme=programme)
    factories.deal(ess_actor=actors[1], partner_actor=actors[7], kind="mentoring", amount=None, year=2023)
    JournalEntry.objects.create(
        initiative=flagship,
        entry_date=datetime.date(2024, 6, 2),
        title="Premiers occupants installés",
        body="Trois structures fictives se sont installées.",
        is_public=True,
    )
    JournalEntry.objects.create(
        initiative=flagship, entry_date=datetime.date(2024, 6, 3), title="Note interne fictive", is_public=False
    )
    others = [
        project_factories.initiative_in(
            status, title=title, axis=project_factories.axis(axis), communes=[commune], is_fictional=True
        )
        for status, title, axis, commune in [
            ("idea", "Idée fictive de rez-de-chaussée actif", 5, communes[0]),
            ("consultation", "Concertation fictive sur un tiers-lieu", 1, communes[2]),
            ("approved", "Prix fictif de l'innovation sociale", 2, communes[3]),
            ("completed", "Groupement fictif d'achats responsables", 4, communes[0]),
        ]
    ]
    settings.SIMPLE_HISTORY_ENABLED = True
    event = project_factories.event(
        title="Portes ouvertes fictives du Mois de l'ESS",
        kind="mois_ess",
        attendance_mode="mixed",
        online_url="https://visio.example.org/portes-ouvertes",
        registration_url="https://inscription.example.org/portes-ouvertes",
        accessibility="Salle de plain-pied, boucle magnétique (information fictive).",
        actors=actors[:2],
        initiatives=[flagship],
        is_fictional=True,
    )
    return {
        "actors": actors,
        "initiative": flagship,
        "initiatives": [flagship, *others],
        "sites": [site_free, site_busy],
        "event": event,
        "figures_year": _observatory_figures(actors),
    }


def _observatory_figures(actors) -> int:
    """Two years of the observatory's figures for the actors: enough for every breakdown to show groups."""
    from tests.observatory.factories import figures

    for i, actor in enumerate(actors):
        for year in (2024, 2025):
            figures(actor, year, employees=i + 1, volunteers=i % 7, budget=10_000 * (i + 1), local_purchasing_share=i)
    return 2025
