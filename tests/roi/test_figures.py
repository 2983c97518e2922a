"""``roi.figures`` is pure: DESIGN.md's worked example from plain inputs, without a database.

No ``django_db`` mark: pytest-django refuses any query here, so a read slipping back into
``roi.figures`` fails these tests.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gaps.models import Gap
from roi import calculations as calc
from roi import figures
from roi.costs import CostModelTimeline
from roi.models import CostModel

T = date(2026, 6, 1)
CLOSED_AT = calc.day_start(T) - timedelta(days=60)
MODEL = CostModel(effective_from=date(2025, 1, 1), currency="EUR")


def gap_a(**overrides) -> Gap:
    """Gap A: 12.00 to serve, 30.00 at risk (unit 42.00), closed 60 days before T."""
    values = {
        "pk": 1,
        "status": Gap.Status.CLOSED,
        "closed_at": CLOSED_AT,
        "cost_to_serve": Decimal("12.00"),
        "revenue_at_risk": Decimal("30.00"),
        "remedy_cost": Decimal("500.00"),
    }
    return Gap(**(values | overrides))


def gap_b(**overrides) -> Gap:
    """Gap B: prevented 45 days before T, 20 a month expected at 25.00 each."""
    values = {
        "pk": 2,
        "status": Gap.Status.PREVENTED,
        "prevented_on": T - timedelta(days=45),
        "expected_monthly_occurrences": Decimal(20),
        "cost_to_serve": Decimal("25.00"),
        "revenue_at_risk": Decimal("0.00"),
        "remedy_cost": Decimal("0.00"),
    }
    return Gap(**(values | overrides))


def test_measured_savings_of_a_gap_from_its_counts():
    figure = figures.measured_gap_savings(
        gap_a(), model=MODEL, as_of=T, baseline={90: 90, 30: 5}, post=10
    )
    assert figure.kind == "measured"
    assert calc.money_str(figure.amount) == "2100.00"
    # The cost model's window picks its own count; the other window is not read.
    assert figure.inputs["baseline_window_days"] == 90
    assert figure.inputs["baseline_occurrences"] == 90
    assert figure.inputs["unit_cost"] == Decimal("42.00")


def test_measured_savings_follow_the_window_of_the_model_in_force():
    model = CostModel(effective_from=date(2025, 1, 1), baseline_window_days=30)
    figure = figures.measured_gap_savings(
        gap_a(), model=model, as_of=T, baseline={90: 90, 30: 60}, post=10
    )
    # 60 in the 30 days before closing: 60 a month; 5 a month since; 2 months × 42.00.
    assert figure.amount == Decimal("4620")


def test_a_window_not_counted_is_zero_and_saves_nothing():
    figure = figures.measured_gap_savings(gap_a(), model=MODEL, as_of=T, baseline={}, post=0)
    assert figure.amount == 0


def test_estimated_savings_of_a_prevented_gap():
    figure = figures.estimated_gap_savings(gap_b(), model=MODEL, as_of=T)
    assert figure.kind == "estimated"
    assert calc.money_str(figure.amount) == "750.00"


@pytest.mark.parametrize(
    ("build", "gap"),
    [
        (
            lambda gap: figures.measured_gap_savings(
                gap, model=MODEL, as_of=T, baseline={}, post=0
            ),
            gap_a(closed_at=None),
        ),
        (lambda gap: figures.estimated_gap_savings(gap, model=MODEL, as_of=T), Gap(pk=3)),
    ],
)
def test_savings_need_the_closing_or_prevention_day(build, gap):
    with pytest.raises(ValueError, match="need"):
        build(gap)


def test_totals_and_summary_of_the_worked_example_without_a_database():
    totals = figures.totals_from(
        as_of=T,
        model=MODEL,
        closed=[gap_a()],
        counts={1: figures.ClosedGapCounts(baseline={90: 90}, post=10)},
        prevented=[gap_b()],
        occurrences=100,
        cost_incurred=Decimal("4200.00"),
    )
    assert totals == figures.Totals(
        gaps_closed=1,
        gaps_prevented=1,
        occurrences=100,
        cost_incurred=Decimal("4200.00"),
        measured_savings=Decimal("2100.00"),
        estimated_savings=Decimal("750.00"),
        remedy_spend=Decimal("500.00"),
    )
    summary = figures.summarise(as_of=T, totals=totals, timeline=CostModelTimeline([MODEL]))
    assert summary.currency == "EUR"
    assert calc.money_str(summary.amount("investment")) == "500.00"
    assert calc.money_str(summary.amount("roi_percent")) == "470.00"
    assert calc.money_str(summary.amount("roi_percent_measured")) == "320.00"


def test_a_closed_gap_without_counts_saves_nothing_in_the_totals():
    totals = figures.totals_from(
        as_of=T,
        model=MODEL,
        closed=[gap_a()],
        counts={},
        prevented=[],
        occurrences=0,
        cost_incurred=Decimal(0),
    )
    assert totals.gaps_closed == 1
    assert totals.measured_savings == 0
    assert totals.remedy_spend == Decimal("500.00")


def test_each_gap_counts_rounded_to_cents():
    # 1 a month expected at 0.01 for 1 day: 0.000333… each, so two such gaps add to 0.00.
    tiny = gap_b(
        prevented_on=T - timedelta(days=1),
        expected_monthly_occurrences=Decimal(1),
        cost_to_serve=Decimal("0.01"),
    )
    totals = figures.totals_from(
        as_of=T,
        model=MODEL,
        closed=[],
        counts={},
        prevented=[tiny, tiny],
        occurrences=0,
        cost_incurred=Decimal(0),
    )
    assert totals.estimated_savings == Decimal("0.00")
