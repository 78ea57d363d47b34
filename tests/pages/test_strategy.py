"""The strategy dashboard: per axis its initiatives, states and progress; charts with their data tables."""

import datetime
import html
from decimal import Decimal

import pytest

from directory.models import PublicationStatus, Stage, SupportOffer, Typology
from projects import rollups
from projects.models import FundingLine, Initiative, Objective
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
    assert response.context["initiative_count"] == 3
    assert "Brouillon de stratégie" not in content
    # Each axis and each of its states links to the initiatives list, filtered.
    axis = project_factories.axis(1)
    assert f'href="/projets/?axis={axis.slug}&amp;status=in_progress">1 en cours</a>' in content
    assert f'<a href="/projets/?axis={axis.slug}">Le projet de l' in content
    assert "Avancement : 100 % (un projet compté)." in content


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


def _axis_row(response, number: int) -> dict:
    return next(row for row in response.context["axis_rows"] if row["axis"].number == number)


def test_axis_progress_is_weighted_by_target_budget_when_every_initiative_has_one(client):
    axis = project_factories.axis(2)
    small = project_factories.initiative(axis=axis, target_budget=Decimal("1000"))
    project_factories.milestone(small, done_on=datetime.date(2024, 6, 1))  # 100 %
    large = project_factories.initiative(axis=axis, target_budget=Decimal("3000"))
    project_factories.milestone(large)  # 0 %
    response = client.get("/strategie/")
    progress = _axis_row(response, 2)["rollup"].progress
    assert (progress.percent, progress.weighting, progress.counted) == (25, "budget", 2)
    assert "Avancement : 25 %, moyenne de 2 projets pondérée par leur budget cible." in response.content.decode()


def test_axis_progress_counts_each_initiative_the_same_when_a_budget_is_missing(client):
    axis = project_factories.axis(2)
    small = project_factories.initiative(axis=axis, target_budget=Decimal("1000"))
    project_factories.milestone(small, done_on=datetime.date(2024, 6, 1))
    unbudgeted = project_factories.initiative(axis=axis)
    project_factories.milestone(unbudgeted)
    response = client.get("/strategie/")
    progress = _axis_row(response, 2)["rollup"].progress
    assert (progress.percent, progress.weighting) == (50, "equal")
    content = response.content.decode()
    assert "Avancement : 50 %, moyenne de 2 projets comptant chacun autant (tous n'ont pas de budget cible)." in (
        content
    )
    assert "pondérée par leur budget cible quand chacun de ces projets a un budget cible" in content


def test_abandoned_and_unknown_initiatives_are_left_out_of_the_progress_and_the_page_says_so(client):
    axis = project_factories.axis(3)
    done = project_factories.initiative(axis=axis, target_budget=Decimal("1000"))
    project_factories.milestone(done, done_on=datetime.date(2024, 6, 1))
    abandoned = project_factories.initiative_in("abandoned", axis=axis, target_budget=Decimal("9000"))
    project_factories.milestone(abandoned)
    project_factories.funding_line(abandoned, amount=Decimal("500"))
    project_factories.initiative(axis=axis, title="Projet fictif sans jalon")
    response = client.get("/strategie/")
    rollup = _axis_row(response, 3)["rollup"]
    assert (rollup.progress.percent, rollup.progress.counted) == (100, 1)
    assert (rollup.progress.abandoned, rollup.progress.unknown) == (1, 1)
    assert (rollup.money.target, rollup.money.secured) == (Decimal("1000"), Decimal("0"))
    content = response.content.decode()
    assert "1 projet abandonné est laissé de côté (avancement, montants et indicateurs)." in content
    assert "1 projet sans avancement connu (ni jalon, ni avancement estimé) ne compte pas dans l'avancement." in (
        content
    )
    assert f'href="/projets/?axis={axis.slug}&amp;status=abandoned">1 abandonné</a>' in content
    overall = response.context["overall_progress"]
    assert (overall.percent, overall.abandoned, overall.unknown) == (100, 1, 1)


def test_unpublished_initiatives_count_in_no_roll_up(client):
    axis = project_factories.axis(1)
    published = project_factories.initiative(axis=axis, target_budget=Decimal("1000"))
    project_factories.milestone(published)
    project_factories.funding_line(published, amount=Decimal("100"))
    draft = project_factories.initiative(
        axis=axis, title="Brouillon chiffré", target_budget=Decimal("5000"), publication_status=PublicationStatus.DRAFT
    )
    project_factories.milestone(draft, done_on=datetime.date(2024, 6, 1))
    project_factories.funding_line(draft, amount=Decimal("4000"))
    project_factories.indicator(draft, name="Indicateur du brouillon")
    response = client.get("/strategie/")
    rollup = _axis_row(response, 1)["rollup"]
    assert rollup.progress.percent == 0
    assert (rollup.money.target, rollup.money.secured) == (Decimal("1000"), Decimal("100"))
    assert rollup.indicators.total == 0
    content = response.content.decode()
    assert "Brouillon chiffré" not in content and "Indicateur du brouillon" not in content


