"""The rollup cannot be stopped by ordinary input (issue 8, finding 1): days before the first
cost model, money at the limits of what gaps accept, and a failed run is recorded."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from gaps.models import Gap
from roi import calculations as calc
from roi import freshness, services
from roi.costs import CostModelTimeline, cost_model_as_of, gap_unit_cost
from roi.figure_inputs import totals_as_of
from roi.models import CostModel, DailyRollup, RollupRun
from roi.rollup import measures as rollup_measures
from roi.rollup import run as rollup_run
from roi.tasks import rollup_nightly
from tests.factories import GapFactory, OccurrenceFactory

from .conftest import T0, TODAY, make_history
from .test_rollup import assert_same, rolled_totals

pytestmark = pytest.mark.django_db


def test_an_occurrence_before_the_first_cost_model_does_not_stop_the_rollup(history):
    """Used to raise ``TypeError: Model instances without primary key value are unhashable``."""
    old = OccurrenceFactory(
        gap=history["c"], occurred_at=calc.day_start(date(2024, 6, 1)) + timedelta(hours=10)
    )
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day == date(2024, 6, 1)
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))
    # The first version (5.00 + 10.00) reaches back to the old occurrence's day.
    row = rolled_totals(date(2024, 6, 2))
    assert (row.occurrences, row.cost_incurred) == (1, Decimal("15.00"))
    assert gap_unit_cost(history["c"], cost_model_as_of(old.occurred_at.date())) == 15
    # And every later run goes through too.
    OccurrenceFactory(gap=history["c"], occurred_at=T0 - timedelta(hours=5))
    assert services.rollup_nightly(today=TODAY + timedelta(days=1)).last_day == TODAY
    assert_same(rolled_totals(TODAY + timedelta(days=1)), totals_as_of(TODAY + timedelta(days=1)))


def test_a_gap_closed_before_the_first_cost_model_does_not_stop_the_rollup(history):
    closed_at = calc.day_start(date(2023, 3, 1)) + timedelta(hours=15)
    gap = GapFactory(
        causing_role=history["invoicing"],
        status=Gap.Status.CLOSED,
        detected_on=date(2022, 11, 1),
        closed_at=closed_at,
        root_cause="Imported history.",
        touchpoint=None,
        remedy_cost=Decimal("80.00"),
    )
    for day in range(45):
        OccurrenceFactory(gap=gap, occurred_at=closed_at - timedelta(days=2 * day, hours=1))
    OccurrenceFactory(gap=gap, occurred_at=closed_at + timedelta(days=100))
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day == date(2022, 11, 1)
    for as_of in (date(2023, 3, 2), date(2023, 6, 1), date(2024, 1, 1), TODAY):
        assert_same(rolled_totals(as_of), totals_as_of(as_of))
    # Valued with the first version's defaults (5.00 + 10.00), not at zero.
    first = CostModelTimeline().on(date(2023, 3, 1))
    assert first.pk == CostModel.objects.order_by("effective_from").first().pk
    assert rolled_totals(date(2023, 6, 1)).measured_savings > 0


def test_program_cost_still_counts_from_the_first_cost_model(history):
    CostModel.objects.filter(effective_from=TODAY - timedelta(days=20)).update(
        program_cost_per_month=Decimal("30.00")
    )
    OccurrenceFactory(gap=history["c"], occurred_at=calc.day_start(date(2024, 6, 1)))
    timeline = CostModelTimeline()
    assert timeline.program_started == TODAY - timedelta(days=400)
    assert timeline.on(date(2024, 6, 1)).program_cost_per_month == 0


# --- A failed run is recorded ----------------------------------------------------------------

FAIL_ON_WRITE = """
CREATE FUNCTION cx_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'disk full (test)'; END $$;
CREATE TRIGGER cx_test_refuse BEFORE INSERT ON roi_dailyrollup
FOR EACH STATEMENT EXECUTE FUNCTION cx_test_refuse();
"""
ALLOW_WRITES = "DROP TRIGGER cx_test_refuse ON roi_dailyrollup; DROP FUNCTION cx_test_refuse();"


def _refuse_daily_rows(on: bool) -> None:
    """A real database failure inside the run (no mock): a trigger refusing the daily rows."""
    if connection.vendor != "postgresql":
        pytest.skip("the failing write is a PostgreSQL trigger")
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ON_WRITE if on else ALLOW_WRITES)


def test_a_failed_run_is_recorded_and_the_next_run_redoes_its_days(history):
    _refuse_daily_rows(True)
    with pytest.raises(DatabaseError, match="disk full"):
        services.rollup_nightly(today=TODAY)
    failed = RollupRun.objects.get()
    assert failed.status == RollupRun.Status.FAILED
    assert "disk full (test)" in failed.error
    assert f"{services.first_data_day()}..{TODAY - timedelta(days=1)}" in failed.error
    assert (failed.first_day, failed.last_day) == (None, None)
    assert not DailyRollup.objects.exists()
    assert freshness.freshness(today=TODAY).last_run == failed
    _refuse_daily_rows(False)
    # The failed run covered nothing: the next one starts where the data starts.
    result = services.rollup_nightly(today=TODAY)
    assert result.first_day == services.first_data_day()
    assert result.run.status == RollupRun.Status.SUCCEEDED
    assert_same(rolled_totals(TODAY), totals_as_of(TODAY))


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_records_the_failure_outside_the_run_and_raises_again():
    make_history()
    _refuse_daily_rows(True)
    try:
        with pytest.raises(DatabaseError, match="disk full"):
            rollup_nightly.delay()
    finally:
        _refuse_daily_rows(False)
    # Committed on its own although the run's transaction rolled back.
    failed = RollupRun.objects.get()
    assert failed.status == "failed"
    assert failed.trigger == "nightly"
    assert not DailyRollup.objects.exists()
    assert rollup_nightly.delay().get() == DailyRollup.objects.count() > 0
    assert list(RollupRun.objects.values_list("status", flat=True)) == ["succeeded", "failed"]


def test_a_failure_on_one_gap_names_the_gap(history):
    """The Python path turns an arithmetic failure on a gap into an error naming it, and the
    failed run's record keeps that gap."""
    a = history["a"]
    with pytest.raises(services.RollupGapError) as raised, rollup_measures._naming(a):
        raise ArithmeticError("numeric overflow")
    assert raised.value.gap_id == a.pk
    rollup_run._record_failure(
        rollup_run._Attempt(trigger="manual", requested_at=timezone.now(), last=TODAY),
        raised.value,
    )
    failed = RollupRun.objects.get()
    assert (failed.status, failed.failed_gap) == ("failed", a)
    assert f"gap {a.pk}: ArithmeticError: numeric overflow" in failed.error
