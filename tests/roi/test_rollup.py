"""The rollup: equal to the figures computed straight from gaps and occurrences, stable when
re-run, catching late occurrences, and never double counting when two runs overlap."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from gaps import services as gap_services
from gaps.models import Occurrence
from roi import calculations as calc
from roi import services
from roi.costs import cost_model_as_of, gap_unit_cost
from roi.figure_inputs import gap_savings, totals_as_of
from roi.figures import Totals
from roi.models import DailyRollup, GapSnapshot, MonthlyRoleRollup, MonthlyTeamRollup, RollupRun
from tests.factories import OccurrenceFactory

from .conftest import T0, TODAY, make_history

pytestmark = pytest.mark.django_db

COMPARED = (
    "gaps_closed",
    "gaps_prevented",
    "occurrences",
    "cost_incurred",
    "measured_savings",
    "estimated_savings",
    "remedy_spend",
)


def rolled_totals(before, **filters) -> Totals:
    """The daily rows before a day, added up."""
    row = DailyRollup.objects.filter(date__lt=before, **filters).aggregate(
        **{name: Sum(name) for name in DailyRollup.MEASURES}
    )
    return Totals.from_row(row)


def assert_same(rolled: Totals, direct: Totals) -> None:
    for name in COMPARED:
        got, expected = getattr(rolled, name), getattr(direct, name)
        if isinstance(expected, Decimal):
            got, expected = calc.cents(Decimal(got)), calc.cents(expected)
        assert got == expected, name


def daily_state() -> set[tuple]:
    return set(
        DailyRollup.objects.values_list(
            "date", "team_id", "role_id", "category", *DailyRollup.MEASURES
        )
    )


@pytest.mark.parametrize("days_before_today", [0, 1, 10, 19, 20, 21, 45, 59, 60, 61, 150, 299])
def test_rollup_equals_the_figures_computed_from_gaps_and_occurrences(history, days_before_today):
    services.rollup_nightly(today=TODAY)
    as_of = TODAY - timedelta(days=days_before_today)
    assert_same(rolled_totals(as_of), totals_as_of(as_of))


def test_the_worked_example_adds_up_in_the_rollup(history):
    result = services.rollup_nightly(today=TODAY)
    assert result.last_day == TODAY - timedelta(days=1)
    billing = rolled_totals(TODAY, team=history["billing"])
    logistics = rolled_totals(TODAY, team=history["logistics"])
    assert calc.money_str(billing.measured_savings) == "2100.00"
    assert calc.money_str(logistics.estimated_savings) == "750.00"
    assert billing.remedy_spend == Decimal("500.00")
    # Gap A's own figure (roi.figure_inputs) is what its team's rows add up to.
    assert billing.measured_savings == calc.cents(gap_savings(history["a"], TODAY).amount)


def test_cost_incurred_follows_the_cost_model_in_force_each_day(history):
    services.rollup_nightly(today=TODAY)
    gap = history["c"]  # no touchpoint, no own costs: the cost model's defaults apply.
    expected = sum(
        (gap_unit_cost(gap, cost_model_as_of(o.occurred_at.date())) for o in gap.occurrences.all()),
        Decimal(0),
    )
    rolled = rolled_totals(TODAY, role=history["dispatch"], category="service")
    assert rolled.cost_incurred == expected
    assert rolled.occurrences == gap.occurrences.count() == 20
    # 15.00 before the change, 18.00 from it: both unit costs appear.
    per_occurrence = {
        row.cost_incurred / row.occurrences
        for row in DailyRollup.objects.filter(role=history["dispatch"], occurrences__gt=0)
    }
    assert per_occurrence == {Decimal("15.00"), Decimal("18.00")}


def test_gaps_opened_closed_and_prevented_land_on_their_days(history):
    services.rollup_nightly(today=TODAY)
    a, b = history["a"], history["b"]
    closed_row = DailyRollup.objects.get(date=a.closed_at.date(), role=a.causing_role)
    assert closed_row.gaps_closed == 1
    assert closed_row.remedy_spend == Decimal("500.00")
    prevented_row = DailyRollup.objects.get(date=b.prevented_on, role=b.causing_role)
    assert prevented_row.gaps_prevented == 1
    assert DailyRollup.objects.aggregate(n=Sum("gaps_opened"))["n"] == 4


def test_monthly_aggregates_are_the_sums_of_their_days(history):
    services.rollup_nightly(today=TODAY)
    for month_row in MonthlyTeamRollup.objects.all():
        days = DailyRollup.objects.filter(
            team=month_row.team,
            date__year=month_row.month.year,
            date__month=month_row.month.month,
        ).aggregate(**{name: Sum(name) for name in DailyRollup.MEASURES})
        assert Totals.from_row(days) == Totals.from_row(month_row.__dict__)
    by_role = MonthlyRoleRollup.objects.aggregate(
        m=Sum("measured_savings"), e=Sum("estimated_savings")
    )
    assert calc.money_str(by_role["m"]) == "2100.00"
    assert calc.money_str(by_role["e"]) == "750.00"


def test_month_histograms_hold_days_to_acknowledge_and_close(history):
    services.rollup_nightly(today=TODAY)
    a = history["a"]
    month = MonthlyTeamRollup.objects.get(
        team=a.causing_team, month=a.closed_at.date().replace(day=1)
    )
    assert month.close_days == {str((a.closed_at.date() - a.detected_on).days): 1}
    acknowledged = MonthlyTeamRollup.objects.get(
        team=a.causing_team, month=a.acknowledged_at.date().replace(day=1)
    )
    assert acknowledged.acknowledge_days == {"10": 1}


def test_snapshots_hold_monthly_cost_of_open_gaps_and_savings(history):
    services.rollup_nightly(today=TODAY)
    c = GapSnapshot.objects.get(gap=history["c"])
    # 15 occurrences in the 30 days before TODAY, at the current model's 6.00 + 12.00.
    assert c.occurrences_last_30_days == 15
    assert c.monthly_cost == Decimal("270.00")
    a = GapSnapshot.objects.get(gap=history["a"])
    assert (a.savings_kind, a.savings) == ("measured", Decimal("2100.00"))
    assert GapSnapshot.objects.get(gap=history["b"]).savings == Decimal("750.00")
    assert not GapSnapshot.objects.filter(gap=history["archived"]).exists()


def test_rerunning_changes_nothing(history):
    services.rollup_nightly(today=TODAY)
    before = daily_state()
    months = set(MonthlyTeamRollup.objects.values_list("month", "team_id", "measured_savings"))
    first = services.first_data_day()
    services.rollup_since(since=first, today=TODAY)
    services.rollup_compute(day=TODAY - timedelta(days=30))
    assert daily_state() == before
    assert set(MonthlyTeamRollup.objects.values_list("month", "team_id", "measured_savings")) == (
        months
    )
    # Nothing new since: the next nightly run has nothing due.
    assert services.rollup_nightly(today=TODAY).first_day is None


def test_a_late_occurrence_is_picked_up(history):
    services.rollup_nightly(today=TODAY)
    late_day = TODAY - timedelta(days=28)
    OccurrenceFactory(gap=history["a"], occurred_at=T0 - timedelta(days=28) + timedelta(hours=9))
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day == late_day
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))
    # 11 after closing now: (30 − 5.5) × 2 × 42.
    assert calc.money_str(rolled_totals(TODAY).measured_savings) == "2058.00"
    row = DailyRollup.objects.get(date=late_day, role=history["invoicing"])
    assert row.occurrences == 1


def test_an_occurrence_committed_after_a_run_read_the_table_is_picked_up(history, settings):
    """Stamped before the run started, committed after it read: the look-back margin."""
    settings.CXALIGN_ROLLUP_LATE_MARGIN_SECONDS = 900
    # The history arrived long ago; only the occurrence below is in doubt.
    Occurrence.objects.update(recorded_at=T0 - timedelta(days=1))
    run = services.rollup_nightly(today=TODAY).run
    late_day = TODAY - timedelta(days=20)
    OccurrenceFactory(
        gap=history["a"],
        occurred_at=T0 - timedelta(days=20) + timedelta(hours=9),
        recorded_at=run.started_at - timedelta(minutes=2),
    )
    assert services.rollup_nightly(today=TODAY).first_day == late_day
    on_that_day = Occurrence.objects.filter(gap=history["a"], occurred_at__date=late_day).count()
    assert DailyRollup.objects.get(date=late_day, role=history["invoicing"]).occurrences == (
        on_that_day
    )
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))
    # Without the margin the occurrence would have looked old, and been missed.
    settings.CXALIGN_ROLLUP_LATE_MARGIN_SECONDS = 0
    OccurrenceFactory(
        gap=history["a"],
        occurred_at=T0 - timedelta(days=19) + timedelta(hours=9),
        recorded_at=RollupRun.objects.latest("started_at").started_at - timedelta(minutes=2),
    )
    assert services.rollup_nightly(today=TODAY).first_day is None


def test_a_late_occurrence_in_the_baseline_recomputes_from_the_closing_day(history):
    services.rollup_nightly(today=TODAY)
    a = history["a"]
    OccurrenceFactory(gap=a, occurred_at=a.closed_at - timedelta(days=3, hours=5))
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day == a.closed_at.date() - timedelta(days=4)
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))


def test_a_new_gap_with_a_past_closing_is_picked_up(history, cx_user):
    services.rollup_nightly(today=TODAY)
    gap = gap_services.gap_create(
        actor=cx_user,
        title="Imported: late refunds",
        expectation="Refund in a week.",
        delivery="Refund in six.",
        category="policy",
        causing_role=history["invoicing"],
        severity=3,
        status="closed",
        closed_at=T0 - timedelta(days=200),
        detected_on=TODAY - timedelta(days=260),
        root_cause="Manual approval.",
        remedy_cost=Decimal("100.00"),
    )
    for day in range(30):
        OccurrenceFactory(gap=gap, occurred_at=gap.closed_at - timedelta(days=2 * day + 1))
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day == TODAY - timedelta(days=260)
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))


def test_rows_of_a_reattributed_gap_move_and_none_are_left_behind(history):
    services.rollup_nightly(today=TODAY)
    a = history["a"]
    a.causing_role = history["dispatch"]
    a.causing_team = history["logistics"]
    a.save()
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    # What stays with the old role is the archived gap's: one opening, one occurrence.
    left = rolled_totals(TODAY, role=history["invoicing"])
    assert (left.gaps_opened, left.occurrences, left.gaps_closed) == (1, 1, 0)
    assert left.measured_savings == left.remedy_spend == 0
    assert DailyRollup.objects.filter(role=history["invoicing"]).count() == 2
    assert calc.money_str(rolled_totals(TODAY, team=history["logistics"]).measured_savings) == (
        "2100.00"
    )
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))


def test_a_run_records_when_it_ran_and_what_it_covered(history):
    result = services.rollup_nightly(today=TODAY)
    run = RollupRun.objects.get()
    assert run == result.run
    assert run.trigger == "nightly"
    assert run.last_day == TODAY - timedelta(days=1)
    assert run.first_day == services.first_data_day()
    assert run.daily_rows == DailyRollup.objects.count() > 0


def test_no_data_means_an_empty_run():
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day is None
    assert DailyRollup.objects.count() == 0
    assert RollupRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_not_double_count():
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite's write lock serialises runs")
    make_history()
    first = services.first_data_day()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            services.rollup_since(since=first, today=TODAY)
        except BaseException as error:  # reported by the main thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    runs = list(RollupRun.objects.order_by("started_at"))
    assert len(runs) == 2
    # The lock made the second run wait: it started only after the first finished.
    assert runs[1].started_at >= runs[0].finished_at
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))
    assert DailyRollup.objects.count() == runs[0].daily_rows == runs[1].daily_rows
