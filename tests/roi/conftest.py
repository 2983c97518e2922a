"""A small history with every kind of figure, shared by the rollup, API and page tests.

Today is pinned to ``TODAY`` for the rollup (services take ``today``); the history spans a
cost model change, a closed gap with occurrences before and after closing (the worked example's
gap A), a prevented gap (gap B), an open gap with recent occurrences and an archived gap.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from gaps.models import Gap
from roi import calculations as calc
from roi.models import CostModel
from tests.factories import GapFactory, OccurrenceFactory, RoleFactory, TeamFactory

TODAY = date(2026, 6, 1)
T0 = calc.day_start(TODAY)


def make_history() -> dict:
    """Build the history; returns the gaps by name."""
    CostModel.objects.create(
        effective_from=TODAY - timedelta(days=400),
        cost_per_contact=Decimal("5.00"),
        revenue_at_risk_per_occurrence=Decimal("10.00"),
        program_cost_per_month=Decimal("0.00"),
    )
    CostModel.objects.create(
        effective_from=TODAY - timedelta(days=20),
        cost_per_contact=Decimal("6.00"),
        revenue_at_risk_per_occurrence=Decimal("12.00"),
        program_cost_per_month=Decimal("0.00"),
    )
    billing = TeamFactory(name="Billing")
    logistics = TeamFactory(name="Logistics")
    invoicing = RoleFactory(name="Invoicing Specialist", team=billing)
    dispatch = RoleFactory(name="Dispatcher", team=logistics)
    closed_at = T0 - timedelta(days=60)
    a = GapFactory(
        title="Three partial invoices",
        causing_role=invoicing,
        category=Gap.Category.PROCESS,
        status=Gap.Status.CLOSED,
        detected_on=TODAY - timedelta(days=200),
        acknowledged_at=T0 - timedelta(days=190),
        closed_at=closed_at,
        root_cause="Three billing systems each sent their own invoice.",
        cost_to_serve=Decimal("12.00"),
        revenue_at_risk=Decimal("30.00"),
        remedy_cost=Decimal("500.00"),
    )
    for day in range(90):
        OccurrenceFactory(gap=a, occurred_at=closed_at - timedelta(days=day, hours=1))
    for day in range(10):
        OccurrenceFactory(gap=a, occurred_at=closed_at + timedelta(days=day * 5, hours=2))
    b = GapFactory(
        title="Courier leaves parcels outside",
        causing_role=dispatch,
        category=Gap.Category.SERVICE,
        status=Gap.Status.PREVENTED,
        detected_on=TODAY - timedelta(days=45),
        prevented_on=TODAY - timedelta(days=45),
        expected_monthly_occurrences=Decimal("20"),
        cost_to_serve=Decimal("10.00"),
        revenue_at_risk=Decimal("15.00"),
        remedy_cost=Decimal("0.00"),
    )
    c = GapFactory(
        title="Delivery slots ignored",
        causing_role=dispatch,
        category=Gap.Category.SERVICE,
        detected_on=TODAY - timedelta(days=40),
        touchpoint=None,
    )
    for day in range(0, 40, 2):
        OccurrenceFactory(gap=c, occurred_at=T0 - timedelta(days=day, hours=3))
    archived = GapFactory(
        title="Old archived gap",
        causing_role=invoicing,
        status=Gap.Status.ARCHIVED,
        detected_on=TODAY - timedelta(days=300),
    )
    OccurrenceFactory(gap=archived, occurred_at=T0 - timedelta(days=299))
    return {
        "a": a,
        "b": b,
        "c": c,
        "archived": archived,
        "billing": billing,
        "logistics": logistics,
        "invoicing": invoicing,
        "dispatch": dispatch,
    }


@pytest.fixture
def history(db) -> dict:
    return make_history()


@pytest.fixture
def api(exec_user) -> APIClient:
    """An executive's API client (session authentication)."""
    client = APIClient()
    client.force_authenticate(exec_user)
    return client
