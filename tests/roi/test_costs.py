"""Unit costs with defaults, the cost model in force, and a gap's savings from the database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gaps.models import Gap
from roi import calculations as calc
from roi.costs import cost_model_as_of, gap_unit_cost
from roi.figure_inputs import gap_savings
from roi.models import CostModel
from tests.factories import GapFactory, OccurrenceFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

T = date(2026, 6, 1)


def test_worked_example_gap_a_from_its_occurrences():
    CostModel.objects.create(effective_from=T - timedelta(days=400))
    closed_at = calc.day_start(T) - timedelta(days=60)
    gap = GapFactory(
        status=Gap.Status.CLOSED,
        closed_at=closed_at,
        root_cause="Invoice template merged three systems.",
        cost_to_serve=Decimal("12.00"),
        revenue_at_risk=Decimal("30.00"),
    )
    # 90 in the 90 days before closing (one a day), 10 in the 60 days since.
    for day in range(90):
        OccurrenceFactory(gap=gap, occurred_at=closed_at - timedelta(days=day, hours=1))
    for day in range(10):
        OccurrenceFactory(gap=gap, occurred_at=closed_at + timedelta(days=day * 5))
    # Outside both windows: before the baseline, and on/after T.
    OccurrenceFactory(gap=gap, occurred_at=closed_at - timedelta(days=91))
    OccurrenceFactory(gap=gap, occurred_at=calc.day_start(T))

    figure = gap_savings(gap, T)
    assert figure.kind == "measured"
    assert calc.money_str(figure.amount) == "2100.00"
    assert figure.inputs["baseline_occurrences"] == 90
    assert figure.inputs["post_occurrences"] == 10


def test_blank_money_takes_touchpoint_then_cost_model_defaults():
    model = CostModel(
        effective_from=T,
        cost_per_contact=Decimal("3.00"),
        revenue_at_risk_per_occurrence=Decimal("7.50"),
    )
    with_touchpoint = GapFactory(touchpoint=TouchpointFactory(cost_per_contact=Decimal("9.50")))
    without_touchpoint = GapFactory(touchpoint=None)
    explicit = GapFactory(cost_to_serve=Decimal("1.00"), revenue_at_risk=Decimal("2.00"))
    assert gap_unit_cost(with_touchpoint, model) == Decimal("17.00")
    assert gap_unit_cost(without_touchpoint, model) == Decimal("10.50")
    assert gap_unit_cost(explicit, model) == Decimal("3.00")


def test_cost_model_in_force_changes_over_time():
    CostModel.objects.create(effective_from=T - timedelta(days=100), currency="EUR")
    CostModel.objects.create(effective_from=T - timedelta(days=10), currency="USD")
    assert cost_model_as_of(T - timedelta(days=50)).currency == "EUR"
    assert cost_model_as_of(T - timedelta(days=10)).currency == "USD"
    # Before the first version, the first version applies (it reaches back to the earliest
    # data); only with no version at all is there an unsaved all-defaults model.
    assert cost_model_as_of(T - timedelta(days=200)).currency == "EUR"
    assert cost_model_as_of(T - timedelta(days=200)).pk is not None


def test_without_any_cost_model_an_all_defaults_model_applies():
    model = cost_model_as_of(T)
    assert model.pk is None
    assert model.cost_per_contact == 0


def test_open_gap_has_no_savings():
    assert gap_savings(GapFactory(), T).kind == "none"
