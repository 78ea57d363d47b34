"""axe-core on the buyers' pages: the suppliers' search, the board of needs, the need form (also with its
errors) and the buyer's private page. No serious or critical violation (WCAG 2.1 AA)."""

import pytest

from directory.models import PublicationStatus
from purchasing import services
from tests.browser.conftest import assert_accessible
from tests.purchasing import factories as buyers


@pytest.fixture
def buyers_data(portal_data):
    actors = portal_data["actors"]
    buyers.offer(actor=actors[0], title="Traiteur fictif", cpv=buyers.cpv("55300000-3"), communes=["93048"])
    buyers.offer(actor=actors[1], title="Nettoyage fictif", cpv=buyers.cpv("90900000-6"), references="Mairie fictive")
    buyers.need(title="Repas fictifs", cpv=buyers.cpv("55000000-0"))
    need = buyers.need(title="Nettoyage fictif", cpv=buyers.cpv("90000000-7"), status=PublicationStatus.PENDING)
    secret = "secret-de-test-du-lien-prive"
    need.secret_hash = services._hash_secret(secret)
    need.save()
    return {"follow": services.follow_path(need, secret)}


PAGES = {
    "supplier search": lambda data: "/acheteurs/",
    "supplier search with criteria": lambda data: "/acheteurs/?cpv=55000000-0&commune=93048&clause=esus",
    "supplier search with an unknown code": lambda data: "/acheteurs/?cpv=99999999-9",
    "board of needs": lambda data: "/acheteurs/besoins/",
    "need form": lambda data: "/acheteurs/besoins/deposer/",
    "need sent": lambda data: "/acheteurs/besoins/merci/",
    "buyer's private page": lambda data: data["follow"],
}


@pytest.mark.parametrize("name", list(PAGES))
def test_buyers_page_has_no_serious_or_critical_accessibility_violation(page, live_server, buyers_data, name):
    response = page.goto(live_server.url + PAGES[name](buyers_data))
    assert response.status == 200
    assert_accessible(page)


def test_the_need_form_with_errors_stays_accessible(page, live_server, buyers_data, settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0
    page.goto(live_server.url + "/acheteurs/besoins/deposer/")
    page.fill("#id_title", "<b>Promo</b>")
    page.fill("#id_deadline", "2001-01-01")
    page.click("button[type=submit]")
    assert page.locator(".error-summary").count() == 1
    assert "texte simple" in page.content()
    assert_accessible(page)
