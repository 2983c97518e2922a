"""Reads behind the ROI figures: what the pure functions of ``roi.figures`` take, gathered from
gaps and occurrences in a fixed number of queries, and the figures they then make.

``gap_savings`` is one gap's savings (the savings API, the gap page, the before/after page);
``totals_as_of`` the totals straight from gaps and occurrences (the reference the tests hold
the rollups to). Both read their inputs here and leave the arithmetic to ``roi.figures``.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, When

from gaps.models import Gap, Occurrence

from . import calculations as calc
from .costs import CostModelTimeline, cost_model_as_of, unit_cost_expression
from .figures import (
    NO_COUNTS,
    ClosedGapCounts,
    Totals,
    estimated_gap_savings,
    measured_gap_savings,
    totals_from,
)

ZERO = calc.ZERO


def closed_gap_counts(
    gap_ids: list[int] | None, *, windows: set[int], before: date
) -> dict[int, ClosedGapCounts]:
    """Per gap: occurrences in each baseline window before ``closed_at`` and after it up to
    the start of ``before``. One grouped query; a gap with no occurrence in reach has no entry
    (``roi.figures.NO_COUNTS``).

    ``gap_ids=None`` means every closed gap; given ids are counted as they are (the caller
    chose them for their closing).
    """
    end = calc.day_start(before)
    widest = max(windows)
    annotations = {
        f"b{w}": Count(
            "pk",
            filter=Q(
                occurred_at__gte=F("gap__closed_at") - timedelta(days=w),
                occurred_at__lt=F("gap__closed_at"),
            ),
        )
        for w in windows
    }
    annotations["post"] = Count(
        "pk", filter=Q(occurred_at__gte=F("gap__closed_at"), occurred_at__lt=end)
    )
    queryset = Occurrence.objects.filter(
        occurred_at__gte=F("gap__closed_at") - timedelta(days=widest)
    )
    if gap_ids is None:
        queryset = queryset.filter(gap__status=Gap.Status.CLOSED)
    else:
        queryset = queryset.filter(gap_id__in=gap_ids)
    rows: list[dict[str, int]] = list(
        queryset.values("gap_id").annotate(**annotations).order_by()  # type: ignore[arg-type]  # values() rows are plain dicts
    )
    return {
        row["gap_id"]: ClosedGapCounts(
            baseline={w: row[f"b{w}"] for w in windows}, post=row["post"]
        )
        for row in rows
    }


def closed_gaps(before: date) -> list[Gap]:
    """Closed gaps with some time since closing by the start of ``before``."""
    return list(
        Gap.objects.filter(status=Gap.Status.CLOSED, closed_at__lt=calc.day_start(before))
        .select_related("touchpoint")
        .order_by("pk")
    )


def prevented_gaps(before: date) -> list[Gap]:
    """Prevented gaps prevented before ``before``."""
    return list(
        Gap.objects.filter(status=Gap.Status.PREVENTED, prevented_on__lt=before)
        .select_related("touchpoint")
        .order_by("pk")
    )


def occurrences_before(as_of: date, timeline: CostModelTimeline) -> tuple[int, Decimal]:
    """Occurrences before the start of ``as_of`` and their cost, in one query however many
    cost model versions there are: each occurrence takes the unit cost of the version in
    force on its day (the first ``When`` whose end is after it)."""
    if as_of <= date.min:
        return 0, ZERO
    money = DecimalField(max_digits=16, decimal_places=2)
    unit = Case(
        *(
            When(
                occurred_at__lt=calc.day_start(end + timedelta(days=1)),
                then=unit_cost_expression(version, prefix="gap__"),
            )
            for _start, end, version in timeline.segments(date.min, as_of - timedelta(days=1))
        ),
        output_field=money,
    )
    row = Occurrence.objects.filter(occurred_at__lt=calc.day_start(as_of)).aggregate(
        n=Count("pk"), cost=Sum(unit, output_field=money)
    )
    return row["n"], row["cost"] or ZERO


def totals_as_of(as_of: date, timeline: CostModelTimeline | None = None) -> Totals:
    """The totals as of ``as_of`` straight from gaps and occurrences, in a fixed number of
    queries whatever the data (cost model versions included); ``roi.figures.totals_from``
    adds them up."""
    timeline = timeline or CostModelTimeline()
    model = timeline.on(as_of)
    occurrences, cost = occurrences_before(as_of, timeline)
    return totals_from(
        as_of=as_of,
        model=model,
        closed=closed_gaps(as_of),
        counts=closed_gap_counts(None, windows={model.baseline_window_days}, before=as_of),
        prevented=prevented_gaps(as_of),
        occurrences=occurrences,
        cost_incurred=cost,
    )


def gap_savings(gap: Gap, as_of: date) -> calc.Figure:
    """Measured savings of a closed gap, estimated of a prevented one, ``none`` otherwise
    (``roi.figures`` builds them). A measured figure counts the gap's occurrences with one
    query."""
    model = cost_model_as_of(as_of)
    if gap.status == Gap.Status.PREVENTED and gap.prevented_on is not None:
        return estimated_gap_savings(gap, model=model, as_of=as_of)
    if gap.status == Gap.Status.CLOSED and gap.closed_at is not None:
        window = model.baseline_window_days
        counts = closed_gap_counts([gap.pk], windows={window}, before=as_of).get(gap.pk, NO_COUNTS)
        return measured_gap_savings(
            gap, model=model, as_of=as_of, baseline=counts.baseline, post=counts.post
        )
    return calc.Figure(
        kind="none",
        amount=Decimal(0),
        formula="only closed (measured) and prevented (estimated) gaps save money",
        inputs={"status": gap.status},
    )
