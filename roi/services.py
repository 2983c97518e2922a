"""The rollup: one function writes every precomputed ROI row the dashboard reads.

A run recomputes an inclusive range of days, in one transaction, behind a lock (PostgreSQL's
``pg_advisory_xact_lock``; on SQLite the database's write lock serialises runs):

1. **Daily rows** per (date, team, role, category), from grouped SQL, one query per measure
   family: gaps opened (``detected_on``), closed (``closed_at``'s UTC day, still closed now)
   and prevented (``prevented_on``) with their remedy spend; occurrences and their cost
   incurred (unit cost of the cost model in force on the occurrence's day); occurrence counts
   of closed gaps for their savings. Rows are upserted, and rows of the range the run did not
   write (their gaps moved to another role, say) are deleted: re-running gives the same rows.
2. **Monthly aggregates** of the months touched: per (month, team) for the dashboard, with the
   day counts behind the medians, and per (month, role) for the recognition board.
3. **Gap snapshots** as of the day after the range: each gap's monthly cost and savings.

**Measured (estimated) savings of a day** D, for one closed (prevented) gap, is the gap's
savings as of D + 1 minus its savings as of D, each rounded to cents (``roi.calculations``,
cost model in force on each of those days). A day's row adds up its gaps. Summed over the days
before T, the rows give each gap's savings as of T exactly, so a period's rows give the savings
accrued in that period. A measured increment may be negative: an occurrence after closing
lowers the savings. Because the savings of every later day depend on the occurrences before
it, a late occurrence of a closed gap makes the run recompute from its day (or, inside the
baseline window, from the closing day) to yesterday.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, Max, Min, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone

from gaps.models import Gap, GapEvent, Occurrence
from webhooks.events import emit

from . import calculations as calc
from . import rollup_sql
from .costs import CostModelTimeline, gap_unit_cost, prevented_gap_savings, unit_cost_expression
from .figures import closed_gap_counts
from .models import (
    CostModel,
    DailyRollup,
    GapSnapshot,
    MonthlyRoleRollup,
    MonthlyTeamRollup,
    RollupMeasures,
    RollupRun,
    TeamOpenCost,
)
from .team_days import team_days_write

logger = logging.getLogger(__name__)
ZERO = calc.ZERO
ONE_DAY = timedelta(days=1)
# Any constant unique to this job; PostgreSQL advisory locks are keyed by a bigint.
ADVISORY_LOCK_KEY = 7_404_115_001
OPEN_STATUSES = (
    Gap.Status.OPEN,
    Gap.Status.ACKNOWLEDGED,
    Gap.Status.IN_REMEDY,
    Gap.Status.DISPUTED,
)
# Gap history entries that may change past figures (escalations and recurring flags cannot).
FIGURE_CHANGING_EVENTS = (GapEvent.Kind.CREATED, GapEvent.Kind.TRANSITION, GapEvent.Kind.UPDATE)
GROUP = ("causing_team_id", "causing_role_id", "category")
OCCURRENCE_GROUP = ("gap__causing_team_id", "gap__causing_role_id", "gap__category")
MONEY_SUM = DecimalField(max_digits=16, decimal_places=2)
BATCH = 2000
# The most one gap's savings may add to the rollup (10^15): rows sum many gaps in columns of
# 18 integer digits. The input limits (gaps.models.limits) keep real gaps far below it; a gap
# whose figure would still pass it is left out of the run, which names it, and its history
# says so.
GAP_FIGURE_LIMIT = Decimal("1000000000000000")

Key = tuple[date, int, int, str]


@dataclass(frozen=True)
class RollupResult:
    """What a run did: the days it recomputed (``None`` when nothing was due)."""

    run: RollupRun
    first_day: date | None
    last_day: date | None
    daily_rows: int


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _lock() -> None:
    """Serialise runs: the second waits for the first to commit, then recomputes on its rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _empty() -> dict:
    return {
        name: (ZERO if "savings" in name or "cost" in name or "spend" in name else 0)
        for name in RollupMeasures.MEASURES
    }


