"""The strategy dashboard: per axis its initiatives, states and progress; charts with their data tables."""

import datetime
from decimal import Decimal

import pytest

from directory.models import PublicationStatus, Stage, SupportOffer, Typology
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db


def _portfolio(size: int):
    stages = list(Stage.objects.order_by("position"))
    for n in range(size):
        lead = factories.actor(
            name=f"Acteur fictif de la stratégie {n}",
            typology=[Typology.ENTREPRENEURIAL, Typology.MILITANT][n % 2],
            employees=10,
            commune=factories.commune(["93048", "93055"][n % 2]),
            postal_code=["93100", "93500"][n % 2],
        )
        factories.support_offer(provider=lead, stages=stages[:2])
        initiative = project_factories.initiative_in(
            ["in_progress", "idea", "completed"][n % 3],
            title=f"Projet fictif numéro {n}",
            axis=project_factories.axis(n % 5 + 1),
            lead_actor=lead,
        )
        project_factories.milestone(initiative, done_on=datetime.date(2024, 6, 1))
        project_factories.funding_line(initiative, amount=Decimal("1000"))


def test_dashboard_shows_every_axis_with_its_initiatives_states_and_progress(client):
    _portfolio(3)
    project_factories.initiative(title="Brouillon de stratégie", publication_status=PublicationStatus.DRAFT)
    response = client.get("/strategie/")
    assert response.status_code == 200
    content = response.content.decode()
    for number in range(1, 6):
        assert f'id="axe-{project_factories.axis(number).slug}"' in content
    assert "Projet fictif numéro 0" in content
    assert "Brouillon de stratégie" not in content
    assert "1 en cours" in content
    assert "avancement moyen 100 %" in content


def test_dashboard_charts_are_svg_images_with_a_data_table(client):
    _portfolio(2)
    content = client.get("/strategie/").content.decode()
    for chart in (
        "projets-axes-etats",
        "acteurs-communes",
        "salaries-communes",
        "offres-etapes",
        "typologies-offres",
        "typologies-financements",
    ):
        assert f'data-chart="{chart}"' in content, chart
        assert f'aria-labelledby="{chart}-titre {chart}-desc"' in content
    assert content.count("<table>") >= 6
    assert "Montreuil" in content and "Pantin" in content


def test_typology_comparison_counts_actors_offers_and_funding(client):
    _portfolio(2)
    factories.support_offer(target_typology=SupportOffer.TargetTypology.MILITANT)
    response = client.get("/strategie/")
    rows = {row["label"]: row for row in response.context["typologies"]["rows"]}
    entrepreneurial = rows[Typology.ENTREPRENEURIAL.label]
    militant = rows[Typology.MILITANT.label]
    assert entrepreneurial["actors"] == 1 and entrepreneurial["employees"] == 10
    assert entrepreneurial["initiatives"] == 1 and entrepreneurial["secured"] == Decimal("1000")
    assert militant["offers_targeted"] == 1
    assert militant["offers_open"] == entrepreneurial["offers_open"] + 1


def test_dashboard_renders_with_no_data(client):
    response = client.get("/strategie/")
    assert response.status_code == 200
    assert "Aucun projet publié pour cet axe." in response.content.decode()


@pytest.mark.parametrize("size", [2, 8])
def test_dashboard_queries_do_not_grow(client, django_assert_num_queries, size):
    _portfolio(size)
    # axes, initiatives (progress and money annotated), communes, actors by commune, offers by stage,
    # actors by typology, offers by typology
    with django_assert_num_queries(7):
        assert client.get("/strategie/").status_code == 200
