"""`/observatoire/` and the yearly report: what they show, what they hide, and the helper for other pages."""

import html
import re

import pytest
from django.urls import reverse

from observatory import services
from tests import factories
from tests.observatory.factories import figures

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _main(response) -> str:
    """The page's own content, without the header and footer (which name every commune)."""
    page = _text(response)
    return page[page.index('id="contenu"') : page.index("</main>")]


def test_the_page_shows_the_latest_year_with_its_counts_and_the_threshold(client, territory):
    response = client.get("/observatoire/")
    assert response.status_code == 200
    page = _main(response)
    assert "Est Ensemble en 2025" in page
    assert "sur 9 acteurs" in page
    assert "moins de 3 acteurs n'est pas montré" in page
    # Montreuil (3 actors, 35 employees) is shown; Bondy (one actor, 7 employees) is not.
    assert "Montreuil" in page
    assert "Bondy" not in page
    assert "3 groupes masqués" in page
    # Both kinds of actors, side by side.
    assert "entrepreneuriale, modèle économique robuste" in page.lower()
    assert "militante et ancrée localement" in page.lower()
    # The draft actor's figures and the pending proposal count nowhere.
    assert "1 000" not in page and "1000" not in page and "999" not in page


def test_every_chart_comes_with_its_data_table(client, territory):
    page = _text(client.get("/observatoire/"))
    assert page.count('<svg class="chart__svg"') == page.count("Données du graphique (tableau)") > 0


def test_the_regional_figures_are_shown_with_their_source(client, territory):
    page = _text(client.get("/observatoire/"))
    assert "388 700" in page and "332 700" in page and "11,9 Md€" in page and "3 000" in page
    assert "Compte rendu de presse du 11 mars 2019 sur la stratégie ESS d'Est Ensemble" in page


def test_an_earlier_year(client, territory):
    page = _text(client.get("/observatoire/", {"year": "2024"}))
    assert "Est Ensemble en 2024" in page
    assert "sur 3 acteurs" in page


@pytest.mark.parametrize("year", ["abc", "1800", "2024.5"])
def test_a_bad_year_is_a_400_with_the_reason(client, territory, year):
    response = client.get("/observatoire/", {"year": year})
    assert response.status_code == 400
    assert "Indiquez une année de 1900 à 2100, en chiffres." in _text(response)


def test_a_year_without_figures_says_so(client, territory):
    response = client.get("/observatoire/", {"year": "2010"})
    assert response.status_code == 200
    assert "Aucun chiffre publié pour 2010." in _text(response)


def test_the_page_without_any_figures(client, db):
    response = client.get("/observatoire/")
    assert response.status_code == 200
    assert "Pas encore de chiffres publiés." in _text(response)


def test_the_report_prints_one_year(client, territory):
    response = client.get(reverse("observatory:report", args=[2025]))
    assert response.status_code == 200
    assert "css/observatory.css" in _text(response)
    page = _main(response)
    assert "L'état de l'ESS à Est Ensemble en 2025" in page
    assert "Bondy" not in page
    assert client.get(reverse("observatory:report", args=[2010])).status_code == 404


def test_the_report_of_a_year_of_a_draft_actor_only_is_not_found(client, db):
    from directory.models import PublicationStatus

    figures(factories.actor(status=PublicationStatus.DRAFT), 2019, employees=5)
    assert client.get(reverse("observatory:report", args=[2019])).status_code == 404


def test_the_navigation_links_to_the_observatory(client, db):
    assert 'href="/observatoire/"' in client.get("/").content.decode()


def test_latest_figures_gives_each_actor_its_latest_approved_year(territory, django_assert_num_queries):
    ids = [territory[name].pk for name in ("M1", "P1", "B1")] + [factories.actor().pk]
    with django_assert_num_queries(1):
        latest = services.latest_figures(ids)
    assert {pk: (row.year, row.employees) for pk, row in latest.items()} == {
        territory["M1"].pk: (2025, 10),
        # P1's pending proposal (999) is not approved.
        territory["P1"].pk: (2025, 2),
        territory["B1"].pk: (2025, 7),
    }
    assert services.latest_figures([]) == {}


def test_the_sitemap_lists_the_page_and_the_reports_of_published_years(client, territory):
    body = client.get("/sitemap-observatory.xml").content.decode()
    assert re.findall(r"<loc>([^<]+)</loc>", body) == [
        "http://testserver/observatoire/",
        "http://testserver/observatoire/2025/rapport/",
        "http://testserver/observatoire/2024/rapport/",
    ]
