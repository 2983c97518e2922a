"""The rollup's writers on the embedded SQLite database: daily rows, months, gap snapshots;
and, on every database, the per-team open costs summed from the snapshots and the history
lines of gaps a run left out (PostgreSQL writes the first three set-based, ``roi.rollup.sql``).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncDate, TruncMonth

from gaps.models import OPEN_STATUSES, Gap, GapEvent, Occurrence

from .. import calculations as calc
from ..costs import CostModelTimeline, gap_unit_cost
from ..models import (
    DailyRollup,
    GapSnapshot,
    MonthlyRoleRollup,
    MonthlyTeamRollup,
    RollupMeasures,
    TeamOpenCost,
)
from .measures import ZERO, Key, empty_measures

BATCH = 2000


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _upsert(model, objects: list, *, unique_fields: list[str], extra: Iterable[str] = ()) -> None:
    model.objects.bulk_create(
        objects,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=[*RollupMeasures.MEASURES, *extra, "computed_at"],
    )


def write_daily(rows: dict[Key, dict], first: date, last: date, run_at: datetime) -> int:
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
            bucket = histograms[(month_of(row["day"]), row["causing_team_id"])][name]
            bucket[str(days)] += row["n"]
    return histograms


def write_monthly(first: date, last: date, run_at: datetime) -> None:
    """Re-add the months that hold ``[first, last]`` from their daily rows."""
    first_month, end = month_of(first), next_month(month_of(last))
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


def _measures_of(row: Mapping[str, Any] | None) -> dict:
    """The measures of a summed ``values()`` row, zeros for what is missing."""
    measures = empty_measures()
    for name in measures:
        if row and row.get(name) is not None:
            measures[name] = row[name]
    return measures


def write_snapshots(
    as_of: date,
    timeline: CostModelTimeline,
    measured: dict[int, Decimal],
    estimated: dict[int, Decimal],
    run_at: datetime,
) -> None:
    """Replace every gap's snapshot with its figures as of ``as_of`` (archived gaps: none)."""
    model = timeline.on(as_of)
    month_start, end = calc.monthly_cost_window(as_of)
    recent = dict(
        Occurrence.objects.filter(
            gap__status__in=OPEN_STATUSES,
            occurred_at__gte=month_start,
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
                monthly_cost=calc.monthly_cost(count, unit),
                savings_kind=kind,
                savings=savings,
            )
        )
    GapSnapshot.objects.all().delete()
    GapSnapshot.objects.bulk_create(snapshots, batch_size=BATCH)


def write_team_open_costs() -> None:
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


def record_skipped(skipped: list[dict]) -> None:
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
