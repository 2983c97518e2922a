"""The edges of the ROI formulas that DESIGN.md states: exact elapsed time, half-open windows,
nothing negative, the horizon, and what each figure says it used."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from roi import calculations as calc

T = date(2026, 6, 1)
T0 = calc.day_start(T)


def test_as_of_day_t_is_midnight_utc_at_its_start():
    assert calc.day_start(T) == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


def test_elapsed_days_count_exact_seconds_and_microseconds():
    later = T0 + timedelta(days=2, hours=6, microseconds=432_000)
    # 2 days + 21,600 s + 0.432 s, ÷ 86,400, exactly.
    expected = Decimal(2) + (Decimal(21_600) + Decimal("0.432")) / Decimal(86_400)
    assert calc.elapsed_days(T0, later) == expected
    assert calc.elapsed_days(later, T0) == -expected


def test_months_are_thirty_days_and_never_negative():
    assert calc.months_between(T0, T0 + timedelta(days=45)) == Decimal("1.5")
    assert calc.months_between(T0 + timedelta(days=45), T0) == 0


def test_unit_cost_and_cost_incurred():
    unit = calc.unit_cost(Decimal("12.00"), Decimal("30.00"))
    assert unit == Decimal("42.00")
    assert calc.cost_incurred(7, unit) == Decimal("294.00")


def measured(**given) -> calc.Figure:
    arguments = {
        "closed_at": T0 - timedelta(days=60),
        "as_of": T,
        "baseline_occurrences": 90,
        "post_occurrences": 10,
        "baseline_window_days": 90,
        "unit": Decimal(42),
    }
    arguments.update(given)
    return calc.measured_savings(**arguments)


def test_measured_savings_use_the_cost_models_baseline_window():
    # 90 in a 45-day window is 60 a month, not 30: (60 − 5) × 2 × 42 = 4,620.
    figure = measured(baseline_window_days=45)
    assert figure.inputs["baseline_rate"] == Decimal(60)
    assert calc.money_str(figure.amount) == "4620.00"


def test_more_occurrences_after_closing_than_before_save_nothing_not_a_loss():
    figure = measured(baseline_occurrences=30, post_occurrences=40)
    assert figure.amount == 0
    assert figure.inputs["post_rate"] == Decimal(20)


def test_equal_rates_before_and_after_save_exactly_nothing():
    assert measured(baseline_occurrences=30, post_occurrences=20).amount == 0


def test_savings_of_a_gap_closed_one_microsecond_before_t_are_tiny_not_zero():
    figure = measured(closed_at=T0 - timedelta(microseconds=1), post_occurrences=0)
    assert 0 < figure.amount < Decimal("0.000001")


def test_measured_figure_names_its_formula_and_every_input():
    figure = measured()
    assert figure.formula == "max(0, baseline_rate − post_rate) × months_after × unit_cost"
    assert figure.inputs == {
        "closed_at": (T0 - timedelta(days=60)).isoformat(),
        "as_of": "2026-06-01",
        "baseline_window_days": 90,
        "baseline_occurrences": 90,
        "baseline_rate": Decimal(30),
        "post_occurrences": 10,
        "months_after": Decimal(2),
        "post_rate": Decimal(5),
        "unit_cost": Decimal(42),
    }


def estimated(**given) -> calc.Figure:
    arguments = {
        "prevented_on": T - timedelta(days=45),
        "as_of": T,
        "expected_monthly_occurrences": Decimal(20),
        "horizon_days": 365,
        "unit": Decimal(25),
    }
    arguments.update(given)
    return calc.estimated_savings(**arguments)


def test_estimated_savings_count_up_to_the_horizon_and_no_further():
    # 30 a month: exactly at the horizon, and one day either side of it.
    def at(days: int) -> Decimal:
        return estimated(prevented_on=T - timedelta(days=days), horizon_days=60).amount

    assert calc.money_str(at(59)) == "983.33"  # 20 × 59 ÷ 30 × 25
    assert at(60) == Decimal(1000)
    assert at(61) == Decimal(1000)


def test_prevented_today_saves_nothing_yet():
    figure = estimated(prevented_on=T)
    assert figure.amount == 0
    assert figure.inputs["days_since_prevented"] == 0


def test_prevented_in_the_future_counts_no_days():
    figure = estimated(prevented_on=T + timedelta(days=10))
    assert figure.inputs["days_since_prevented"] == 0


def test_estimated_figure_names_its_formula_and_every_input():
    figure = estimated()
    assert figure.kind == "estimated"
    assert calc.money_str(figure.amount) == "750.00"
    assert figure.formula == (
        "expected_monthly_occurrences × min(days_since_prevented, horizon_days) ÷ 30 × unit_cost"
    )
    assert figure.inputs == {
        "prevented_on": "2026-04-17",
        "as_of": "2026-06-01",
        "expected_monthly_occurrences": Decimal(20),
        "days_since_prevented": Decimal(45),
        "horizon_days": 365,
        "unit_cost": Decimal(25),
    }


def test_estimated_savings_keep_fractions_of_a_cent_until_shown():
    # 1 a month × 1 day ÷ 30 × 1.00 = 0.0333…: kept exact, shown as 0.03.
    figure = estimated(
        prevented_on=T - timedelta(days=1),
        expected_monthly_occurrences=Decimal(1),
        unit=Decimal(1),
    )
    assert abs(figure.amount - Decimal(1) / Decimal(30)) < Decimal("1e-25")
    assert calc.money_str(figure.amount) == "0.03"


def test_roi_percent_is_gain_over_investment():
    assert calc.roi_percent(Decimal(750), Decimal(500)) == Decimal(50)
    assert calc.roi_percent(Decimal(250), Decimal(500)) == Decimal(-50)
    assert calc.roi_percent(Decimal(5), Decimal("0.01")) == Decimal(49_900)


def test_negative_investment_leaves_roi_not_defined():
    assert calc.roi_percent(Decimal(10), Decimal(-1)) is None


def test_investment_without_programme_cost_is_the_remedy_costs():
    assert calc.investment(remedy_costs=Decimal("123.45")) == Decimal("123.45")


def test_cents_round_half_up():
    assert calc.cents(Decimal("0.125")) == Decimal("0.13")
    assert calc.cents(Decimal("0.135")) == Decimal("0.14")
    assert calc.cents(Decimal("0.124999")) == Decimal("0.12")


def close_to(amount: Decimal, exact: Fraction) -> bool:
    """Equal to the exact fraction far below a cent: no rounding before the figure is shown."""
    return abs(Fraction(amount) - exact) < Fraction(1, 10**30)


def test_a_long_heavy_history_is_measured_exactly():
    # A million occurrences in the window, closed a year and a microsecond ago: the exact
    # fraction (baseline × elapsed ÷ window − post) × unit, in microseconds, to 30 decimals.
    elapsed = timedelta(days=365, microseconds=1)
    figure = measured(
        closed_at=T0 - elapsed,
        baseline_occurrences=1_000_003,
        post_occurrences=7,
        unit=Decimal("42.37"),
    )
    window = timedelta(days=90)
    exact = (Fraction(1_000_003) * Fraction(elapsed // timedelta(microseconds=1))) / Fraction(
        window // timedelta(microseconds=1)
    )
    assert close_to(figure.amount, (exact - 7) * Fraction("42.37"))


def test_an_estimate_is_exact_until_shown():
    # 44 days ÷ 30 does not end: the quotient is kept to far more than 28 digits.
    figure = estimated(
        prevented_on=T - timedelta(days=44),
        expected_monthly_occurrences=Decimal("1234.567"),
        unit=Decimal("42.37"),
    )
    assert close_to(figure.amount, Fraction("1234.567") * 44 * Fraction("42.37") / 30)


def test_a_gaps_monthly_cost_counts_the_thirty_days_before_the_day_asked():
    """DESIGN.md's monthly cost: occurrences in [T − 30 days, T) from 00:00 UTC × unit cost;
    the gap page, the feeds and the rollup's snapshots all take this one window."""
    start, end = calc.monthly_cost_window(T)
    assert (start, end) == (datetime(2026, 5, 2, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    assert calc.monthly_cost(12, Decimal("2.50")) == Decimal("30.00")
    assert calc.monthly_cost(0, Decimal("2.50")) == 0
    assert calc.monthly_cost(3, Decimal("0.333")) == Decimal("0.999")


def test_figure_inputs_are_shown_as_money_to_the_cent_and_rates_to_six_places():
    """What the API and the formula popovers show of a figure's inputs: money half-up to
    cents, other decimals to six places without trailing zeros, counts as they are."""
    assert calc.plain("unit_cost", Decimal("1.005")) == "1.01"
    assert calc.plain("investment", Decimal("10")) == "10.00"
    assert calc.plain("baseline_rate", Decimal("2.1234567")) == "2.123457"
    assert calc.plain("baseline_rate", Decimal("3.000000")) == "3"
    assert calc.plain("months_after", Decimal("10")) == "10"
    assert calc.plain("post_occurrences", 7) == 7
    assert calc.plain_inputs(
        {"unit_cost": Decimal("2"), "baseline_rate": Decimal("0.5"), "days": 3}
    ) == {"unit_cost": "2.00", "baseline_rate": "0.5", "days": 3}
