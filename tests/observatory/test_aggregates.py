"""The observatory's aggregates against the figures of conftest.py's territory, computed by hand."""

from decimal import Decimal

import pytest

from observatory import services

pytestmark = pytest.mark.django_db


def _groups(by, year=2025, **kwargs):
    result = services.breakdown(by, services.figure_rows(), **kwargs)
    return {(group.key, group.year): group for group in result.groups if group.year == year}, result


def _shown(group):
    return {name: (None if cell.hidden else cell.value, cell.actors) for name, cell in group.cells.items()}


def test_the_territory_total_counts_only_approved_figures_of_published_actors(territory):
    groups, _result = _groups("year")
    total = groups[("", 2025)]
    # 10+20+5+2+0+1+7+3+4: the draft actor's 1000 and the pending proposal's 999 are left out.
    assert total.actors == 9
    assert _shown(total) == {
        "employees": (52, 9),
        "fte": (Decimal("29.5"), 6),
        "volunteers": (40, 3),
        "members": (None, 0),
        "budget": (350_000, 3),
        "integration_hours": (None, 0),
        # (50+30+10+80+20+60) / 6 = 41.67
        "local_purchasing_share": (Decimal("41.7"), 6),
    }


def test_trends_give_each_year(territory):
    result = services.breakdown("year", services.figure_rows())
    assert [(group.year, group.actors, group.cells["employees"].value) for group in result.groups] == [
        (2025, 9, 52),
        (2024, 3, 32),
    ]


def test_communes_hide_the_groups_of_fewer_than_three_actors(territory):
    groups, result = _groups("commune")
    assert set(groups) == {("93048", 2025), ("93055", 2025), ("93010", 2025), ("93006", 2025), ("93053", 2025)}
    montreuil, pantin = groups[("93048", 2025)], groups[("93055", 2025)]
    assert (montreuil.label, montreuil.actors, montreuil.hidden) == ("Montreuil", 3, False)
    assert _shown(montreuil)["employees"] == (35, 3)
    assert _shown(montreuil)["fte"] == (Decimal("27.5"), 3)
    assert _shown(montreuil)["budget"] == (350_000, 3)
    assert _shown(montreuil)["local_purchasing_share"] == (Decimal("30.0"), 3)
    assert _shown(pantin)["employees"] == (3, 3)
    assert _shown(pantin)["fte"] == (Decimal("2.0"), 3)
    assert _shown(pantin)["volunteers"] == (40, 3)
    # (80+20+60) / 3
    assert _shown(pantin)["local_purchasing_share"] == (Decimal("53.3"), 3)
    for insee in ("93010", "93006", "93053"):
        assert groups[(insee, 2025)].hidden
        assert _shown(groups[(insee, 2025)])["employees"] == (None, 1)
    # 2025's three hidden communes, and 2024's Montreuil alone (3 actors) is shown.
    assert result.hidden_groups == 3
    assert [group.key for group in result.visible] == ["93048", "93055", "93048"]


def test_both_typologies_side_by_side(territory):
    groups, result = _groups("typology")
    assert {key: (group.actors, _shown(group)["employees"]) for (key, _year), group in groups.items()} == {
        "entrepreneurial": (3, (35, 3)),
        "militant": (3, (3, 3)),
        "undetermined": (3, (14, 3)),
    }
    assert groups[("militant", 2025)].label == "militante et ancrée localement, modèle économique fragile"
    assert result.hidden_groups == 0


def test_legal_families_group_the_legal_forms(territory):
    groups, _result = _groups("legal_family")
    associations = groups[("associations", 2025)]
    assert (associations.actors, _shown(associations)["employees"]) == (5, (17, 5))
    # SCOP + SCIC: 2 actors; a foundation, a mutual: 1 each.
    assert groups[("cooperatives", 2025)].hidden
    assert groups[("foundations", 2025)].hidden
    assert groups[("mutuals", 2025)].hidden


def test_sectors_count_each_actor_once_in_its_main_sector(territory):
    groups, _result = _groups("sector")
    food = groups[("alimentation", 2025)]
    # M1 has two sub-sectors of « alimentation »: counted once.
    assert (food.actors, _shown(food)["employees"]) == (3, (35, 3))
    reuse = groups[("reemploi-economie-circulaire", 2025)]
    assert (reuse.actors, _shown(reuse)["employees"]) == (3, (3, 3))
    unknown = groups[("", 2025)]
    assert (unknown.label, unknown.actors, _shown(unknown)["employees"]) == ("secteur non renseigné", 3, (14, 3))


def test_priority_neighbourhoods(territory):
    groups, _result = _groups("neighbourhood")
    la_noue = groups[("la-noue-malassis-le-plateau", 2025)]
    assert (la_noue.actors, _shown(la_noue)["employees"]) == (3, (35, 3))
    outside = groups[("", 2025)]
    assert (outside.label, outside.actors, _shown(outside)["employees"]) == ("hors quartier prioritaire", 6, (17, 6))


def test_the_threshold_is_a_setting(territory, settings):
    settings.OBSERVATORY_MIN_ACTORS = 1
    groups, result = _groups("commune")
    assert _shown(groups[("93010", 2025)])["employees"] == (7, 1)
    assert result.hidden_groups == 0
    settings.OBSERVATORY_MIN_ACTORS = 4
    groups, _result = _groups("commune")
    assert all(group.hidden for group in groups.values())


def test_a_group_hidden_alone_takes_the_smallest_other_with_it(territory, settings):
    """Otherwise the hidden one would be the total less the others."""
    settings.OBSERVATORY_MIN_ACTORS = 3
    groups, _result = _groups("legal_family")
    # Three small families are hidden already: nothing more.
    assert not groups[("associations", 2025)].hidden
    rows = [row for row in services.figure_rows(year=2025) if row.legal_family in ("associations", "foundations")]
    result = services.breakdown("legal_family", rows)
    hidden = {(group.key, group.year): group.hidden for group in result.groups}
    # Foundations (1 actor) hidden alone in 2025: associations (5 actors) are hidden with it.
    assert hidden == {("associations", 2025): True, ("foundations", 2025): True}


def test_a_figure_on_too_few_actors_is_hidden_in_a_group_shown(territory, settings):
    settings.OBSERVATORY_MIN_ACTORS = 3
    rows = [row for row in services.figure_rows() if row.actor_id != territory["M3"].pk]
    groups = {(group.key, group.year): group for group in services.breakdown("year", rows).groups}
    # Without M3, the budget rests on M1 and M2 only.
    assert _shown(groups[("", 2025)])["budget"] == (None, 2)
    assert _shown(groups[("", 2025)])["employees"] == (47, 8)


def test_published_years(territory):
    assert services.published_years() == [2025, 2024]


def test_figure_rows_read_in_one_query(territory, django_assert_num_queries):
    with django_assert_num_queries(1):
        services.figure_rows()
