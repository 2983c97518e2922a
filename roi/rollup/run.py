"""One rollup run: every precomputed ROI row for a range of days, in one transaction.

A run recomputes an inclusive range of days behind a lock (PostgreSQL's
``pg_advisory_xact_lock``; on SQLite the database's write lock serialises runs):

1. **Daily rows** per (date, team, role, category): gaps opened (``detected_on``), closed
   (``closed_at``'s UTC day, still closed now) and prevented (``prevented_on``) with their
   remedy spend; occurrences and their cost incurred (unit cost of the cost model in force on
   the occurrence's day); measured and estimated savings. Rows are upserted, and rows of the
   range the run did not write (their gaps moved to another role, say) are deleted:
   re-running gives the same rows.
2. **Monthly aggregates** of the months touched: per (month, team) for the dashboard, with the
   day counts behind the medians, and per (month, role) for the recognition board.
3. **Gap snapshots** as of the day after the range (each gap's monthly cost and savings), the
   per-team open costs summed from them, and the per-(date, team) rows of the summary.

**Measured (estimated) savings of a day** D, for one closed (prevented) gap, is the gap's
savings as of D + 1 minus its savings as of D, each rounded to cents (``roi.calculations``,
cost model in force on each of those days). A day's row adds up its gaps. Summed over the days
before T, the rows give each gap's savings as of T exactly, so a period's rows give the savings
accrued in that period. A measured increment may be negative: an occurrence after closing
lowers the savings.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from webhooks.events import emit

from ..costs import CostModelTimeline
from ..models import GapSnapshot, RollupRun
from ..team_days import team_days_write
from . import measures, sql
from .due import rollup_due_since
from .measures import (
    Key,
    add_estimated_savings,
    add_gap_counts,
    add_measured_savings,
    add_occurrences,
    empty_measures,
)
from .writers import (
    record_skipped,
    write_daily,
    write_monthly,
    write_snapshots,
    write_team_open_costs,
)

logger = logging.getLogger(__name__)
ONE_DAY = timedelta(days=1)
# Any constant unique to this job; PostgreSQL advisory locks are keyed by a bigint.
ADVISORY_LOCK_KEY = 7_404_115_001


@dataclass(frozen=True)
class RollupResult:
    """What a run did: the days it recomputed (``None`` when nothing was due)."""

    run: RollupRun
    first_day: date | None
    last_day: date | None
    daily_rows: int


def _lock() -> None:
    """Serialise runs: the second waits for the first to commit, then recomputes on its rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


@dataclass
class _Attempt:
    """What a run was doing, for the record of a failure (the transaction loses the rest)."""

    trigger: str
    requested_at: datetime
    last: date
    first: date | None = None


def rollup_run(
    *, first: date | None, last: date, trigger: str = RollupRun.Trigger.MANUAL
) -> RollupResult:
    """Recompute the days ``[first, last]`` (``first=None``: the days due since the last run).

    One transaction; a second run waits for the first (advisory lock) and then recomputes on
    top of its committed rows, so nothing is counted twice. When the run fails, its
    transaction rolls back, a ``RollupRun`` with status ``failed`` and the error is written
    outside it, and the error is raised again (the nightly task fails visibly in Celery).
    """
    attempt = _Attempt(trigger=trigger, requested_at=timezone.now(), first=first, last=last)
    try:
        with transaction.atomic():
            return _rollup_run(attempt)
    except Exception as error:
        _record_failure(attempt, error)
        raise


def _record_failure(attempt: _Attempt, error: Exception) -> None:
    """Write the failed run's row after its transaction rolled back.

    Inside a caller's transaction (tests, ``seed_demo``) the row lands in that transaction;
    from Celery and the command it commits on its own. Never hides the original error: a
    failure to write the record is logged and the run's own error is raised by the caller.
    """
    days = f"{attempt.first or 'the days due'}..{attempt.last}"
    text = f"{type(error).__name__}: {error}".strip()
    try:
        RollupRun.objects.create(
            trigger=attempt.trigger,
            status=RollupRun.Status.FAILED,
            started_at=attempt.requested_at,
            finished_at=timezone.now(),
            error=f"While recomputing {days}: {text}",
            failed_gap_id=getattr(error, "gap_id", None),
        )
    except Exception:  # the database itself may be what failed
        logger.exception("Could not record the failed rollup run (%s)", text)


