"""DESIGN.md's worked example end to end: gaps logged through ``gaps.services.gap_create``
with a past closing and prevention, occurrences, a cost model, then both API endpoints."""

from datetime import timedelta
from decimal import Decimal

import pytest

from gaps.models import Gap
from gaps.services import gap_create
from roi import calculations as calc
from roi import selectors
from roi.models import CostModel
from tests.factories import OccurrenceFactory, RoleFactory

from .conftest import figures_only

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/roi/summary/"


@pytest.fixture
def example(cx_user) -> dict:
    today = selectors.today()
    t0 = calc.day_start(today)
    CostModel.objects.create(effective_from=today - timedelta(days=400))
    role = RoleFactory()
    closed_at = t0 - timedelta(days=60)
    a = gap_create(
        actor=cx_user,
        status=Gap.Status.CLOSED,
        closed_at=closed_at,
        title="A",
        expectation="one invoice",
        delivery="three invoices",
        category=Gap.Category.PROCESS,
        causing_role=role,
        severity=3,
        detected_on=today - timedelta(days=200),
        root_cause="three billing systems",
        cost_to_serve=Decimal("12.00"),
        revenue_at_risk=Decimal("30.00"),
        remedy_cost=Decimal("500.00"),
    )
    for day in range(90):
        OccurrenceFactory(gap=a, occurred_at=closed_at - timedelta(days=day, hours=1))
    for i in range(10):
        OccurrenceFactory(gap=a, occurred_at=closed_at + timedelta(days=i * 5, hours=2))
    b = gap_create(
        actor=cx_user,
        status=Gap.Status.PREVENTED,
        prevented_on=today - timedelta(days=45),
        title="B",
        expectation="parcel at the door",
        delivery="parcel outside",
        category=Gap.Category.SERVICE,
        causing_role=role,
        severity=2,
        detected_on=today - timedelta(days=50),
        expected_monthly_occurrences=Decimal("20"),
        cost_to_serve=Decimal("25.00"),
        revenue_at_risk=Decimal("0.00"),
    )
    return {"a": a, "b": b, "today": today}


def test_worked_example_summary_as_of_today(api, example):
    body = api.get(SUMMARY, {"as_of": example["today"].isoformat()}).json()
    assert body["measured_savings"] == "2100.00"
    assert body["estimated_savings"] == "750.00"
    assert body["investment"] == "500.00"
    assert body["roi_percent"] == "470.00"
    assert body["roi_percent_measured"] == "320.00"
    assert body["cost_incurred"] == "4200.00"
    assert body["gaps_closed"] == 1
    assert body["gaps_prevented"] == 1
    assert body["currency"] == "EUR"
    default = api.get(SUMMARY).json()
    assert default == body


def test_worked_example_gap_savings(api, example):
    t = example["today"].isoformat()
    a = api.get(f"/api/v1/gaps/{example['a'].pk}/savings/", {"as_of": t}).json()
    b = api.get(f"/api/v1/gaps/{example['b'].pk}/savings/", {"as_of": t}).json()
    assert a["kind"] == "measured"
    assert a["amount"] == "2100.00"
    assert a["inputs"]["baseline_occurrences"] == 90
    assert a["inputs"]["post_occurrences"] == 10
    assert a["inputs"]["unit_cost"] == "42.00"
    assert b["kind"] == "estimated"
    assert b["amount"] == "750.00"
    assert b["inputs"]["days_since_prevented"] == "45"
    assert b["inputs"]["unit_cost"] == "25.00"


def test_program_cost_is_paid_per_cost_model_version(api, db):
    # 100 a month for 60 days, then 200 a month for the last 30: 200 + 200 = 400. Applying
    # today's 200 to all three months (600) would make the investment jump by 400 in a day.
    today = selectors.today()
    CostModel.objects.create(
        effective_from=today - timedelta(days=90), program_cost_per_month=Decimal("100")
    )
    CostModel.objects.create(
        effective_from=today - timedelta(days=30), program_cost_per_month=Decimal("200")
    )
    body = api.get(SUMMARY, {"as_of": today.isoformat()}).json()
    assert body["investment"] == "400.00"
    assert body["roi_percent"] == body["roi_percent_measured"] == "-100.00"
    day_before = api.get(SUMMARY, {"as_of": (today - timedelta(days=1)).isoformat()}).json()
    assert day_before["investment"] == "393.33"
    before_change = (today - timedelta(days=30)).isoformat()
    assert api.get(SUMMARY, {"as_of": before_change}).json()["investment"] == "200.00"
    assert api.get(SUMMARY, {"as_of": "2000-01-01"}).json()["investment"] == "0.00"


def test_closed_exactly_at_t_and_prevented_beyond_the_horizon_without_a_cost_model(api, cx_user):
    today = selectors.today()
    t0 = calc.day_start(today)
    role = RoleFactory()
    common = {
        "actor": cx_user,
        "expectation": "e",
        "delivery": "d",
        "category": Gap.Category.POLICY,
        "causing_role": role,
        "severity": 3,
        "cost_to_serve": Decimal("10.00"),
    }
    at_t = gap_create(
        title="closed at T",
        status=Gap.Status.CLOSED,
        closed_at=t0,
        root_cause="fixed",
        detected_on=today - timedelta(days=10),
        remedy_cost=Decimal("100.00"),
        **common,
    )
    for day in range(1, 6):
        OccurrenceFactory(gap=at_t, occurred_at=t0 - timedelta(days=day))
    long_ago = gap_create(
        title="prevented 400 days ago",
        status=Gap.Status.PREVENTED,
        prevented_on=today - timedelta(days=400),
        detected_on=today - timedelta(days=400),
        expected_monthly_occurrences=Decimal("3"),
        remedy_cost=Decimal("7.00"),
        **common,
    )
    body = api.get(SUMMARY).json()
    # No cost model: defaults (EUR, zero costs, 365-day horizon); closed at 00:00 of T is not
    # closed "before T": no savings, no count, its remedy cost not yet invested.
    assert figures_only(body) == {
        "currency": "EUR",
        "measured_savings": "0.00",
        "estimated_savings": "365.00",
        "investment": "7.00",
        "roi_percent": "5114.29",
        "roi_percent_measured": "-100.00",
        "cost_incurred": "50.00",
        "gaps_closed": 0,
        "gaps_prevented": 1,
    }
    closed = api.get(f"/api/v1/gaps/{at_t.pk}/savings/").json()
    assert closed["kind"] == "measured"
    assert closed["amount"] == "0.00"
    assert closed["inputs"]["months_after"] == "0"
    assert closed["inputs"]["post_rate"] is None
    prevented = api.get(f"/api/v1/gaps/{long_ago.pk}/savings/").json()
    assert prevented["amount"] == "365.00"
    assert prevented["inputs"]["days_since_prevented"] == "400"
    assert prevented["inputs"]["horizon_days"] == 365
    # Tomorrow is not rolled up yet (the rollup covers days up to yesterday): the figures stop
    # at the last covered day, and rolled_through says so (docs/roi.md).
    tomorrow = api.get(SUMMARY, {"as_of": (today + timedelta(days=1)).isoformat()}).json()
    assert tomorrow == body
    assert tomorrow["rolled_through"] == (today - timedelta(days=1)).isoformat()
    assert tomorrow["gaps_closed"] == 0
