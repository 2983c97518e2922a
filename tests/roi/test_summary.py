"""The summary from the precomputed rows: equal to the direct computation (the reference),
fresh after writes in eager mode, one queued refresh with a broker, stale and failed runs
visible on the pages and in the digest."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gaps.digests import digests_send
from roi import figure_inputs, figures, selectors, services
from roi.costs import CostModelTimeline
from roi.models import RollupRun
from tests.factories import OccurrenceFactory

from .conftest import T0, TODAY
from .test_api import SUMMARY
from .test_rollup import assert_same

pytestmark = pytest.mark.django_db

DAYS = [0, 1, 2, 19, 20, 21, 31, 45, 59, 60, 61, 62, 92, 150, 151, 299, 300, 400, 500]


@pytest.mark.parametrize("days_before_today", DAYS)
def test_totals_from_rollups_equal_the_reference(history, days_before_today):
    services.rollup_nightly(today=TODAY)
    as_of = TODAY - timedelta(days=days_before_today)
    assert_same(selectors.totals_from_rollups(as_of), figure_inputs.totals_as_of(as_of))
    team = history["billing"]
    rolled = selectors.totals_from_rollups(as_of, team)
    assert rolled.occurrences <= figure_inputs.totals_as_of(as_of).occurrences


def test_the_api_summary_is_the_reference_summary_on_several_days(api, history, pinned_today):
    timeline = CostModelTimeline()
    for days in (0, 1, 20, 45, 61, 200):
        as_of = TODAY - timedelta(days=days)
        body = api.get(SUMMARY, {"as_of": as_of.isoformat()}).json()
        reference = figures.summarise(
            as_of=as_of, totals=figure_inputs.totals_as_of(as_of), timeline=timeline
        )
        assert body["measured_savings"] == f"{reference.amount('measured_savings'):.2f}"
        assert body["estimated_savings"] == f"{reference.amount('estimated_savings'):.2f}"
        assert body["cost_incurred"] == f"{reference.amount('cost_incurred'):.2f}"
        assert body["investment"] == f"{reference.amount('investment'):.2f}"
        assert body["gaps_closed"] == reference.totals.gaps_closed
        assert body["stale"] is False


def test_the_summary_on_the_demo_data_is_the_reference(api):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    today = selectors.today()
    for as_of in (today, today - timedelta(days=17), today.replace(day=1)):
        body = api.get(SUMMARY, {"as_of": as_of.isoformat()}).json()
        assert body["stale"] is False
        assert_same(selectors.totals_from_rollups(as_of), figure_inputs.totals_as_of(as_of))
        assert body["cost_incurred"] == f"{figure_inputs.totals_as_of(as_of).cost_incurred:.2f}"


def test_in_eager_mode_a_read_after_a_write_rolls_up_first(api, history, pinned_today):
    services.rollup_nightly(today=TODAY)
    params = {"as_of": TODAY.isoformat()}
    before = api.get(SUMMARY, params).json()
    assert before["stale"] is False
    assert before["cost_incurred"] == "4548.00"
    runs = RollupRun.objects.count()
    # An integration posts an occurrence of the open gap a week ago: 18.00 under today's model.
    OccurrenceFactory(gap=history["c"], occurred_at=T0 - timedelta(days=7, hours=5))
    after = api.get(SUMMARY, params).json()
    assert after["stale"] is False
    assert after["cost_incurred"] == "4566.00"
    assert RollupRun.objects.count() == runs + 1
    assert after["computed_at"] > before["computed_at"]
    # Nothing new: no further run.
    api.get(SUMMARY, params)
    assert RollupRun.objects.count() == runs + 1


def test_as_of_beyond_the_covered_days_gives_the_last_covered_figures(api, history, pinned_today):
    body = api.get(SUMMARY, {"as_of": TODAY.isoformat()}).json()
    later = api.get(SUMMARY, {"as_of": (TODAY + timedelta(days=300)).isoformat()}).json()
    assert later == body
    assert later["rolled_through"] == (TODAY - timedelta(days=1)).isoformat()


def test_with_a_broker_a_burst_of_reads_queues_one_refresh(api, history, pinned_today, broker_mode):
    services.rollup_nightly(today=TODAY)
    OccurrenceFactory(gap=history["c"], occurred_at=T0 - timedelta(days=7, hours=5))
    runs = RollupRun.objects.count()
    bodies = [api.get(SUMMARY, {"as_of": TODAY.isoformat()}).json() for _ in range(5)]
    assert {b["stale"] for b in bodies} == {True}
    # Answered from the rows there are: the new occurrence is not counted yet.
    assert {b["cost_incurred"] for b in bodies} == {"4548.00"}
    assert broker_mode.queued() == 1
    assert RollupRun.objects.count() == runs


def test_a_broker_that_is_down_never_turns_a_read_into_an_error(
    api, history, pinned_today, broker_mode
):
    from cxalign.celery import app

    services.rollup_nightly(today=TODAY)
    OccurrenceFactory(gap=history["c"], occurred_at=T0 - timedelta(days=7, hours=5))
    saved = app.conf.broker_url
    app.conf["CELERY_BROKER_URL"] = "redis://127.0.0.1:6392/0"  # nothing listens there
    app.amqp._producer_pool = None
    app._pool = None
    try:
        response = api.get(SUMMARY, {"as_of": TODAY.isoformat()})
    finally:
        app.conf["CELERY_BROKER_URL"] = saved
        app.amqp._producer_pool = None
        app._pool = None
    assert response.status_code == 200
    assert response.json()["stale"] is True
    assert broker_mode.queued() == 0
    # The lock was released: the next read (broker back) queues the refresh.
    assert api.get(SUMMARY, {"as_of": TODAY.isoformat()}).status_code == 200
    assert broker_mode.queued() == 1


def age_the_last_run(days: int = 2) -> None:
    moment = timezone.now() - timedelta(days=days)
    RollupRun.objects.update(started_at=moment, finished_at=moment)


def test_figures_older_than_a_day_are_flagged_on_the_pages(
    client, exec_user, history, pinned_today, broker_mode
):
    services.rollup_nightly(today=TODAY)
    client.force_login(exec_user)
    assert "rollup-outdated" not in client.get("/roi/").content.decode()
    age_the_last_run()
    for url in ("/roi/", "/roi/summary/"):
        page = client.get(url).content.decode()
        assert 'id="rollup-outdated"' in page
        assert "These figures are more than a day old" in page


def test_a_failed_run_is_flagged_on_the_pages(client, exec_user, history, pinned_today):
    services.rollup_nightly(today=TODAY)
    now = timezone.now()
    RollupRun.objects.create(
        trigger="nightly",
        started_at=now,
        finished_at=now,
        status="failed",
        error="numeric field overflow",
    )
    client.force_login(exec_user)
    for url in ("/roi/", "/roi/summary/"):
        page = client.get(url).content.decode()
        assert 'id="rollup-failed"' in page
        assert "numeric field overflow" in page
    assert api_stale(client)


def api_stale(client) -> bool:
    return client.get(SUMMARY).json()["stale"]


def test_the_digest_tells_the_cx_team_and_admins_of_a_stale_rollup(
    history, cx_user, exec_user, pinned_today
):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True)
    services.rollup_nightly(today=TODAY)
    assert digests_send() == 0  # all is well: nobody is told
    age_the_last_run()
    assert digests_send() == 2
    told = {message.to[0]: message.body for message in mail.outbox}
    assert set(told) == {cx_user.email, admin.email}
    assert "ROI rollup" in told[cx_user.email]
    assert "more than a day old" in told[cx_user.email]
    assert exec_user.email not in told


def test_summary_reads_a_constant_number_of_small_queries(
    api, history, pinned_today, django_assert_max_num_queries
):
    from .test_api import grow

    services.rollup_nightly(today=TODAY)
    params = {"as_of": (TODAY - timedelta(days=12)).isoformat()}
    with CaptureQueriesContext(connection) as small:
        assert api.get(SUMMARY, params).status_code == 200
    grow(history, 10)
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert api.get(SUMMARY, params).status_code == 200
    occurrence_reads = [q["sql"] for q in large.captured_queries if "gaps_occurrence" in q["sql"]]
    assert all("newest_occurrence" in sql for sql in occurrence_reads)


def test_the_failed_run_banner_names_the_error():
    """The banner's own wording, whatever branch records failures (a rendered template)."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from roi.freshness import Freshness

    now = timezone.now()
    run = SimpleNamespace(finished_at=now)
    state = Freshness(
        rolled_through=TODAY,
        computed_at=now - timedelta(hours=3),
        due=True,
        last_run=run,
        failed=True,
        error="numeric field overflow (gap #12)",
    )
    html = render_to_string(
        "roi/_run.html", {"board": SimpleNamespace(last_run=run, as_of=TODAY, freshness=state)}
    )
    assert 'id="rollup-failed"' in html
    assert "The last rollup run failed" in html
    assert "numeric field overflow (gap #12)" in html
    assert 'id="rollup-refreshing"' not in html
