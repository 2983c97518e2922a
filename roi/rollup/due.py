"""Which days a rollup run must recompute.

The nightly run covers the days after the last covered day up to yesterday, and goes back
further when something changed since the last run started: a late occurrence (from its day,
or from the closing day when it falls in a closed gap's baseline), a gap created or changed
(from its earliest day), a cost model version added (from its ``effective_from``).
"""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import F, Min, Q

from gaps.models import Gap, GapEvent, Occurrence

from ..models import CostModel, RollupRun

ONE_DAY = timedelta(days=1)
# Gap history entries that may change past figures (escalations and recurring flags cannot).
FIGURE_CHANGING_EVENTS = (GapEvent.Kind.CREATED, GapEvent.Kind.TRANSITION, GapEvent.Kind.UPDATE)


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


def as_day(moment: datetime | date | None) -> date | None:
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
    due: list[date | None] = [
        covered.last_day + ONE_DAY
        if covered and covered.last_day
        else first_data_day() or until + ONE_DAY
    ]
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
    due += [as_day(late["first"]), as_day(late["before_closing"])]

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
        due += [as_day(value) for value in (*dates.values(), first_occurrence)]

    due.append(
        CostModel.objects.filter(created_at__gte=cutoff).aggregate(first=Min("effective_from"))[
            "first"
        ]
    )
    return min(day for day in due if day is not None)
