"""Database-aware money lookups: the cost model in force and each gap's unit cost.

The one place that turns a gap's blank money fields into figures: blank cost to serve takes
the touchpoint's cost per contact (or the cost model's), blank revenue at risk the cost
model's. ``insights`` and the rollups use these so that every page agrees.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce

from gaps.models import Gap, Occurrence

from . import calculations
from .models import CostModel


def version_in_force(versions: Sequence[CostModel], day: date) -> CostModel:
    """The one rule for which cost model applies on ``day``, shared by every lookup.

    ``versions`` ordered by ``effective_from``. The latest version with ``effective_from`` ≤
    ``day``; before the first version, the first version itself: it reaches back to the
    earliest data, so an occurrence or a closing older than the first cost model is valued
    like the days after it (not at zero, and never with an unsaved stand-in that cannot be
    compared or hashed). Only with no version at all does an unsaved all-defaults model apply.
    Program cost still counts from the first version's ``effective_from`` (see
    ``CostModelTimeline.program_started``).
    """
    if not versions:
        return CostModel(effective_from=date.min)
    current = versions[0]
    for version in versions[1:]:
        if version.effective_from > day:
            break
        current = version
    return current


def cost_model_as_of(day: date) -> CostModel:
    """The version in force on ``day`` (``version_in_force``); one query."""
    return CostModelTimeline().on(day)


def gap_unit_cost(gap: Gap, cost_model: CostModel) -> Decimal:
    """Cost to serve + revenue at risk of one occurrence of ``gap``, defaults applied."""
    if gap.cost_to_serve is not None:
        cost_to_serve = gap.cost_to_serve
    elif gap.touchpoint is not None:
        cost_to_serve = gap.touchpoint.cost_per_contact
    else:
        cost_to_serve = cost_model.cost_per_contact
    revenue_at_risk = (
        gap.revenue_at_risk
        if gap.revenue_at_risk is not None
        else cost_model.revenue_at_risk_per_occurrence
    )
    return calculations.unit_cost(cost_to_serve, revenue_at_risk)


def unit_cost_expression(cost_model: CostModel, *, prefix: str = "") -> ExpressionWrapper:
    """``gap_unit_cost`` as an SQL expression, for grouped queries over many gaps.

    ``prefix`` reaches the gap from the queried model (``"gap__"`` from occurrences).
    """
    money = DecimalField(max_digits=14, decimal_places=2)
    cost_to_serve = Coalesce(
        F(f"{prefix}cost_to_serve"),
        F(f"{prefix}touchpoint__cost_per_contact"),
        Value(cost_model.cost_per_contact, output_field=money),
        output_field=money,
    )
    revenue_at_risk = Coalesce(
        F(f"{prefix}revenue_at_risk"),
        Value(cost_model.revenue_at_risk_per_occurrence, output_field=money),
        output_field=money,
    )
    return ExpressionWrapper(cost_to_serve + revenue_at_risk, output_field=money)


def gap_unit_costs(gaps: Iterable[Gap], as_of: date) -> dict[int, Decimal]:
    """Unit cost per gap id under the cost model in force on ``as_of`` (select touchpoint)."""
    cost_model = cost_model_as_of(as_of)
    return {gap.pk: gap_unit_cost(gap, cost_model) for gap in gaps}


def prevented_gap_savings(gap: Gap, model: CostModel, as_of: date) -> Decimal:
    """Estimated savings of a prevented gap as of ``as_of`` under ``model``, rounded to cents
    as every total adds them (the rollups and the summary share this). Zero without a
    prevention day (the database refuses a prevented gap without one)."""
    if gap.prevented_on is None:
        return calculations.ZERO
    return calculations.cents(
        calculations.estimated_savings(
            prevented_on=gap.prevented_on,
            as_of=as_of,
            expected_monthly_occurrences=gap.expected_monthly_occurrences or Decimal(0),
            horizon_days=model.estimate_horizon_days,
            unit=gap_unit_cost(gap, model),
        ).defined_amount
    )


def gap_savings(gap: Gap, as_of: date) -> calculations.Figure:
    """Measured savings of a closed gap, estimated of a prevented one, ``none`` otherwise.

    A measured figure counts the gap's occurrences in two windows with one query.
    """
    cost_model = cost_model_as_of(as_of)
    unit = gap_unit_cost(gap, cost_model)
    if gap.status == Gap.Status.PREVENTED and gap.prevented_on is not None:
        return calculations.estimated_savings(
            prevented_on=gap.prevented_on,
            as_of=as_of,
            expected_monthly_occurrences=gap.expected_monthly_occurrences or Decimal(0),
            horizon_days=cost_model.estimate_horizon_days,
            unit=unit,
        )
    if gap.status == Gap.Status.CLOSED and gap.closed_at is not None:
        window = cost_model.baseline_window_days
        baseline_start = gap.closed_at - timedelta(days=window)
        as_of_start = calculations.day_start(as_of)
        counts = Occurrence.objects.filter(gap=gap).aggregate(
            baseline=Count(
                "pk", filter=Q(occurred_at__gte=baseline_start, occurred_at__lt=gap.closed_at)
            ),
            post=Count("pk", filter=Q(occurred_at__gte=gap.closed_at, occurred_at__lt=as_of_start)),
        )
        return calculations.measured_savings(
            closed_at=gap.closed_at,
            as_of=as_of,
            baseline_occurrences=counts["baseline"],
            post_occurrences=counts["post"],
            baseline_window_days=window,
            unit=unit,
        )
    return calculations.Figure(
        kind="none",
        amount=Decimal(0),
        formula="only closed (measured) and prevented (estimated) gaps save money",
        inputs={"status": gap.status},
    )


class CostModelTimeline:
    """Every cost model version, loaded once (one query): which one is in force on a day.

    The rollup and the direct figures walk many days; asking the database per day would cost
    a query each. The rule is ``version_in_force``'s, as in ``cost_model_as_of``: before the
    first version, the first version applies.
    """

    def __init__(self) -> None:
        self.versions: list[CostModel] = list(CostModel.objects.order_by("effective_from"))
        self._fallback = version_in_force(self.versions, date.min)

    def on(self, day: date) -> CostModel:
        """The version in force on ``day``."""
        if not self.versions:
            return self._fallback
        return version_in_force(self.versions, day)

    @property
    def program_started(self) -> date | None:
        """The first version's ``effective_from``: where program cost starts to count."""
        return self.versions[0].effective_from if self.versions else None

    def segments(self, first: date, last: date) -> list[tuple[date, date, CostModel]]:
        """``[first, last]`` cut into inclusive day ranges that each have one version."""
        bounds = [first]
        bounds += [v.effective_from for v in self.versions if first < v.effective_from <= last]
        ends = [b - timedelta(days=1) for b in bounds[1:]] + [last]
        return [(start, end, self.on(start)) for start, end in zip(bounds, ends, strict=True)]