# --- Which days are due --------------------------------------------------------------------


def first_data_day() -> date | None:
    """The earliest day anything happened: where a first run starts."""
    gaps = Gap.objects.aggregate(
        detected=Min("detected_on"), closed=Min("closed_at"), prevented=Min("prevented_on")
    )
    first_occurrence = Occurrence.objects.aggregate(first=Min("occurred_at"))["first"]
    candidates = [gaps["detected"], gaps["prevented"]]
    candidates += [
        moment.astimezone(UTC).date()
        for moment in (gaps["closed"], first_occurrence)
        if moment is not None
    ]
    candidates = [c for c in candidates if c is not None]
    return min(candidates) if candidates else None


def _as_day(moment: datetime | date | None) -> date | None:
    if moment is None or not isinstance(moment, datetime):
        return moment
    return moment.astimezone(UTC).date()


def rollup_due_since(*, until: date) -> date | None:
    """The first day the next run must recompute, or ``None`` if nothing ever happened.

    The day after the last run's range, or earlier where something changed since the last run
    started: an occurrence recorded late (its day; the closing day if it falls before a closed
    gap's closing, since it changes the baseline), a gap created or changed (its earliest
    day: detection, closing, prevention or first occurrence), a cost model version added.
    """
    succeeded = RollupRun.objects.filter(status=RollupRun.Status.SUCCEEDED)
    last = succeeded.order_by("-started_at", "-id").first()
    if last is None:
        return first_data_day()
    covered = succeeded.filter(last_day__isnull=False).order_by("-last_day").first()
    due = [covered.last_day + ONE_DAY] if covered else [first_data_day() or until + ONE_DAY]
    cutoff = last.started_at
    # An occurrence stamped just before the last run started may have committed only after
    # that run had read the table: look back over the longest an ingest transaction takes.
    late_cutoff = cutoff - timedelta(seconds=settings.CXALIGN_ROLLUP_LATE_MARGIN_SECONDS)

    late = Occurrence.objects.filter(recorded_at__gte=late_cutoff).aggregate(
        first=Min("occurred_at"),
        before_closing=Min(
            "gap__closed_at",
            filter=Q(gap__status=Gap.Status.CLOSED, occurred_at__lt=F("gap__closed_at")),
        ),
    )
    due += [_as_day(late["first"]), _as_day(late["before_closing"])]

    changed = set(Gap.objects.filter(created_at__gte=cutoff).values_list("pk", flat=True)) | set(
        GapEvent.objects.filter(at__gte=cutoff, kind__in=FIGURE_CHANGING_EVENTS).values_list(
            "gap_id", flat=True
        )
    )
    if changed:
        dates = Gap.objects.filter(pk__in=changed).aggregate(
            detected=Min("detected_on"), closed=Min("closed_at"), prevented=Min("prevented_on")
        )
        first_occurrence = Occurrence.objects.filter(gap_id__in=changed).aggregate(
            first=Min("occurred_at")
        )["first"]
        due += [_as_day(value) for value in (*dates.values(), first_occurrence)]

    due.append(
        CostModel.objects.filter(created_at__gte=cutoff).aggregate(first=Min("effective_from"))[
            "first"
        ]
    )
    return min(day for day in due if day is not None)


# --- The measure families --------------------------------------------------------------------


