"""The ROI formulas of DESIGN.md as pure functions on ``Decimal``. No database here.

Time semantics: "as of day T" means 00:00 UTC at the start of T; elapsed time is exact seconds
÷ 86,400; a month is 30 days; windows include their start and exclude their end. Amounts are
kept exact and rounded half-up to cents only when shown (``money_str``).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from gaps.rates import DAYS_PER_MONTH, elapsed_days, monthly_rate, months_between, window_rate

ZERO = Decimal("0")
# A gap's monthly cost counts its occurrences in the 30 days before the start of day T.
MONTHLY_COST_DAYS = 30
CENT = Decimal("0.01")
MICROSECONDS_PER_DAY = 86_400_000_000
# Savings are computed as one exact product divided once, at this precision: enough that the
# quotient, rounded half-up to cents, is the exactly rounded value of the true fraction (the
# rollup's SQL rounds the same fraction with exact integer arithmetic, so both agree).
EXACT_PRECISION = 60


@dataclass(frozen=True)
class Figure:
    """A computed amount with the formula and every input it used, for "show me how"."""

    kind: str
    # ``None`` where the figure is not defined (ROI without any investment).
    amount: Decimal | None
    formula: str
    inputs: dict = field(default_factory=dict)

    @property
    def defined_amount(self) -> Decimal:
        """``amount`` of a figure that is always defined (savings, costs), typed as such."""
        if self.amount is None:
            raise ValueError(f"The {self.kind} figure is not defined.")
        return self.amount


def day_start(day: date) -> datetime:
    """00:00 UTC at the start of ``day``: the instant "as of day T" refers to."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def unit_cost(cost_to_serve: Decimal, revenue_at_risk: Decimal) -> Decimal:
    """What one occurrence of a gap costs: cost to serve + revenue at risk."""
    return cost_to_serve + revenue_at_risk


def cost_incurred(occurrences: int, unit: Decimal) -> Decimal:
    """Cost of the occurrences in a period."""
    return Decimal(occurrences) * unit


def monthly_cost_window(as_of: date) -> tuple[datetime, datetime]:
    """The window a gap's monthly cost counts as of day T: [T − 30 days, T) from 00:00 UTC.

    The one definition behind the gap page, the feeds' readings and the rollup's snapshots;
    "the month before" is the window of T − 30 days.
    """
    end = day_start(as_of)
    return end - timedelta(days=MONTHLY_COST_DAYS), end


def monthly_cost(occurrences_in_window: int, unit: Decimal) -> Decimal:
    """What a gap costs a month now: its occurrences in ``monthly_cost_window`` × unit cost."""
    return cost_incurred(occurrences_in_window, unit)


def measured_savings(
    *,
    closed_at: datetime,
    as_of: date,
    baseline_occurrences: int,
    post_occurrences: int,
    baseline_window_days: int,
    unit: Decimal,
) -> Figure:
    """Savings of a closed gap, measured from its occurrences before and after closing.

    baseline rate = occurrences in the window before ``closed_at`` ÷ (window ÷ 30);
    post rate = occurrences since ``closed_at`` ÷ months since; savings = max(0, baseline −
    post) × months since × unit cost. No time since closing (closed on or after T) → 0.
    """
    months_after = months_between(closed_at, day_start(as_of))
    baseline_rate = window_rate(baseline_occurrences, window_days=baseline_window_days)
    post_rate = monthly_rate(post_occurrences, months=months_after) if months_after > 0 else None
    if post_rate is None:
        amount = ZERO
    else:
        # The same formula rearranged to one division: (baseline − post rate) × months =
        # baseline × elapsed ÷ window − post, all in microseconds.
        elapsed = (day_start(as_of) - closed_at) // timedelta(microseconds=1)
        window = baseline_window_days * MICROSECONDS_PER_DAY
        with localcontext(prec=EXACT_PRECISION):
            excess = baseline_occurrences * elapsed - post_occurrences * window
            amount = max(ZERO, Decimal(excess) * unit / window)
    return Figure(
        kind="measured",
        amount=amount,
        formula="max(0, baseline_rate − post_rate) × months_after × unit_cost",
        inputs={
            "closed_at": closed_at.isoformat(),
            "as_of": as_of.isoformat(),
            "baseline_window_days": baseline_window_days,
            "baseline_occurrences": baseline_occurrences,
            "baseline_rate": baseline_rate,
            "post_occurrences": post_occurrences,
            "months_after": months_after,
            "post_rate": post_rate,
            "unit_cost": unit,
        },
    )


