"""The ROI figures as of a day, each with its formula and inputs: pure functions over inputs
already read (gaps as loaded, occurrence counts, cost model versions, Decimals). Nothing here
queries the database; ``roi.figure_inputs`` gathers what these functions take.

- **A gap's savings** are built here and nowhere else: ``measured_gap_savings`` (a closed gap)
  and ``estimated_gap_savings`` (a prevented gap) choose the cost model's window and horizon,
  the counts for that window and the unit cost in force, and apply ``roi.calculations``. The
  savings API and the gap page (``roi.figure_inputs.gap_savings``), the direct totals
  (``totals_from``) and the rollup's Python path (``roi.rollup.measures``) all call them.
- **The headline figures** shown anywhere (summary API, dashboard, printable summary) come
  from one selector, ``roi.selectors.roi_summary``, which adds up the precomputed rollups and
  assembles them here (``summarise``). ``roi.figure_inputs.totals_as_of`` counts the same
  totals straight from gaps and occurrences (``totals_from``): it is the reference the tests
  hold the rollups to, not a second way to answer. Because each gap's savings are rounded to
  cents before they are added — in both — the two agree to the cent.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal

from gaps.models import Gap

from . import calculations as calc
from .costs import CostModelTimeline, gap_unit_cost
from .models import CostModel

ZERO = calc.ZERO


@dataclass(frozen=True)
class ClosedGapCounts:
    """A closed gap's occurrences as a measured figure reads them: in each baseline window
    before ``closed_at`` (by the window's days: the cost model's ``baseline_window_days`` may
    change between versions) and after ``closed_at`` up to the start of T (``post``)."""

    baseline: Mapping[int, int] = field(default_factory=dict)
    post: int = 0


# A closed gap with no occurrence near its closing: nothing before, nothing since.
NO_COUNTS = ClosedGapCounts()


def measured_gap_savings(
    gap: Gap, *, model: CostModel, as_of: date, baseline: Mapping[int, int], post: int
) -> calc.Figure:
    """The measured savings of a closed gap as of ``as_of``: the one place they are built.

    ``model`` is the cost model in force on ``as_of``: its ``baseline_window_days`` picks the
    baseline count from ``baseline`` (occurrences in the window before closing, by window
    days; a window not counted is zero) and its defaults the unit cost (``gap_unit_cost``);
    ``post`` counts the occurrences from ``closed_at`` to the start of ``as_of``. The formula
    is ``roi.calculations.measured_savings``.

    The rollup on PostgreSQL computes the same figure set-based, as a second form of the same
    formula for scale (``roi.rollup.sql``, in exact integer arithmetic); the Hypothesis tests
    (``tests/roi/test_rollup_properties.py``, and ``tests/roi/test_rollup.py`` against
    ``roi.figure_inputs.totals_as_of``) prove the two equal to the cent.
    """
    if gap.closed_at is None:
        raise ValueError(f"Gap {gap.pk} has no closing: measured savings need one.")
    window = model.baseline_window_days
    return calc.measured_savings(
        closed_at=gap.closed_at,
        as_of=as_of,
        baseline_occurrences=baseline.get(window, 0),
        post_occurrences=post,
        baseline_window_days=window,
        unit=gap_unit_cost(gap, model),
    )


def estimated_gap_savings(gap: Gap, *, model: CostModel, as_of: date) -> calc.Figure:
    """The estimated savings of a prevented gap as of ``as_of``: the one place they are built.

    ``model`` is the cost model in force on ``as_of`` (its ``estimate_horizon_days`` and the
    unit cost's defaults); the formula is ``roi.calculations.estimated_savings``. A blank
    ``expected_monthly_occurrences`` counts as zero. As with measured savings, the rollup's
    SQL (``roi.rollup.sql``) is a second, set-based form proven equal by the Hypothesis tests.
    """
    if gap.prevented_on is None:
        raise ValueError(f"Gap {gap.pk} has no prevention day: estimated savings need one.")
    return calc.estimated_savings(
        prevented_on=gap.prevented_on,
        as_of=as_of,
        expected_monthly_occurrences=gap.expected_monthly_occurrences or Decimal(0),
        horizon_days=model.estimate_horizon_days,
        unit=gap_unit_cost(gap, model),
    )


def counted(figure: calc.Figure) -> Decimal:
    """A gap's savings as every total adds them: rounded half-up to cents (``calc.cents``)."""
    return calc.cents(figure.defined_amount)


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


def totals_from(
    *,
    as_of: date,
    model: CostModel,
    closed: Sequence[Gap],
    counts: Mapping[int, ClosedGapCounts],
    prevented: Sequence[Gap],
    occurrences: int,
    cost_incurred: Decimal,
) -> Totals:
    """The totals as of ``as_of`` from what was read: the gaps closed before the start of
    ``as_of`` with their counts (``roi.figure_inputs.closed_gap_counts``; a gap without a
    row has none), the gaps prevented before it, and the occurrences before it with their
    cost. Each gap's savings count rounded to cents (``counted``)."""
    measured = ZERO
    for gap in closed:
        row = counts.get(gap.pk, NO_COUNTS)
        measured += counted(
            measured_gap_savings(
                gap, model=model, as_of=as_of, baseline=row.baseline, post=row.post
            )
        )
    estimated = sum(
        (counted(estimated_gap_savings(gap, model=model, as_of=as_of)) for gap in prevented),
        ZERO,
    )
    return Totals(
        gaps_closed=len(closed),
        gaps_prevented=len(prevented),
        occurrences=occurrences,
        cost_incurred=cost_incurred,
        measured_savings=measured,
        estimated_savings=estimated,
        remedy_spend=sum((g.remedy_cost for g in (*closed, *prevented)), ZERO),
    )
