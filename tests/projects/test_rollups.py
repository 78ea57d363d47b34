"""Progress from weighted milestones (or set by hand) and funding totals, per object and annotated for lists."""

import datetime
from decimal import Decimal

import pytest

from projects.models import FundingLine, Indicator, Initiative
from tests.projects import factories as f

DONE = datetime.date(2024, 7, 1)


@pytest.mark.django_db
def test_progress_is_the_weighted_share_of_milestones_done():
    initiative = f.initiative()
    f.milestone(initiative, weight=3, done_on=DONE)
    f.milestone(initiative, weight=1, done_on=DONE)
    f.milestone(initiative, weight=4)
    assert initiative.milestone_weights() == (4, 8)
    assert initiative.progress == 50
    assert initiative.progress_source == "milestones"


@pytest.mark.django_db
def test_progress_is_unknown_without_milestones_or_manual_value():
    initiative = f.initiative()
    assert initiative.progress is None
    assert initiative.progress_source == "none"


@pytest.mark.django_db
def test_a_manual_progress_is_used_and_stated_as_such():
    initiative = f.initiative(progress_is_manual=True, manual_progress=35)
    f.milestone(initiative, done_on=DONE)
    assert initiative.progress == 35
    assert initiative.progress_source == "manual"


@pytest.mark.django_db
def test_unticking_manual_progress_forgets_the_value():
    initiative = f.initiative(progress_is_manual=True, manual_progress=35)
    initiative.progress_is_manual = False
    initiative.save()
    initiative.refresh_from_db()
    assert initiative.manual_progress is None


@pytest.mark.django_db
def test_funding_totals_split_requested_secured_paid_and_the_gap():
    initiative = f.initiative(target_budget=Decimal("10000"))
    f.funding_line(initiative, amount=Decimal("2000"), status=FundingLine.Status.REQUESTED)
    f.funding_line(initiative, amount=Decimal("3000"), status=FundingLine.Status.SECURED)
    f.funding_line(initiative, amount=Decimal("1500"), status=FundingLine.Status.PAID)
    f.funding_line(initiative, amount=Decimal("9999"), status=FundingLine.Status.REFUSED)
    totals = initiative.funding_totals()
    assert (totals.requested, totals.secured, totals.paid, totals.refused) == (
        Decimal("2000"),
        Decimal("4500"),  # secured money includes what was already paid
        Decimal("1500"),
        Decimal("9999"),
    )
    assert totals.gap == Decimal("5500")
    assert totals.secured_percent == 45


@pytest.mark.django_db
def test_there_is_no_gap_without_a_target_and_none_once_fully_funded():
    no_target = f.initiative()
    f.funding_line(no_target, amount=Decimal("100"))
    assert no_target.funding_totals().gap is None
    funded = f.initiative(target_budget=Decimal("100"))
    f.funding_line(funded, amount=Decimal("150"))
    assert funded.funding_totals().gap == Decimal("0")
    assert funded.funding_totals().secured_percent == 100


@pytest.mark.django_db
def test_list_annotations_give_the_same_figures_as_the_methods():
    a = f.initiative(target_budget=Decimal("5000"))
    f.funding_line(a, amount=Decimal("1000"), status=FundingLine.Status.PAID)
    f.funding_line(a, amount=Decimal("700"), status=FundingLine.Status.REQUESTED)
    f.milestone(a, weight=2, done_on=DONE)
    f.milestone(a, weight=2)
    b = f.initiative(progress_is_manual=True, manual_progress=80)
    expected = {obj.pk: (obj.progress, obj.funding_totals()) for obj in (a, b)}
    annotated = {obj.pk: (obj.progress, obj.funding_totals()) for obj in Initiative.objects.for_list()}
    assert annotated == expected
    assert expected[a.pk][0] == 50


@pytest.mark.django_db
def test_list_annotations_do_not_multiply_with_joins(django_assert_num_queries):
    """Milestones and funding lines are summed in subqueries, so neither inflates the other."""
    initiative = f.initiative(target_budget=Decimal("1000"))
    for _ in range(3):
        f.milestone(initiative, weight=1, done_on=DONE)
        f.funding_line(initiative, amount=Decimal("100"))
    with django_assert_num_queries(2):  # the initiatives, then their communes
        rows = list(Initiative.objects.for_list())
        progress = [(row.progress, row.funding_totals().secured, row.axis.title, row.communes.all()) for row in rows]
    assert progress[0][:2] == (100, Decimal("300"))


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 12])
def test_list_figures_cost_no_query_per_row(size, django_assert_num_queries):
    for n in range(size):
        initiative = f.initiative(target_budget=Decimal("1000"), lead_actor=f.actor() if n % 2 else None)
        f.milestone(initiative, done_on=DONE)
        f.funding_line(initiative)
        f.approved_review(initiative)
    with django_assert_num_queries(2):
        for row in Initiative.objects.for_list():
            (
                row.progress,
                row.funding_totals().gap,
                row.energy_review_decision,
                row.lead_actor,
                list(row.communes.all()),
            )


@pytest.mark.django_db
def test_an_indicator_reaches_its_target_upwards_or_downwards_when_it_aims_lower():
    initiative = f.initiative()
    jobs = f.indicator(initiative, baseline=Decimal("0"), target=Decimal("10"))
    waste = f.indicator(initiative, baseline=Decimal("50"), target=Decimal("20"))
    untargeted = f.indicator(initiative, target=None)
    assert (jobs.is_target_reached(Decimal("10")), jobs.is_target_reached(Decimal("9"))) == (True, False)
    assert (waste.is_target_reached(Decimal("20")), waste.is_target_reached(Decimal("21"))) == (True, False)
    assert untargeted.is_target_reached(Decimal("5")) is None
    assert jobs.is_target_reached(None) is None


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 6])
def test_latest_measurement_is_annotated_without_a_query_per_indicator(size, django_assert_num_queries):
    initiative = f.initiative()
    for n in range(size):
        indicator = f.indicator(initiative)
        for month in (3, 9, 6):
            f.measurement(indicator, measured_on=datetime.date(2024, month, 1), value=Decimal(n * 10 + month))
    f.indicator(initiative, name="Jamais mesuré")
    with django_assert_num_queries(1):
        rows = {row.name: row for row in Indicator.objects.with_latest_measurement()}
    measured = [row for name, row in rows.items() if name != "Jamais mesuré"]
    assert {(row.latest_measured_on, row.measurement_count) for row in measured} == {(datetime.date(2024, 9, 1), 3)}
    assert sorted(row.latest_value for row in measured) == [Decimal(n * 10 + 9) for n in range(size)]
    never = rows["Jamais mesuré"]
    assert (never.latest_value, never.latest_measured_on, never.measurement_count) == (None, None, 0)