def estimated_savings(
    *,
    prevented_on: date,
    as_of: date,
    expected_monthly_occurrences: Decimal,
    horizon_days: int,
    unit: Decimal,
) -> Figure:
    """Savings of a prevented gap, estimated from how often customers would have met it.

    expected monthly occurrences × min(T − prevented_on, horizon) ÷ 30 × unit cost.
    """
    days = max(ZERO, elapsed_days(day_start(prevented_on), day_start(as_of)))
    counted_days = min(days, Decimal(horizon_days))
    with localcontext(prec=EXACT_PRECISION):
        # One division, last: the exact product ÷ 30 (see ``EXACT_PRECISION``).
        amount = expected_monthly_occurrences * counted_days * unit / DAYS_PER_MONTH
    return Figure(
        kind="estimated",
        amount=amount,
        formula="expected_monthly_occurrences × min(days_since_prevented, horizon_days) ÷ 30 "
        "× unit_cost",
        inputs={
            "prevented_on": prevented_on.isoformat(),
            "as_of": as_of.isoformat(),
            "expected_monthly_occurrences": expected_monthly_occurrences,
            "days_since_prevented": days,
            "horizon_days": horizon_days,
            "unit_cost": unit,
        },
    )


def investment(
    *,
    remedy_costs: Decimal,
    program_costs: Iterable[tuple[Decimal, date, date]] = (),
) -> Decimal:
    """Remedy costs of gaps closed or prevented before T + the programme's running cost.

    ``program_costs`` holds, for each cost model version from the first one's
    ``effective_from`` up to T, its program cost per month and the days it was in force
    (start included, end excluded). Each version pays for its own months: raising the cost
    today does not rewrite what the months before it cost.
    """
    program = ZERO
    for per_month, start, end in program_costs:
        program += per_month * months_between(day_start(start), day_start(end))
    return remedy_costs + program


def roi_percent(savings: Decimal, invested: Decimal) -> Decimal | None:
    """(savings − investment) ÷ investment × 100; ``None`` ("not defined") without investment."""
    if invested <= 0:
        return None
    return (savings - invested) / invested * Decimal(100)


def cents(amount: Decimal) -> Decimal:
    """Half-up to cents: how one gap's figure is shown, and what totals add up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(amount: Decimal | None) -> str | None:
    """Half-up to cents, as the API and pages show money (``None`` stays ``None``)."""
    if amount is None:
        return None
    # ``+ 0`` turns a negative zero ("-0.00", from a tiny negative ROI) into "0.00".
    return str(cents(amount) + 0)


# Inputs of a figure that are money (shown to the cent); other decimals are rates and months.
MONEY_INPUTS = frozenset(
    {
        "unit_cost",
        "remedy_costs",
        "program_cost_per_month",
        "program_cost",
        "measured_savings",
        "estimated_savings",
        "investment",
    }
)
RATE = Decimal("0.000001")


def plain(name: str, value):
    """One figure input as JSON: money to the cent, other decimals to six places, as strings."""
    if isinstance(value, Decimal):
        if name in MONEY_INPUTS:
            return money_str(value)
        # "f" and "F" differ only for NaN and infinity, which figures never hold.
        return format(value.quantize(RATE).normalize(), "f")  # pragma: no mutate
    return value


def plain_inputs(inputs: dict) -> dict:
    """A figure's inputs as the API and the formula popovers show them (``plain``)."""
    return {name: plain(name, value) for name, value in inputs.items()}
