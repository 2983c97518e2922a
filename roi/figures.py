"""The headline ROI figures as of a day, each with its formula and inputs.

The figures shown anywhere (summary API, dashboard, printable summary) come from one
selector, ``roi.selectors.roi_summary``, which adds up the precomputed rollups and assembles
them here (``summarise``). ``totals_as_of`` counts the same totals straight from gaps and
occurrences: it is the reference the tests hold the rollups to, not a second way to answer.
Because each gap's savings are rounded to cents before they are added — in both — the two
agree to the cent.
"""

from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, When

from gaps.models import Gap, Occurrence

from . import calculations as calc
from .costs import CostModelTimeline, gap_unit_cost, prevented_gap_savings, unit_cost_expression

ZERO = calc.ZERO


@dataclass
class Totals:
    """Additive measures: what the rollup rows carry and what the figures start from."""

    gaps_opened: int = 0
    gaps_closed: int = 0
    gaps_prevented: int = 0
    occurrences: int = 0
    cost_incurred: Decimal = ZERO
    measured_savings: Decimal = ZERO
    estimated_savings: Decimal = ZERO
    remedy_spend: Decimal = ZERO

    @classmethod
    def from_row(cls, row: dict) -> "Totals":
        """From a ``values()`` row of summed measures (``None`` sums count as zero)."""
        values = {}
        for f in fields(cls):
            value = row.get(f.name)
            values[f.name] = value if value is not None else f.default
        return cls(**values)  # type: ignore[arg-type]  # a dataclass built from its own fields

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass
class Summary:
    """The figures of DESIGN.md's summary as of ``as_of``, by API field name."""

    as_of: date
    currency: str
    figures: dict[str, calc.Figure]
    totals: Totals

    def amount(self, name: str) -> Decimal | None:
        return self.figures[name].amount


def summarise(*, as_of: date, totals: Totals, timeline: CostModelTimeline) -> Summary:
    """Investment and ROI from the totals, every figure with its formula and inputs.

    Program cost counts only when no team filter narrows the totals (``totals`` of the whole
    company); callers that filter pass ``include_program`` through ``summarise_for_team``.
    """
    return _summarise(as_of=as_of, totals=totals, timeline=timeline, include_program=True)


def summarise_for_team(*, as_of: date, totals: Totals, timeline: CostModelTimeline) -> Summary:
    """As ``summarise``, for one team: the programme's running cost belongs to no team."""
    return _summarise(as_of=as_of, totals=totals, timeline=timeline, include_program=False)


def _summarise(
    *, as_of: date, totals: Totals, timeline: CostModelTimeline, include_program: bool
) -> Summary:
    model = timeline.on(as_of)
    started = timeline.program_started if include_program else None
    program_cost = model.program_cost_per_month if include_program else ZERO
    program_costs = (
        [
            (version.program_cost_per_month, first, last + timedelta(days=1))
            for first, last, version in timeline.segments(started, as_of - timedelta(days=1))
        ]
        if started and started < as_of
        else []
    )
    invested = calc.investment(remedy_costs=totals.remedy_spend, program_costs=program_costs)
    months = (
        calc.months_between(calc.day_start(started), calc.day_start(as_of)) if started else ZERO
    )
    savings = totals.measured_savings + totals.estimated_savings
    t = as_of.isoformat()
    # Each cost model version's share of the programme cost, so that the explanation adds up
    # (a single "per month × months" is wrong as soon as the monthly cost changed once).
    program_periods = []
    for per_month, first, end in program_costs:
        period_months = calc.months_between(calc.day_start(first), calc.day_start(end))
        program_periods.append(
            {
                "from": first.isoformat(),
                "until": end.isoformat(),
                "per_month": calc.money_str(per_month),
                "months": format(period_months.quantize(Decimal("0.01")), "f"),
                "cost": calc.money_str(per_month * period_months),
            }
        )
    figures = {
        "measured_savings": calc.Figure(
            "measured",
            totals.measured_savings,
            "Σ over closed gaps of max(0, baseline_rate − post_rate) × months_after × unit_cost, "
            "each rounded to cents",
            {"as_of": t, "gaps_closed": totals.gaps_closed},
        ),
        "estimated_savings": calc.Figure(
            "estimated",
            totals.estimated_savings,
            "Σ over prevented gaps of expected_monthly_occurrences × min(days_since_prevented, "
            "horizon_days) ÷ 30 × unit_cost, each rounded to cents",
            {"as_of": t, "gaps_prevented": totals.gaps_prevented},
        ),
        "investment": calc.Figure(
            "investment",
            invested,
            "remedy costs of gaps closed or prevented before T + Σ over cost model versions of "
            "program_cost_per_month × months in force, from the first cost model to T"
            + ("" if include_program else " (one team: the programme's cost belongs to no team)"),
            {
                "as_of": t,
                "remedy_costs": totals.remedy_spend,
                "program_cost_per_month": program_cost,
                "program_started": started.isoformat() if started else None,
                "months": months,
                "program_cost": invested - totals.remedy_spend,
                "program_periods": program_periods,
            },
        ),
        "roi_percent": calc.Figure(
            "percent",
            calc.roi_percent(savings, invested),
            "(measured_savings + estimated_savings − investment) ÷ investment × 100; "
            "not defined without investment",
            {
                "measured_savings": totals.measured_savings,
                "estimated_savings": totals.estimated_savings,
                "investment": invested,
            },
        ),
        "roi_percent_measured": calc.Figure(
            "percent",
            calc.roi_percent(totals.measured_savings, invested),
            "(measured_savings − investment) ÷ investment × 100; not defined without investment",
            {"measured_savings": totals.measured_savings, "investment": invested},
        ),
        "cost_incurred": calc.Figure(
            "cost",
            totals.cost_incurred,
            "Σ occurrences before T × unit_cost (cost model in force on the occurrence's day)",
            {"as_of": t, "occurrences": totals.occurrences},
        ),
    }
    return Summary(as_of=as_of, currency=model.currency, figures=figures, totals=totals)


