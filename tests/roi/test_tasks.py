"""The nightly task (eagerly and on a real worker), the ``rollup`` command and the demo."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gaps.models import Gap
from roi import figure_inputs, selectors, services
from roi.models import CostModel, DailyRollup, RollupRun
from roi.tasks import rollup_nightly

from .conftest import TODAY, make_history
from .test_rollup import assert_same, rolled_totals

pytestmark = pytest.mark.django_db


def test_the_nightly_task_rolls_up_to_yesterday(history):
    rows = rollup_nightly.delay().get()
    assert rows == DailyRollup.objects.count() > 0
    run = RollupRun.objects.get()
    assert run.last_day == selectors.today() - timedelta(days=1)
    assert_same(rolled_totals(selectors.today()), figure_inputs.totals_as_of(selectors.today()))


@pytest.mark.services
def test_a_real_worker_runs_the_nightly_rollup(celery_worker):
    make_history()
    result = rollup_nightly.delay()
    assert result.get(timeout=120) == DailyRollup.objects.count() > 0
    assert RollupRun.objects.get().trigger == "nightly"
    today = selectors.today()
    assert_same(rolled_totals(today), figure_inputs.totals_as_of(today))


def test_the_rollup_command_since_a_day(history):
    out = StringIO()
    call_command("rollup", "--since", "2026-05-01", stdout=out)
    assert "Rolled up 2026-05-01 to" in out.getvalue()
    run = RollupRun.objects.get()
    assert (run.trigger, run.first_day) == ("manual", TODAY - timedelta(days=31))
    assert not DailyRollup.objects.filter(date__lt=TODAY - timedelta(days=31)).exists()


def test_the_rollup_command_without_since_runs_what_is_due(history):
    out = StringIO()
    call_command("rollup", stdout=out)
    assert f"Rolled up {services.first_data_day()}" in out.getvalue()
    out = StringIO()
    call_command("rollup", stdout=out)
    assert "Nothing to recompute." in out.getvalue()


def test_the_rollup_command_rejects_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("rollup", "--since", "last week")


def test_the_demo_fills_the_dashboard_and_is_idempotent(client, exec_user):
    call_command("seed_demo", stdout=StringIO())
    counts = (Gap.objects.count(), CostModel.objects.count(), DailyRollup.objects.count())
    state = set(DailyRollup.objects.values_list("date", "role_id", "category", "measured_savings"))
    call_command("seed_demo", stdout=StringIO())
    assert (Gap.objects.count(), CostModel.objects.count(), DailyRollup.objects.count()) == counts
    assert (
        set(DailyRollup.objects.values_list("date", "role_id", "category", "measured_savings"))
        == state
    )
    assert CostModel.objects.count() == 2
    client.force_login(exec_user)
    board = client.get("/roi/").context["board"]
    assert board.summary.amount("measured_savings") > 0
    assert board.summary.amount("estimated_savings") > 0
    assert board.summary.amount("roi_percent") is not None
    assert board.top_open
    assert board.top_savers
    assert board.summary.amount("roi_percent") > 0
    assert_same(rolled_totals(board.as_of), figure_inputs.totals_as_of(board.as_of))
