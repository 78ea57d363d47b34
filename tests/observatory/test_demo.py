"""The demo loader: three years of fictional figures for the demo actors, once."""

import io

import pytest
from django.core.management import call_command

from directory.models import Actor
from observatory.demo import DEMO_YEARS, load_figures_demo
from observatory.models import YearlyFigures

pytestmark = pytest.mark.django_db


def test_load_demo_adds_three_years_of_fictional_figures_once(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    demo_actors = Actor.objects.filter(source=Actor.Source.DEMO, is_fictional=True).count()
    rows = YearlyFigures.objects.all()
    assert rows.count() == demo_actors * len(DEMO_YEARS)
    assert set(rows.values_list("is_fictional", "status")) == {(True, "approved")}
    assert set(rows.values_list("year", flat=True)) == set(DEMO_YEARS)
    assert set(YearlyFigures.history.values_list("history_source", "history_source_detail")) == {
        ("command", "load_demo")
    }
    first = sorted(rows.values_list("actor__slug", "year", "employees", "budget"))
    assert load_figures_demo() == {"chiffres annuels fictifs": 0}
    YearlyFigures.history.all().delete()
    YearlyFigures.objects.all().delete()
    load_figures_demo()
    assert sorted(YearlyFigures.objects.values_list("actor__slug", "year", "employees", "budget")) == first