def test_each_axis_counts_its_initiatives_by_objective(client):
    axis = project_factories.axis(5)
    objectives = list(Objective.objects.filter(axis=axis).order_by("position"))
    assert len(objectives) >= 2
    project_factories.initiative(axis=axis, objective=objectives[0], title="Projet fictif d'occupation")
    project_factories.initiative(axis=axis, objective=objectives[0], title="Projet fictif de rez-de-chaussée")
    project_factories.initiative(axis=axis, title="Projet fictif sans objectif")
    response = client.get("/strategie/")
    groups = _axis_row(response, 5)["rollup"].objectives
    assert [(group.objective, group.initiatives) for group in groups] == [
        (objectives[0], 2),
        *[(objective, 0) for objective in objectives[1:]],
        (None, 1),
    ]
    content = html.unescape(response.content.decode())
    section = content[content.index(f'id="objectifs-axe-{axis.slug}"') :]
    for objective in objectives:
        assert objective.title in section
    assert section.index(objectives[0].title) < section.index("Autres projets de l'axe (sans objectif)")
    assert f"Les 3 projets de l'axe « {axis.title} » en détail" in content


def test_axis_money_sums_target_requested_secured_and_paid(client):
    axis = project_factories.axis(4)
    a = project_factories.initiative(axis=axis, target_budget=Decimal("10000"))
    project_factories.funding_line(a, amount=Decimal("2000"), status=FundingLine.Status.REQUESTED)
    project_factories.funding_line(a, amount=Decimal("3000"), status=FundingLine.Status.SECURED)
    b = project_factories.initiative(axis=axis)
    project_factories.funding_line(b, amount=Decimal("1500"), status=FundingLine.Status.PAID)
    project_factories.funding_line(b, amount=Decimal("700"), status=FundingLine.Status.REFUSED)
    response = client.get("/strategie/")
    money = _axis_row(response, 4)["rollup"].money
    assert (money.target, money.with_target, money.counted) == (Decimal("10000"), 1, 2)
    assert (money.requested, money.secured, money.paid) == (Decimal("2000"), Decimal("4500"), Decimal("1500"))
    content = response.content.decode()
    assert "(1 projet sur 2 a un budget cible)" in content
    assert "Acquis (engagé, y compris versé)" in content


def test_axis_indicators_roll_up_with_their_latest_measurement(client):
    axis = project_factories.axis(2)
    initiative = project_factories.initiative(axis=axis, title="Projet fictif mesuré")
    jobs = project_factories.indicator(initiative, name="Emplois créés", target=Decimal("10"))
    project_factories.measurement(jobs, measured_on=datetime.date(2024, 9, 1), value=Decimal("12"))
    project_factories.measurement(jobs, measured_on=datetime.date(2024, 3, 1), value=Decimal("2"))
    waste = project_factories.indicator(
        initiative, name="Déchets enfouis", unit="tonnes", baseline=Decimal("50"), target=Decimal("20")
    )
    project_factories.measurement(waste, measured_on=datetime.date(2024, 9, 1), value=Decimal("30"))
    project_factories.indicator(initiative, name="Personnes accueillies", unit="personnes")
    response = client.get("/strategie/")
    indicators = _axis_row(response, 2)["rollup"].indicators
    # Jobs reached their target with the latest measurement (12 ≥ 10; the earlier 2 does not count);
    # waste aims lower and 30 t is not yet 20 t; people are not measured.
    assert (indicators.total, indicators.measured, indicators.reached) == (3, 2, 1)
    content = response.content.decode()
    assert "3 indicateurs suivis" in content and "2 mesurés" in content and "1 a atteint sa cible" in content


@pytest.mark.parametrize("size", [2, 8])
def test_dashboard_queries_do_not_grow(client, django_assert_num_queries, size):
    _portfolio(size)
    for n, initiative in enumerate(Initiative.objects.all()):
        initiative.objective = Objective.objects.filter(axis=initiative.axis).first()
        initiative.save()
        indicator = project_factories.indicator(initiative)
        project_factories.measurement(indicator, measured_on=datetime.date(2024, 1 + n % 12, 1))
    # The data version (the page is kept for anonymous visitors, its figures for the version), then
    # every figure as an aggregate: axes, objectives, initiatives grouped by axis, objective, state and
    # lead typology, progress sums by axis, funding sums, indicator counts by axis; communes, actors by
    # commune, offers by stage, actors by typology, offers by typology.
    with django_assert_num_queries(12):
        assert client.get("/strategie/").status_code == 200
    # Asked again at the same data version: the kept answer, after reading the version.
    with django_assert_num_queries(1):
        assert client.get("/strategie/").status_code == 200


