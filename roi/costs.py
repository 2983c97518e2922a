"""Database-aware money lookups: the cost model in force and each gap's unit cost.

The one place that turns a gap's blank money fields into figures: blank cost to serve takes
the touchpoint's cost per contact (or the cost model's), blank revenue at risk the cost
model's. ``insights`` and the rollups use these so that every page agrees.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce

from gaps.models import Gap

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


# Where a gap's per-occurrence money comes from (``gap_cost_to_serve``, ``gap_revenue_at_risk``).
OWN, TOUCHPOINT, COST_MODEL = "gap", "touchpoint", "cost_model"


def gap_cost_to_serve(gap: Gap, cost_model: CostModel) -> tuple[Decimal, str]:
    """The cost to serve one occurrence and where it comes from: the gap's own, else its
    touchpoint's cost per contact, else the cost model's (``OWN``, ``TOUCHPOINT``,
    ``COST_MODEL``)."""
    if gap.cost_to_serve is not None:
        return gap.cost_to_serve, OWN
    if gap.touchpoint is not None:
        return gap.touchpoint.cost_per_contact, TOUCHPOINT
    return cost_model.cost_per_contact, COST_MODEL


def gap_revenue_at_risk(gap: Gap, cost_model: CostModel) -> tuple[Decimal, str]:
    """The revenue at risk per occurrence and where it comes from: the gap's own, else the
    cost model's (``OWN``, ``COST_MODEL``)."""
    if gap.revenue_at_risk is not None:
        return gap.revenue_at_risk, OWN
    return cost_model.revenue_at_risk_per_occurrence, COST_MODEL


def gap_unit_cost(gap: Gap, cost_model: CostModel) -> Decimal:
    """Cost to serve + revenue at risk of one occurrence of ``gap``, defaults applied."""
    return calculations.unit_cost(
        gap_cost_to_serve(gap, cost_model)[0], gap_revenue_at_risk(gap, cost_model)[0]
    )


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


class CostModelTimeline:
    """Every cost model version, loaded once (one query): which one is in force on a day.

    The rollup and the direct figures walk many days; asking the database per day would cost
    a query each. The rule is ``version_in_force``'s, as in ``cost_model_as_of``: before the
    first version, the first version applies.
    """

    def __init__(self, versions: Sequence[CostModel] | None = None) -> None:
        """Every saved version (one query), or ``versions`` as given (ordered by
        ``effective_from``), for figures computed without the database."""
        self.versions: list[CostModel] = list(
            CostModel.objects.order_by("effective_from") if versions is None else versions
        )
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
