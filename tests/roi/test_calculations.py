"""The ROI formulas of DESIGN.md, starting with its worked example, to the cent."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from roi import calculations as calc

T = date(2026, 6, 1)
T0 = calc.day_start(T)


def test_worked_example_from_design():
    # Gap A: unit 12.00 + 30.00; 90 occurrences in the 90 days before closing, 10 in the 60 since.
    unit_a = calc.unit_cost(Decimal("12.00"), Decimal("30.00"))
    a = calc.measured_savings(
        closed_at=T0 - timedelta(days=60),
        as_of=T,
        baseline_occurrences=90,
        post_occurrences=10,
        baseline_window_days=90,
        unit=unit_a,
    )
    assert calc.money_str(a.amount) == "2100.00"
    # Gap B: prevented 45 days ago, 20 a month expected at 25.00 each.
    b = calc.estimated_savings(
        prevented_on=T - timedelta(days=45),
        as_of=T,
        expected_monthly_occurrences=Decimal(20),
        horizon_days=365,
        unit=Decimal("25.00"),
    )
    assert calc.money_str(b.amount) == "750.00"
    invested = calc.investment(remedy_costs=Decimal("500.00"))
    assert calc.money_str(calc.roi_percent(a.amount + b.amount, invested)) == "470.00"
    assert calc.money_str(calc.roi_percent(a.amount, invested)) == "320.00"


def test_measured_inputs_name_every_number_used():
    figure = calc.measured_savings(
        closed_at=T0 - timedelta(days=60),
        as_of=T,
        baseline_occurrences=90,
        post_occurrences=10,
        baseline_window_days=90,
        unit=Decimal(42),
    )
    assert figure.kind == "measured"
    assert figure.inputs["baseline_rate"] == Decimal(30)
    assert figure.inputs["post_rate"] == Decimal(5)
    assert figure.inputs["months_after"] == Decimal(2)
    assert figure.inputs["unit_cost"] == Decimal(42)


def test_no_occurrences_before_close_saves_nothing():
    figure = calc.measured_savings(
        closed_at=T0 - timedelta(days=30),
        as_of=T,
        baseline_occurrences=0,
        post_occurrences=3,
        baseline_window_days=90,
        unit=Decimal(10),
    )
    assert figure.amount == 0


@pytest.mark.parametrize("hours_before_t", [0, -5])
def test_closed_on_or_after_t_has_no_months_after_and_saves_nothing(hours_before_t):
    figure = calc.measured_savings(
        closed_at=T0 - timedelta(hours=hours_before_t),
        as_of=T,
        baseline_occurrences=90,
        post_occurrences=0,
        baseline_window_days=90,
        unit=Decimal(10),
    )
    assert figure.amount == 0
    assert figure.inputs["post_rate"] is None


def test_closed_yesterday_afternoon_counts_exact_seconds():
    # 12 hours after closing with no recurrence: 30 a month × (0.5 days ÷ 30) × 10 = 5.00.
    figure = calc.measured_savings(
        closed_at=datetime(2026, 5, 31, 12, 0, tzinfo=UTC),
        as_of=T,
        baseline_occurrences=90,
        post_occurrences=0,
        baseline_window_days=90,
        unit=Decimal(10),
    )
    assert calc.money_str(figure.amount) == "5.00"


def test_prevented_beyond_the_horizon_counts_only_the_horizon():
    figure = calc.estimated_savings(
        prevented_on=T - timedelta(days=500),
        as_of=T,
        expected_monthly_occurrences=Decimal(3),
        horizon_days=365,
        unit=Decimal(10),
    )
    assert calc.money_str(figure.amount) == "365.00"
    assert figure.inputs["days_since_prevented"] == Decimal(500)


def test_prevented_in_the_future_saves_nothing_yet():
    figure = calc.estimated_savings(
        prevented_on=T + timedelta(days=3),
        as_of=T,
        expected_monthly_occurrences=Decimal(3),
        horizon_days=365,
        unit=Decimal(10),
    )
    assert figure.amount == 0


def test_zero_investment_leaves_roi_not_defined():
    assert calc.roi_percent(Decimal(1000), Decimal(0)) is None


def test_program_cost_accrues_per_month_since_the_first_cost_model():
    invested = calc.investment(
        remedy_costs=Decimal(100),
        program_costs=[(Decimal(300), T - timedelta(days=45), T)],
    )
    assert invested == Decimal(550)


def test_each_cost_model_version_pays_program_cost_for_its_own_months():
    # 100 a month for 60 days, then 200 a month for 30 days: 200 + 200, not 200 × 3.
    invested = calc.investment(
        remedy_costs=Decimal(7),
        program_costs=[
            (Decimal(100), T - timedelta(days=90), T - timedelta(days=30)),
            (Decimal(200), T - timedelta(days=30), T),
        ],
    )
    assert invested == Decimal(407)


def test_a_negative_zero_is_shown_as_zero():
    assert calc.money_str(Decimal("-0.001")) == "0.00"
    assert calc.money_str(calc.roi_percent(Decimal("100.00"), Decimal("100.000001"))) == "0.00"


def test_money_is_rounded_half_up_to_cents_only_when_shown():
    assert calc.money_str(Decimal("2.005")) == "2.01"
    assert calc.money_str(Decimal("-2.005")) == "-2.01"
    assert calc.money_str(None) is None