def test_figures_are_the_sums_of_a_small_portfolio_computed_by_hand(client):
    """Two axes, five initiatives: every figure of the page, computed by hand."""
    one, two = project_factories.axis(1), project_factories.axis(2)
    lead = factories.actor(name="Acteur fictif porteur", typology=Typology.MILITANT)
    # Axis 1: progress 12.5 % (1 of weight 8) rounds half to even to 12 %, as the initiative's own page.
    first = project_factories.initiative_in("in_progress", axis=one, lead_actor=lead, target_budget=Decimal("1000"))
    project_factories.milestone(first, weight=1, done_on=datetime.date(2024, 6, 1))
    project_factories.milestone(first, weight=7)
    project_factories.funding_line(first, amount=Decimal("300"), status=FundingLine.Status.SECURED)
    project_factories.funding_line(first, amount=Decimal("200"), status=FundingLine.Status.REQUESTED)
    # 60 % set by hand, budget 3000: weighted by budget, (12 × 1000 + 60 × 3000) / 4000 = 48 %.
    project_factories.initiative(axis=one, target_budget=Decimal("3000"), progress_is_manual=True, manual_progress=60)
    abandoned = project_factories.initiative_in("abandoned", axis=one, lead_actor=lead)
    project_factories.funding_line(abandoned, amount=Decimal("5000"), status=FundingLine.Status.PAID)
    # Axis 2: one without budget (equal weights): (100 + 25) / 2 = 62.5, rounded half to even: 62 %.
    done = project_factories.initiative(axis=two)
    project_factories.milestone(done, done_on=datetime.date(2024, 6, 1))
    quarter = project_factories.initiative(axis=two, target_budget=Decimal("500"))
    project_factories.milestone(quarter, weight=1, done_on=datetime.date(2024, 6, 1))
    project_factories.milestone(quarter, weight=3)
    project_factories.funding_line(quarter, amount=Decimal("100"), status=FundingLine.Status.PAID)
    assert Initiative.objects.with_progress().get(pk=first.pk).progress == 12

    response = client.get("/strategie/")
    first_axis, second_axis = _axis_row(response, 1)["rollup"], _axis_row(response, 2)["rollup"]
    assert first_axis.initiative_count == 3
    assert first_axis.status_counts == {"in_progress": 1, "idea": 1, "abandoned": 1}
    assert first_axis.progress == rollups.RolledUpProgress(48, "budget", counted=2, abandoned=1, unknown=0)
    assert first_axis.money == rollups.RolledUpMoney(
        counted=2,
        target=Decimal("4000"),
        with_target=2,
        requested=Decimal("200"),
        secured=Decimal("300"),
        paid=Decimal("0"),
    )
    assert second_axis.progress == rollups.RolledUpProgress(62, "equal", counted=2, abandoned=0, unknown=0)
    assert (second_axis.money.secured, second_axis.money.paid) == (Decimal("100"), Decimal("100"))
    # The strategy: the four counted initiatives do not all have a budget: (12 + 60 + 100 + 25) / 4 = 49.25.
    assert response.context["overall_progress"] == rollups.RolledUpProgress(
        49, "equal", counted=4, abandoned=1, unknown=0
    )
    assert response.context["initiative_count"] == 5
    militant = {row["label"]: row for row in response.context["typologies"]["rows"]}[Typology.MILITANT.label]
    # Led initiatives count abandoned ones too, and so does the money they secured.
    assert (militant["initiatives"], militant["secured"]) == (2, Decimal("5300"))
    status_chart = response.context["status_chart"]
    statuses = Initiative.Status.values
    axis_one_values = status_chart["rows"][0]["values"]
    assert dict(zip(statuses, axis_one_values, strict=True)) == {
        status: {"in_progress": 1, "idea": 1, "abandoned": 1}.get(status, 0) for status in statuses
    }


def test_a_write_changes_the_served_figures_at_once(client):
    axis = project_factories.axis(1)
    initiative = project_factories.initiative_in("in_progress", axis=axis)
    first = client.get("/strategie/")
    assert _axis_row(first, 1)["rollup"].status_counts == {"in_progress": 1}
    assert client.get("/strategie/").content == first.content  # kept for the data version

    initiative.status = Initiative.Status.COMPLETED
    initiative.save()
    response = client.get("/strategie/")
    assert _axis_row(response, 1)["rollup"].status_counts == {"completed": 1}
    assert f'href="/projets/?axis={axis.slug}&amp;status=completed">1 terminé</a>' in response.content.decode()

    project_factories.funding_line(initiative, amount=Decimal("750"), status=FundingLine.Status.SECURED)
    assert _axis_row(client.get("/strategie/"), 1)["rollup"].money.secured == Decimal("750")
