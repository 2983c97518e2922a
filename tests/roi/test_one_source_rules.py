"""Monthly cost, rates and cents: each written once and read the same way everywhere."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from gaps import rates
from gaps.models import OPEN_STATUSES
from gaps.occurrences import recurrence_by_gap
from insights.tailoring import gap_monthly_costs, money
from reviews.selectors import gap_rates
from roi import calculations as calc
from roi.gap_money import gap_money
from roi.models import CostModel
from roi.rollup import sql
from tests.factories import GapFactory, OccurrenceFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 1)
START = datetime(2026, 6, 1, tzinfo=UTC)


def test_the_monthly_cost_window_is_the_30_days_before_the_day():
    assert calc.monthly_cost_window(AS_OF) == (START - timedelta(days=30), START)
    assert calc.monthly_cost(3, Decimal("12.50")) == Decimal("37.50")


def test_the_gap_page_and_the_feeds_read_the_same_monthly_cost():
    gap = GapFactory(cost_to_serve=Decimal("10.00"), revenue_at_risk=Decimal("2.50"))
    for moment in (
        START - timedelta(microseconds=1),  # in the month
        START - timedelta(days=30),  # its first moment
        START - timedelta(days=30, microseconds=1),  # the month before
        START,  # as of the day: not yet
    ):
        OccurrenceFactory(gap=gap, occurred_at=moment)
    page = gap_money(gap, AS_OF)
    feed = gap_monthly_costs([gap], AS_OF)[gap.pk]
    assert page.occurrences_last_30_days == feed.occurrences == 2
    assert page.monthly_cost == feed.current == Decimal("25.00")
    assert feed.previous == Decimal("12.50")


def test_rates_divide_by_months_of_30_days():
    assert rates.window_rate(9, window_days=90) == Decimal(3)
    assert rates.monthly_rate(3, months=Decimal("1.5")) == Decimal(2)
    assert rates.months_between(START, START + timedelta(days=45)) == Decimal("1.5")
    assert rates.months_between(START + timedelta(days=45), START) == 0


@override_settings(CXALIGN_RECURRING_BASELINE_DAYS=90)
def test_the_recurring_flag_and_the_measured_savings_share_the_rates():
    """With the same window, both rules see the same baseline and post-closing rates."""
    closed_at = START - timedelta(days=30)
    gap = GapFactory(status="closed", closed_at=closed_at, root_cause="fixed", recurring=False)
    for days in range(1, 10):  # nine in the 90 days before closing: 3 a month
        OccurrenceFactory(gap=gap, occurred_at=closed_at - timedelta(days=days * 9))
    for days in (3, 12):  # two in the month since
        OccurrenceFactory(gap=gap, occurred_at=closed_at + timedelta(days=days))
    recurrence = recurrence_by_gap([gap.pk], START)[gap.pk]
    figure = calc.measured_savings(
        closed_at=closed_at,
        as_of=AS_OF,
        baseline_occurrences=9,
        post_occurrences=2,
        baseline_window_days=90,
        unit=Decimal(1),
    )
    assert recurrence.baseline_rate == figure.inputs["baseline_rate"] == Decimal(3)
    assert recurrence.post_rate == figure.inputs["post_rate"] == Decimal(2)


def test_money_is_rounded_half_up_to_cents_everywhere():
    """The feeds' money and a review's monthly cost round as ``calc.cents`` does."""
    assert money(Decimal("0.125")) == f"{calc.cents(Decimal('0.125')):,}" == "0.13"
    gap = GapFactory(cost_to_serve=Decimal("0.335"), revenue_at_risk=Decimal(0))
    OccurrenceFactory(gap=gap)  # 1 in 90 days: 0.33 a month once shown to two places
    found = gap_rates([gap])[gap.pk]
    assert found.monthly_rate == Decimal("0.33")
    assert found.monthly_cost == calc.cents(Decimal("0.33") * Decimal("0.335")) == Decimal("0.11")


def test_the_rollup_sql_spells_the_open_statuses_of_gaps_models():
    """The SQL path writes the statuses as literals; they must stay ``OPEN_STATUSES``."""
    assert set(sql.OPEN) == set(OPEN_STATUSES)


def test_the_gap_page_names_where_each_part_of_the_unit_cost_comes_from():
    CostModel.objects.create(
        effective_from=AS_OF - timedelta(days=100),
        cost_per_contact=Decimal("3.00"),
        revenue_at_risk_per_occurrence=Decimal("7.50"),
    )
    own = gap_money(
        GapFactory(cost_to_serve=Decimal("1.00"), revenue_at_risk=Decimal("2.00")), AS_OF
    )
    assert (own.cost_to_serve, own.cost_to_serve_source) == (
        Decimal("1.00"),
        "this gap's own figure",
    )
    assert (own.revenue_at_risk_source, own.unit_cost) == ("this gap's own figure", Decimal(3))
    phone = gap_money(GapFactory(touchpoint=TouchpointFactory(name="Phone line")), AS_OF)
    assert (phone.cost_to_serve, phone.cost_to_serve_source) == (
        Decimal("8.00"),
        "Phone line's cost",
    )
    assert (phone.revenue_at_risk, phone.revenue_at_risk_source) == (
        Decimal("7.50"),
        "the cost model's default",
    )
    bare = gap_money(GapFactory(touchpoint=None), AS_OF)
    assert (bare.cost_to_serve_source, bare.unit_cost) == (
        "the cost model's default",
        Decimal("10.50"),
    )
