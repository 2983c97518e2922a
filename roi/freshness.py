"""How fresh the rollups are, and bringing them up to date when a figure is read.

The summary used to be computed live from gaps and occurrences; it now reads the rollups. So
that an integration which posts gaps or occurrences and then reads the summary still gets the
right figures, every read of the summary or the dashboard first asks whether **the rollup is
due** — in one query comparing the newest timestamps (one index step each) with the start of
the last successful run:

- occurrences recorded since it started (``gaps_occurrence.recorded_at`` index);
- gaps created since it started (``gap_created_at``);
- figure-changing history (created, transition, update) since it started (``gapevent_at``);
- cost model versions created since it started (a handful of rows);
- or days to cover: the covered days end before yesterday (UTC), or no run ever succeeded.

When it is due: in eager Celery mode (the embedded default, no broker) the read runs the
rollup itself before answering; with a broker it queues one refresh (``rollup_refresh_queue``:
a cache lock lets a burst of reads queue one run per ``CXALIGN_ROLLUP_REFRESH_MIN_SECONDS``)
and answers from the rows there are, saying so (``stale``). Neither a failing rollup nor a
broker that is down turns a read into an error: both are logged and the read answers stale.

The due test deliberately has no look-back margin (the nightly run has one, for occurrences
committed after a run read the table): a margin would make every read for 15 minutes after a
write refresh again. What it misses, the nightly run catches.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from gaps.models import Gap, GapEvent, Occurrence

from . import services, tasks
from .models import CostModel, RollupRun
from .rollup import FIGURE_CHANGING_EVENTS

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
# Figures are "older than a day" when the last successful run finished longer ago than this:
# the nightly run has an hour's grace.
OUTDATED_AFTER = timedelta(hours=25)
REFRESH_LOCK = "roi:rollup-refresh-queued"


def succeeded_runs() -> QuerySet[RollupRun]:
    """Runs that committed their rows (a failed run is recorded but covers no days)."""
    return RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED)


@dataclass(frozen=True)
class Freshness:
    """What the figures read now are worth: how far they reach, when they were computed,
    whether the rollup is due, and whether the last run failed."""

    rolled_through: date | None
    computed_at: datetime | None
    due: bool
    last_run: RollupRun | None
    failed: bool = False
    error: str = ""
    outdated: bool = False

    @property
    def stale(self) -> bool:
        """The figures may not reflect every write: the API's ``stale``."""
        return self.due or self.failed


def freshness(*, today: date) -> Freshness:
    """The rollups' state, in two queries whatever the data."""
    last_run = RollupRun.objects.order_by("-finished_at", "-id").first()

    # Each "newest" is an uncorrelated ``ORDER BY … DESC LIMIT 1``: one backward step on an
    # index (occurrences' recorded_at, gaps' created_at, history's at). ``EXISTS (… >= the
    # run's started_at)`` correlated to the run row looked cheap but planned as a sequential
    # scan of five million occurrences (PostgreSQL cannot see the bound's value): 0.3 s a read.
    def newest(queryset, field: str) -> Subquery:
        return Subquery(queryset.order_by(f"-{field}").values(field)[:1])

    good = (
        succeeded_runs()
        .order_by("-started_at", "-id")
        .annotate(
            rolled_through=Subquery(
                succeeded_runs()
                .filter(last_day__isnull=False)
                .order_by("-last_day")
                .values("last_day")[:1]
            ),
            newest_occurrence=newest(Occurrence.objects.all(), "recorded_at"),
            newest_gap=newest(Gap.objects.all(), "created_at"),
            newest_history=newest(GapEvent.objects.filter(kind__in=FIGURE_CHANGING_EVENTS), "at"),
            newest_cost_model=newest(CostModel.objects.all(), "created_at"),
        )
        .first()
    )
    failed = last_run is not None and last_run.status == RollupRun.Status.FAILED
    error = last_run.error if last_run is not None and failed else ""
    if good is None:
        return Freshness(
            rolled_through=None,
            computed_at=None,
            due=True,
            last_run=last_run,
            failed=failed,
            error=error,
            outdated=True,
        )
    through = good.rolled_through
    due = (through is not None and through < today - ONE_DAY) or any(
        moment is not None and moment >= good.started_at
        for moment in (
            good.newest_occurrence,
            good.newest_gap,
            good.newest_history,
            good.newest_cost_model,
        )
    )
    return Freshness(
        rolled_through=through,
        computed_at=good.finished_at,
        due=bool(due),
        last_run=last_run,
        failed=failed,
        error=error,
        outdated=timezone.now() - good.finished_at > OUTDATED_AFTER,
    )


def ensure_fresh(*, today: date) -> Freshness:
    """The rollups' state after bringing them up to date if they are due (see the module).

    Eager mode runs the rollup here, unless the last run failed less than the minimum
    interval ago (a failing run is not retried on every read); with a broker, queues one
    refresh and returns the state as it is.
    """
    state = freshness(today=today)
    if not state.due:
        return state
    if tasks.rollup_nightly.app.conf.task_always_eager:
        if state.failed and _failed_recently(state.last_run):
            return state
        try:
            _run_now(today)
        except Exception:
            logger.exception("The rollup failed during a read; answering from the rows there are.")
        return freshness(today=today)
    rollup_refresh_request()
    return state


def _failed_recently(run: RollupRun | None) -> bool:
    interval = timedelta(seconds=settings.CXALIGN_ROLLUP_REFRESH_MIN_SECONDS)
    return run is not None and timezone.now() - run.finished_at < interval


def _run_now(today: date) -> None:
    """The eager refresh: what the nightly job runs, for the days up to yesterday."""
    services.rollup_nightly(today=today)


def rollup_refresh_request() -> bool:
    """Queue one refresh unless one was queued in the last ``CXALIGN_ROLLUP_REFRESH_MIN_SECONDS``;
    True if this call queued it. Never raises: a cache or broker that is down is logged."""
    try:
        if not cache.add(REFRESH_LOCK, 1, timeout=settings.CXALIGN_ROLLUP_REFRESH_MIN_SECONDS):
            return False
    except Exception:
        logger.exception("No cache to de-duplicate the rollup refresh; not queued.")
        return False
    try:
        rollup_refresh_queue()
    except Exception:
        logger.exception("Could not queue the rollup refresh; the next read retries.")
        try:
            cache.delete(REFRESH_LOCK)
        except Exception:
            logger.exception("Could not release the rollup refresh lock.")
        return False
    return True


def rollup_refresh_queue() -> None:
    """Hand the refresh to the transport: the one place to swap Celery for an outbox.

    ``retry=False``: a broker that is down fails at once instead of holding the read.
    """
    tasks.rollup_nightly.apply_async(retry=False, ignore_result=True)