def closed_gap_counts(
    gap_ids: list[int] | None, *, windows: set[int], before: date
) -> dict[int, dict[str, int]]:
    """Per closed gap: occurrences in each baseline window before closing (``b<days>``) and
    after closing up to the start of ``before`` (``post``). One grouped query.

    ``gap_ids=None`` means every closed gap.
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
        gap__status=Gap.Status.CLOSED,
        occurred_at__gte=F("gap__closed_at") - timedelta(days=widest),
    )
    if gap_ids is not None:
        queryset = queryset.filter(gap_id__in=gap_ids)
    rows = queryset.values("gap_id").annotate(**annotations).order_by()
    return {row.pop("gap_id"): row for row in rows}  # type: ignore[misc]  # values() rows are plain dicts


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


def totals_as_of(as_of: date, timeline: CostModelTimeline | None = None) -> Totals:
    """The totals as of ``as_of`` straight from gaps and occurrences, in a fixed number of
    queries whatever the data (cost model versions included)."""
    timeline = timeline or CostModelTimeline()
    model = timeline.on(as_of)
    window = model.baseline_window_days
    closed = closed_gaps(as_of)
    counts = closed_gap_counts(None, windows={window}, before=as_of)
    measured = ZERO
    for gap in closed:
        row = counts.get(gap.pk, {})
        measured += calc.cents(
            calc.measured_savings(  # type: ignore[arg-type]  # savings are always defined
                closed_at=gap.closed_at,  # type: ignore[arg-type]  # a closed gap has closed_at
                as_of=as_of,
                baseline_occurrences=row.get(f"b{window}", 0),
                post_occurrences=row.get("post", 0),
                baseline_window_days=window,
                unit=gap_unit_cost(gap, model),
            ).amount
        )
    prevented = prevented_gaps(as_of)
    estimated = sum(
        (prevented_gap_savings(gap, model, as_of) for gap in prevented),
        ZERO,
    )
    occurrences, cost = 0, ZERO
    if as_of > date.min:
        money = DecimalField(max_digits=16, decimal_places=2)
        # One query however many cost model versions there are: each occurrence takes the unit
        # cost of the version in force on its day (the first ``When`` whose end is after it).
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
        occurrences, cost = row["n"], row["cost"] or ZERO  # type: ignore[assignment]  # cost is a Decimal sum
    return Totals(
        gaps_closed=len(closed),
        gaps_prevented=len(prevented),
        occurrences=occurrences,
        cost_incurred=cost,
        measured_savings=measured,
        estimated_savings=estimated,
        remedy_spend=sum((g.remedy_cost for g in closed + prevented), ZERO),
    )