def _rollup_run(attempt: _Attempt) -> RollupResult:
    """The run's body, inside its transaction."""
    _lock()
    started_at = timezone.now()
    trigger, last = attempt.trigger, attempt.last
    first = attempt.first
    if first is None:
        first = attempt.first = rollup_due_since(until=last)
    if first is None or first > last:
        run = RollupRun.objects.create(
            trigger=trigger, started_at=started_at, finished_at=timezone.now()
        )
        return RollupResult(run=run, first_day=None, last_day=None, daily_rows=0)

    timeline = CostModelTimeline()
    as_of = last + ONE_DAY
    newest = GapSnapshot.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    snapshots_due = newest is None or as_of >= newest
    if connection.vendor == "postgresql":
        written, skipped = sql.write_range(
            first=first,
            last=last,
            run_at=started_at,
            timeline=timeline,
            figure_limit=measures.GAP_FIGURE_LIMIT,
        )
        if snapshots_due:
            sql.write_snapshots(as_of=as_of, timeline=timeline)
        sql.analyze(first=first, last=last)
    else:
        written, skipped = _rollup_in_python(first, last, started_at, timeline, snapshots_due)
        # The summary's day grain (``sql.write_range`` writes it on PostgreSQL).
        team_days_write(first=first, last=last, run_at=started_at)
    if snapshots_due:
        write_team_open_costs()
    record_skipped(skipped)
    run = RollupRun.objects.create(
        trigger=trigger,
        first_day=first,
        last_day=last,
        started_at=started_at,
        finished_at=timezone.now(),
        daily_rows=written,
        skipped_gaps=skipped,
    )
    emit(
        "rollup.completed",
        {
            "id": run.pk,
            "title": f"ROI rollup of {first:%Y-%m-%d} to {last:%Y-%m-%d}",
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "daily_rows": written,
            "trigger": trigger,
            "finished_at": run.finished_at.isoformat(),
            "path": reverse("roi:dashboard"),
        },
    )
    return RollupResult(run=run, first_day=first, last_day=last, daily_rows=written)


def _rollup_in_python(
    first: date, last: date, run_at: datetime, timeline: CostModelTimeline, snapshots_due: bool
) -> tuple[int, list[dict]]:
    """The rollup on SQLite (the embedded demo): grouped queries, the savings per gap and day
    in Python with ``roi.calculations``' formulas, rows written with ``bulk_create``. Same
    rules and figures as ``roi.rollup_sql``, which PostgreSQL runs instead."""
    rows: dict[Key, dict] = defaultdict(empty_measures)
    skipped: list[dict] = []
    add_gap_counts(rows, first, last)
    add_occurrences(rows, first, last, timeline)
    measured = add_measured_savings(rows, first, last, timeline, skipped)
    estimated = add_estimated_savings(rows, first, last, timeline, skipped)
    written = write_daily(rows, first, last, run_at)
    write_monthly(first, last, run_at)
    if snapshots_due:
        # Savings of gaps closed or prevented before the range started, as of the range's
        # end, come from the same loops: every closed / prevented gap passes through them.
        write_snapshots(last + ONE_DAY, timeline, measured, estimated, run_at)
    return written, skipped


def rollup_compute(*, day: date) -> RollupResult:
    """Recompute one day's rows (and the month holding it)."""
    return rollup_run(first=day, last=day)


def rollup_nightly(*, today: date | None = None) -> RollupResult:
    """The nightly job: every day due up to yesterday (UTC), late-touched days included."""
    today = today or timezone.now().astimezone(UTC).date()
    return rollup_run(first=None, last=today - ONE_DAY, trigger=RollupRun.Trigger.NIGHTLY)


def rollup_since(*, since: date, today: date | None = None) -> RollupResult:
    """``manage.py rollup --since``: recompute from ``since`` to yesterday."""
    today = today or timezone.now().astimezone(UTC).date()
    return rollup_run(first=since, last=today - ONE_DAY)