def _add_gap_counts(rows: dict[Key, dict], first: date, last: date) -> None:
    """Gaps opened, closed and prevented per day, with the remedy spend of the last two."""
    opened = (
        Gap.objects.filter(detected_on__range=(first, last))
        .values("detected_on", *GROUP)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in opened:
        rows[(row["detected_on"], *(row[g] for g in GROUP))]["gaps_opened"] += row["n"]

    closed = (
        Gap.objects.filter(
            status=Gap.Status.CLOSED,
            closed_at__gte=calc.day_start(first),
            closed_at__lt=calc.day_start(last + ONE_DAY),
        )
        .annotate(day=TruncDate("closed_at", tzinfo=UTC))
        .values("day", *GROUP)
        .annotate(n=Count("pk"), spend=Sum("remedy_cost"))
        .order_by()
    )
    for row in closed:
        measures = rows[(row["day"], *(row[g] for g in GROUP))]
        measures["gaps_closed"] += row["n"]
        measures["remedy_spend"] += row["spend"] or ZERO

    prevented = (
        Gap.objects.filter(status=Gap.Status.PREVENTED, prevented_on__range=(first, last))
        .values("prevented_on", *GROUP)
        .annotate(n=Count("pk"), spend=Sum("remedy_cost"))
        .order_by()
    )
    for row in prevented:
        measures = rows[(row["prevented_on"], *(row[g] for g in GROUP))]
        measures["gaps_prevented"] += row["n"]
        measures["remedy_spend"] += row["spend"] or ZERO


def _add_occurrences(
    rows: dict[Key, dict], first: date, last: date, timeline: CostModelTimeline
) -> None:
    """Occurrences and their cost per day: one grouped query per cost model version."""
    for start, end, version in timeline.segments(first, last):
        grouped = (
            Occurrence.objects.filter(
                occurred_at__gte=calc.day_start(start),
                occurred_at__lt=calc.day_start(end + ONE_DAY),
            )
            .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
            .values("day", *OCCURRENCE_GROUP)
            .annotate(
                n=Count("pk"),
                cost=Sum(unit_cost_expression(version, prefix="gap__"), output_field=MONEY_SUM),
            )
            .order_by()
        )
        for row in grouped:
            measures = rows[(row["day"], *(row[g] for g in OCCURRENCE_GROUP))]
            measures["occurrences"] += row["n"]
            measures["cost_incurred"] += row["cost"] or ZERO


def _key(gap: Gap, day: date) -> Key:
    return (day, gap.causing_team_id, gap.causing_role_id, gap.category)


@contextmanager
def _naming(gap: Gap) -> Iterator[None]:
    """Turn an arithmetic failure on one gap's figures into a ``RollupGapError`` naming it,
    so that the failed run records which gap stopped it (Python path; SQL fails as a whole)."""
    try:
        yield
    except (ArithmeticError, TypeError, ValueError) as error:
        raise RollupGapError(gap.pk, f"{type(error).__name__}: {error}") from error


def _add_measured_savings(
    rows: dict[Key, dict],
    first: date,
    last: date,
    timeline: CostModelTimeline,
    skipped: list[dict],
) -> dict[int, Decimal]:
    """Each closed gap's daily increment of measured savings; returns savings as of last + 1.

    Two grouped queries count the occurrences (baseline windows and post counts before the
    range; post counts per day inside it); the formula is ``roi.calculations``'.
    """
    end = last + ONE_DAY
    gaps = list(
        Gap.objects.filter(status=Gap.Status.CLOSED, closed_at__lt=calc.day_start(end))
        .select_related("touchpoint")
        .order_by("pk")
    )
    if not gaps:
        return {}
    windows = {
        timeline.on(day).baseline_window_days
        for day in (
            first,
            *(v.effective_from for v in timeline.versions if first < v.effective_from <= end),
            end,
        )
    }
    before = closed_gap_counts(None, windows=windows, before=first)
    daily = defaultdict(int)
    post_in_range = (
        Occurrence.objects.filter(
            gap__status=Gap.Status.CLOSED,
            occurred_at__gte=calc.day_start(first),
            occurred_at__lt=calc.day_start(end),
        )
        .filter(occurred_at__gte=F("gap__closed_at"))
        .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values("gap_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in post_in_range:
        daily[(row["gap_id"], row["day"])] = row["n"]

    savings_now = {}
    for gap in gaps:
        counts = before.get(gap.pk, {})
        post = counts.get("post", 0)

        def savings(as_of: date, post: int, gap: Gap = gap, counts: dict = counts) -> Decimal:
            model = timeline.on(as_of)
            window = model.baseline_window_days
            with _naming(gap):
                return calc.cents(
                    calc.measured_savings(
                        closed_at=gap.closed_at,
                        as_of=as_of,
                        baseline_occurrences=counts.get(f"b{window}", 0),
                        post_occurrences=post,
                        baseline_window_days=window,
                        unit=gap_unit_cost(gap, model),
                    ).amount
                )

        # With no occurrence since closing, the savings only grow: their value at the end.
        if _too_large(gap, "measured", savings(end, 0), skipped):
            continue
        closed_day = _as_day(gap.closed_at)
        start = max(first, closed_day)
        previous = savings(start, post)
        for day in _days(start, last):
            post += daily.get((gap.pk, day), 0)
            current = savings(day + ONE_DAY, post)
            if current != previous:
                rows[_key(gap, day)]["measured_savings"] += current - previous
            previous = current
        savings_now[gap.pk] = previous
    return savings_now


def _add_estimated_savings(
    rows: dict[Key, dict],
    first: date,
    last: date,
    timeline: CostModelTimeline,
    skipped: list[dict],
) -> dict[int, Decimal]:
    """Each prevented gap's daily increment of estimated savings; returns savings as of last + 1."""
    gaps = Gap.objects.filter(status=Gap.Status.PREVENTED, prevented_on__lte=last).select_related(
        "touchpoint"
    )
    savings_now = {}
    for gap in gaps:

        def savings(as_of: date, gap: Gap = gap) -> Decimal:
            with _naming(gap):
                return prevented_gap_savings(gap, timeline.on(as_of), as_of)

        if _too_large(gap, "estimated", savings(last + ONE_DAY), skipped):
            continue
        start = max(first, gap.prevented_on)
        previous = savings(start)
        for day in _days(start, last):
            current = savings(day + ONE_DAY)
            if current != previous:
                rows[_key(gap, day)]["estimated_savings"] += current - previous
            previous = current
        savings_now[gap.pk] = previous
    return savings_now


# --- Writing ---------------------------------------------------------------------------------


def _upsert(model, objects: list, *, unique_fields: list[str], extra: Iterable[str] = ()) -> None:
    model.objects.bulk_create(
        objects,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=[*RollupMeasures.MEASURES, *extra, "computed_at"],
    )


def _write_daily(rows: dict[Key, dict], first: date, last: date, run_at: datetime) -> int:
    objects = [
        DailyRollup(
            date=day, team_id=team, role_id=role, category=category, computed_at=run_at, **measures
        )
        for (day, team, role, category), measures in rows.items()
        if any(measures.values())
    ]
    _upsert(DailyRollup, objects, unique_fields=["date", "team", "role", "category"])
    DailyRollup.objects.filter(date__range=(first, last)).exclude(computed_at=run_at).delete()
    return len(objects)


def _day_histograms(first_month: date, end: date) -> dict[tuple[date, int], dict[str, dict]]:
    """Per (month, team): how many gaps took how many whole days from detection to being
    acknowledged (by month acknowledged) and closed (by month closed)."""
    histograms: dict[tuple[date, int], dict[str, dict]] = defaultdict(
        lambda: {"acknowledge_days": defaultdict(int), "close_days": defaultdict(int)}
    )
    sources = (
        ("close_days", "closed_at", Gap.objects.filter(status=Gap.Status.CLOSED)),
        ("acknowledge_days", "acknowledged_at", Gap.objects.all()),
    )
    for name, moment, queryset in sources:
        grouped = (
            queryset.filter(
                **{
                    f"{moment}__gte": calc.day_start(first_month),
                    f"{moment}__lt": calc.day_start(end),
                }
            )
            .annotate(day=TruncDate(moment, tzinfo=UTC))
            .values("causing_team_id", "day", "detected_on")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in grouped:
            days = max(0, (row["day"] - row["detected_on"]).days)
            bucket = histograms[(_month(row["day"]), row["causing_team_id"])][name]
            bucket[str(days)] += row["n"]
    return histograms


def _write_monthly(first: date, last: date, run_at: datetime) -> None:
    """Re-add the months that hold ``[first, last]`` from their daily rows."""
    first_month, end = _month(first), _next_month(_month(last))
    daily = DailyRollup.objects.filter(date__gte=first_month, date__lt=end).annotate(
        month=TruncMonth("date")
    )
    sums = {name: Sum(name) for name in RollupMeasures.MEASURES}
    histograms = _day_histograms(first_month, end)

    by_team = {
        (row["month"], row["team_id"]): row
        for row in daily.values("month", "team_id").annotate(**sums).order_by()
    }
    team_objects = []
    for key in by_team.keys() | histograms.keys():
        month, team = key
        measures = _measures_of(by_team.get(key))
        found = histograms.get(key, {})
        team_objects.append(
            MonthlyTeamRollup(
                month=month,
                team_id=team,
                computed_at=run_at,
                acknowledge_days=dict(sorted(found.get("acknowledge_days", {}).items())),
                close_days=dict(sorted(found.get("close_days", {}).items())),
                **measures,
            )
        )
    _upsert(
        MonthlyTeamRollup,
        team_objects,
        unique_fields=["month", "team"],
        extra=("acknowledge_days", "close_days"),
    )
    MonthlyTeamRollup.objects.filter(month__gte=first_month, month__lt=end).exclude(
        computed_at=run_at
    ).delete()

    role_objects = [
        MonthlyRoleRollup(
            month=row["month"],
            team_id=row["team_id"],
            role_id=row["role_id"],
            computed_at=run_at,
            **_measures_of(row),
        )
        for row in daily.values("month", "team_id", "role_id").annotate(**sums).order_by()
    ]
    _upsert(MonthlyRoleRollup, role_objects, unique_fields=["month", "team", "role"])
    MonthlyRoleRollup.objects.filter(month__gte=first_month, month__lt=end).exclude(
        computed_at=run_at
    ).delete()


def _measures_of(row: dict | None) -> dict:
    """The measures of a summed ``values()`` row, zeros for what is missing."""
    measures = _empty()
    for name in measures:
        if row and row.get(name) is not None:
            measures[name] = row[name]
    return measures


def _write_snapshots(
    as_of: date,
    timeline: CostModelTimeline,
    measured: dict[int, Decimal],
    estimated: dict[int, Decimal],
    run_at: datetime,
) -> None:
    """Replace every gap's snapshot with its figures as of ``as_of`` (archived gaps: none)."""
    model = timeline.on(as_of)
    end = calc.day_start(as_of)
    recent = dict(
        Occurrence.objects.filter(
            gap__status__in=OPEN_STATUSES,
            occurred_at__gte=end - timedelta(days=30),
            occurred_at__lt=end,
        )
        .values("gap_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("gap_id", "n")
    )
    gaps = Gap.objects.exclude(status=Gap.Status.ARCHIVED).select_related("touchpoint")
    snapshots = []
    for gap in gaps.iterator(chunk_size=BATCH):
        unit = gap_unit_cost(gap, model)
        count = recent.get(gap.pk, 0) if gap.status in OPEN_STATUSES else 0
        kind, savings = "none", ZERO
        if gap.pk in measured:
            kind, savings = "measured", measured[gap.pk]
        elif gap.pk in estimated:
            kind, savings = "estimated", estimated[gap.pk]
        snapshots.append(
            GapSnapshot(
                gap=gap,
                team_id=gap.causing_team_id,
                status=gap.status,
                as_of=as_of,
                unit_cost=unit,
                occurrences_last_30_days=count,
                monthly_cost=calc.cost_incurred(count, unit),
                savings_kind=kind,
                savings=savings,
            )
        )
    GapSnapshot.objects.all().delete()
    GapSnapshot.objects.bulk_create(snapshots, batch_size=BATCH)


def _write_team_open_costs() -> None:
    """Replace the per-team open cost rows with the sums of the snapshots just written (one
    grouped read, one row per team): what the dashboard reads instead of every snapshot."""
    totals = (
        GapSnapshot.objects.filter(status__in=OPEN_STATUSES)
        .values("team_id", "as_of")
        .annotate(open_gaps=Count("pk"), monthly_cost=Sum("monthly_cost"))
        .order_by()
    )
    rows = [TeamOpenCost(**row) for row in totals]
    TeamOpenCost.objects.all().delete()
    TeamOpenCost.objects.bulk_create(rows)


class RollupGapError(Exception):
    """A run failed while computing one gap's figures: the run records which gap."""

    def __init__(self, gap_id: int, message: str) -> None:
        super().__init__(f"gap {gap_id}: {message}")
        self.gap_id = gap_id


@dataclass
class _Attempt:
    """What a run was doing, for the record of a failure (the transaction loses the rest)."""

    trigger: str
    requested_at: datetime
    first: date | None = None
    last: date | None = None


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
        written, skipped = rollup_sql.write_range(
            first=first,
            last=last,
            run_at=started_at,
            timeline=timeline,
            figure_limit=GAP_FIGURE_LIMIT,
        )
        if snapshots_due:
            rollup_sql.write_snapshots(as_of=as_of, timeline=timeline)
        rollup_sql.analyze(first=first, last=last)
    else:
        written, skipped = _rollup_in_python(first, last, started_at, timeline, snapshots_due)
    if snapshots_due:
        _write_team_open_costs()
    team_days_write(first=first, last=last, run_at=started_at)  # the summary's day grain
    _record_skipped(skipped)
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
    rows: dict[Key, dict] = defaultdict(_empty)
    skipped: list[dict] = []
    _add_gap_counts(rows, first, last)
    _add_occurrences(rows, first, last, timeline)
    measured = _add_measured_savings(rows, first, last, timeline, skipped)
    estimated = _add_estimated_savings(rows, first, last, timeline, skipped)
    written = _write_daily(rows, first, last, run_at)
    _write_monthly(first, last, run_at)
    if snapshots_due:
        # Savings of gaps closed or prevented before the range started, as of the range's
        # end, come from the same loops: every closed / prevented gap passes through them.
        _write_snapshots(last + ONE_DAY, timeline, measured, estimated, run_at)
    return written, skipped


def _too_large(gap: Gap, kind: str, bound: Decimal, skipped: list[dict]) -> bool:
    """Whether a gap's figure would pass ``GAP_FIGURE_LIMIT``; if so it is noted as skipped."""
    if bound <= GAP_FIGURE_LIMIT:
        return False
    skipped.append(
        {
            "gap": gap.pk,
            "reason": f"its {kind} savings could reach {bound}, beyond the "
            f"{GAP_FIGURE_LIMIT} a gap's figure may add to the rollup",
        }
    )
    return True


def _record_skipped(skipped: list[dict]) -> None:
    """A history line for each gap a run left out, unless its history already says so since
    the gap last changed (else the nightly run would repeat it every night)."""
    if not skipped:
        return
    reasons = {entry["gap"]: entry["reason"] for entry in skipped}
    changed = dict(Gap.objects.filter(pk__in=reasons).values_list("pk", "updated_at"))
    told = dict(
        GapEvent.objects.filter(gap_id__in=reasons, kind=GapEvent.Kind.ROLLUP_SKIPPED)
        .values("gap_id")
        .annotate(last=Max("at"))
        .values_list("gap_id", "last")
    )
    GapEvent.objects.bulk_create(
        GapEvent(
            gap_id=gap,
            kind=GapEvent.Kind.ROLLUP_SKIPPED,
            note=f"Left out of the ROI figures: {reason}. Check its money fields and "
            "occurrences; the next rollup after a change takes it again.",
        )
        for gap, reason in reasons.items()
        if gap in changed and (gap not in told or told[gap] < changed[gap])
    )


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
