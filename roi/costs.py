"""Database-aware money lookups: the cost model in force and each gap's unit cost.

The one place that turns a gap's blank money fields into figures: blank cost to serve takes
the touchpoint's cost per contact (or the cost model's), blank revenue at risk the cost
model's. ``insights`` and the rollups use these so that every page agrees.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q

from gaps.models import Gap, Occurrence

from . import calculations
from .models import CostModel


def cost_model_as_of(day: date) -> CostModel:
    """The version in force on ``day``; an unsaved all-defaults model before the first one."""
    model = CostModel.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return model or CostModel(effective_from=day)


def gap_unit_cost(gap: Gap, cost_model: CostModel) -> Decimal:
    """Cost to serve + revenue at risk of one occurrence of ``gap``, defaults applied."""
    if gap.cost_to_serve is not None:
        cost_to_serve = gap.cost_to_serve
    elif gap.touchpoint_id is not None:
        cost_to_serve = gap.touchpoint.cost_per_contact
    else:
        cost_to_serve = cost_model.cost_per_contact
    revenue_at_risk = (
        gap.revenue_at_risk
        if gap.revenue_at_risk is not None
        else cost_model.revenue_at_risk_per_occurrence
    )
    return calculations.unit_cost(cost_to_serve, revenue_at_risk)


def gap_unit_costs(gaps: Iterable[Gap], as_of: date) -> dict[int, Decimal]:
    """Unit cost per gap id under the cost model in force on ``as_of`` (select touchpoint)."""
    cost_model = cost_model_as_of(as_of)
    return {gap.pk: gap_unit_cost(gap, cost_model) for gap in gaps}


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
