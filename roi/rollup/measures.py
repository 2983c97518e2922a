"""The rollup's measure families on the embedded SQLite database: grouped queries, and each
closed and prevented gap's savings per day as ``roi.figures`` builds them (PostgreSQL runs
the same rules set-based in ``roi.rollup.sql``).

Each family adds into ``rows``: one dict of measures per (date, team, role, category).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import TruncDate

from gaps.models import Gap, Occurrence

from .. import calculations as calc
from ..costs import CostModelTimeline, unit_cost_expression
from ..figure_inputs import closed_gap_counts
from ..figures import (
    NO_COUNTS,
    ClosedGapCounts,
    counted,
    estimated_gap_savings,
    measured_gap_savings,
)
from ..models import RollupMeasures

ZERO = calc.ZERO
ONE_DAY = timedelta(days=1)
GROUP = ("causing_team_id", "causing_role_id", "category")
OCCURRENCE_GROUP = ("gap__causing_team_id", "gap__causing_role_id", "gap__category")
MONEY_SUM = DecimalField(max_digits=16, decimal_places=2)
# The most one gap's savings may add to the rollup (10^15): rows sum many gaps in columns of
# 18 integer digits. The input limits (gaps.models.limits) keep real gaps far below it; a gap
# whose figure would still pass it is left out of the run, which names it, and its history
# says so.
GAP_FIGURE_LIMIT = Decimal("1000000000000000")

Key = tuple[date, int, int, str]


def empty_measures() -> dict:
    return {
        name: (ZERO if "savings" in name or "cost" in name or "spend" in name else 0)
        for name in RollupMeasures.MEASURES
    }


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _key(gap: Gap, day: date) -> Key:
    return (day, gap.causing_team_id, gap.causing_role_id, gap.category)


class RollupGapError(Exception):
    """A run failed while computing one gap's figures: the run records which gap."""

    def __init__(self, gap_id: int, message: str) -> None:
        super().__init__(f"gap {gap_id}: {message}")
        self.gap_id = gap_id


@contextmanager
def _naming(gap: Gap) -> Iterator[None]:
    """Turn an arithmetic failure on one gap's figures into a ``RollupGapError`` naming it,
    so that the failed run records which gap stopped it (Python path; SQL fails as a whole)."""
    try:
        yield
    except (ArithmeticError, TypeError, ValueError) as error:
        raise RollupGapError(gap.pk, f"{type(error).__name__}: {error}") from error


def too_large(gap: Gap, kind: str, bound: Decimal, skipped: list[dict]) -> bool:
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


def add_gap_counts(rows: dict[Key, dict], first: date, last: date) -> None:
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


def add_occurrences(
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


def add_measured_savings(
    rows: dict[Key, dict],
    first: date,
    last: date,
    timeline: CostModelTimeline,
    skipped: list[dict],
) -> dict[int, Decimal]:
    """Each closed gap's daily increment of measured savings; returns savings as of last + 1.

    Two grouped queries count the occurrences (baseline windows and post counts before the
    range; post counts per day inside it); ``roi.figures.measured_gap_savings`` makes each
    day's figure.
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
        counts = before.get(gap.pk, NO_COUNTS)
        post = counts.post

        closed_at = gap.closed_at
        if closed_at is None:  # the query asked for closed gaps: they carry their closing
            continue

        def savings(
            as_of: date, post: int, gap: Gap = gap, counts: ClosedGapCounts = counts
        ) -> Decimal:
            with _naming(gap):
                return counted(
                    measured_gap_savings(
                        gap,
                        model=timeline.on(as_of),
                        as_of=as_of,
                        baseline=counts.baseline,
                        post=post,
                    )
                )

        # With no occurrence since closing, the savings only grow: their value at the end.
        if too_large(gap, "measured", savings(end, 0), skipped):
            continue
        start = max(first, closed_at.astimezone(UTC).date())
        previous = savings(start, post)
        for day in _days(start, last):
            post += daily.get((gap.pk, day), 0)
            current = savings(day + ONE_DAY, post)
            if current != previous:
                rows[_key(gap, day)]["measured_savings"] += current - previous
            previous = current
        savings_now[gap.pk] = previous
    return savings_now


def add_estimated_savings(
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
                return counted(estimated_gap_savings(gap, model=timeline.on(as_of), as_of=as_of))

        if gap.prevented_on is None or too_large(
            gap, "estimated", savings(last + ONE_DAY), skipped
        ):
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
