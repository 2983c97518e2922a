"""Fault test (issue 8): a real Celery worker killed with SIGKILL in the middle of a rollup.

The run's transaction must roll back whole (no daily row, no run recorded as covering days),
and the next run on a fresh worker must complete with totals equal to a direct SQL
computation over gaps and occurrences. The worker is caught mid-run deterministically: this
test holds a SHARE lock on the snapshot table, which lets the run read it but stops it at its
snapshot DELETE, after it has written its daily and monthly rows in its own transaction.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from roi import calculations as calc
from roi import figure_inputs, selectors
from roi.models import DailyRollup, RollupRun
from roi.tasks import rollup_nightly
from tests.conftest import ROOT, database_url_for_worker

from .conftest import make_history
from .test_rollup import assert_same, rolled_totals

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Occurrences and their cost straight from the tables: each occurrence takes the unit cost of
# the cost model in force on its UTC day (before the first version: the first version).
DIRECT_COST = """
SELECT count(*), coalesce(sum(
    coalesce(g.cost_to_serve, tp.cost_per_contact, m.cost_per_contact)
    + coalesce(g.revenue_at_risk, m.revenue_at_risk_per_occurrence)), 0)
FROM gaps_occurrence o
JOIN gaps_gap g ON g.id = o.gap_id
LEFT JOIN gaps_touchpoint tp ON tp.id = g.touchpoint_id
CROSS JOIN LATERAL (
    SELECT * FROM roi_costmodel c
    ORDER BY c.effective_from <= (o.occurred_at AT TIME ZONE 'UTC')::date DESC,
             CASE WHEN c.effective_from <= (o.occurred_at AT TIME ZONE 'UTC')::date
                  THEN c.effective_from END DESC,
             c.effective_from
    LIMIT 1
) m
WHERE o.occurred_at < %s
"""


@pytest.fixture
def start_worker(redis_url, celery_worker_app) -> Callable[[], tuple[subprocess.Popen, str]]:
    """``start_worker()``: a real ``celery worker`` process on its own queue (stopped after)."""
    processes: list[subprocess.Popen] = []
    database_url = database_url_for_worker()

    def start() -> tuple[subprocess.Popen, str]:
        queue = f"cxalign-fault-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cxalign.test_settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
        process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter.
            [
                *(sys.executable, "-m", "celery", "-A", "cxalign", "worker", "--pool=solo"),
                *("--loglevel=WARNING", "-Q", queue, "-n", f"{queue}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
        )
        processes.append(process)
        return process, queue

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def celery_worker_app():
    """Tasks sent from this test go to a broker, not run eagerly."""
    from cxalign.celery import app

    saved = app.conf.task_always_eager
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    yield app
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = saved


def wait_for(condition: Callable[[], object], seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def test_a_worker_killed_mid_rollup_leaves_nothing_and_the_rerun_is_exact(start_worker):
    make_history()
    dsn = database_url_for_worker()
    with psycopg.connect(dsn, autocommit=True) as watcher, psycopg.connect(dsn) as blocker:
        blocker.execute("LOCK TABLE roi_gapsnapshot IN SHARE MODE")
        worker, queue = start_worker()
        rollup_nightly.apply_async(queue=queue)

        def stuck_backend() -> int | None:
            row = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM roi_gapsnapshot%%'"
            ).fetchone()
            return row[0] if row else None

        backend = wait_for(stuck_backend, 60, "the rollup to reach its snapshots")
        # Mid-run: its transaction holds the daily rows it wrote, not yet committed.
        holds = watcher.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND c.relname = 'roi_dailyrollup' AND l.mode = 'RowExclusiveLock'",
            [backend],
        ).fetchone()[0]
        assert holds == 1
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        blocker.rollback()  # the orphaned statement goes on, finds its client gone, aborts

        def backend_gone() -> bool:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]
            ).fetchone()
            return row[0] == 0

        wait_for(backend_gone, 20, "PostgreSQL to end the killed worker's session")

    # Rolled back whole: no row of it, no run recorded.
    assert not DailyRollup.objects.exists()
    assert not RollupRun.objects.exists()

    _worker, queue = start_worker()
    rows = rollup_nightly.apply_async(queue=queue).get(timeout=60)
    assert rows == DailyRollup.objects.count() > 0
    run = RollupRun.objects.get()
    assert run.status == "succeeded"
    today = selectors.today()
    with connection.cursor() as cursor:
        cursor.execute(DIRECT_COST, [calc.day_start(today)])
        occurrences, cost = cursor.fetchone()
    rolled = rolled_totals(today)
    assert (rolled.occurrences, rolled.cost_incurred) == (occurrences, Decimal(cost))
    assert occurrences > 100
    assert_same(rolled, figure_inputs.totals_as_of(today))
