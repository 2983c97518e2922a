"""A gap's money as its page shows it: savings with their explanation, cost so far, monthly
cost now, and the per-occurrence costs with the defaults named. Figures come from
``roi.costs`` (the API's savings endpoint uses the same ``gap_savings``)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from gaps.models import Gap, Occurrence

from . import calculations as calc
from .costs import cost_model_as_of, gap_savings, gap_unit_cost
from .explanations import Explanation, explain


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
    if gap.cost_to_serve is not None:
        serve, serve_source = gap.cost_to_serve, "this gap's own figure"
    elif gap.touchpoint is not None:
        serve, serve_source = gap.touchpoint.cost_per_contact, f"{gap.touchpoint.name}'s cost"
    else:
        serve, serve_source = model.cost_per_contact, "the cost model's default"
    if gap.revenue_at_risk is not None:
        risk, risk_source = gap.revenue_at_risk, "this gap's own figure"
    else:
        risk, risk_source = model.revenue_at_risk_per_occurrence, "the cost model's default"
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
        cost_to_serve_source=serve_source,
        revenue_at_risk=risk,
        revenue_at_risk_source=risk_source,
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
