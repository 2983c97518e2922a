"""A gap's money as its page shows it: savings with their explanation, cost so far, monthly
cost now, and the per-occurrence costs with the defaults named. The per-occurrence costs come
from ``roi.costs``, the savings from ``roi.figure_inputs.gap_savings`` (as the API's savings
endpoint)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from gaps.models import Gap, Occurrence

from . import calculations as calc
from .costs import (
    COST_MODEL,
    OWN,
    cost_model_as_of,
    gap_cost_to_serve,
    gap_revenue_at_risk,
    gap_unit_cost,
)
from .explanations import Explanation, explain
from .figure_inputs import gap_savings


@dataclass(frozen=True)
class GapMoney:
    currency: str
    as_of: date
    cost_to_serve: Decimal
    cost_to_serve_source: str
    revenue_at_risk: Decimal
    revenue_at_risk_source: str
    unit_cost: Decimal
    savings_kind: str
    savings: Decimal
    savings_explanation: Explanation
    occurrences: int
    cost_so_far: Decimal
    occurrences_last_30_days: int
    monthly_cost: Decimal
    remedy_cost: Decimal


def gap_money(gap: Gap, as_of: date) -> GapMoney:
    """The gap's figures as of the start of ``as_of`` (two queries and the cost model's)."""
    model = cost_model_as_of(as_of)
    serve, serve_from = gap_cost_to_serve(gap, model)
    risk, risk_from = gap_revenue_at_risk(gap, model)
    unit = gap_unit_cost(gap, model)
    month_start, start = calc.monthly_cost_window(as_of)
    counts = Occurrence.objects.filter(gap=gap, occurred_at__lt=start).aggregate(
        total=Count("pk"),
        recent=Count("pk", filter=Q(occurred_at__gte=month_start)),
    )
    figure = gap_savings(gap, as_of)
    return GapMoney(
        currency=model.currency,
        as_of=as_of,
        cost_to_serve=serve,
        cost_to_serve_source=_source(serve_from, gap),
        revenue_at_risk=risk,
        revenue_at_risk_source=_source(risk_from, gap),
        unit_cost=unit,
        savings_kind=figure.kind,
        savings=figure.defined_amount,
        savings_explanation=explain(figure, model.currency),
        occurrences=counts["total"],
        cost_so_far=calc.cost_incurred(counts["total"], unit),
        occurrences_last_30_days=counts["recent"],
        monthly_cost=calc.monthly_cost(counts["recent"], unit),
        remedy_cost=gap.remedy_cost,
    )


def _source(origin: str, gap: Gap) -> str:
    """Where a per-occurrence figure comes from, as the page names it."""
    if origin == OWN:
        return "this gap's own figure"
    if origin == COST_MODEL:
        return "the cost model's default"
    return f"{gap.touchpoint.name}'s cost" if gap.touchpoint else origin
