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
def rolled(history, pinned_today) -> dict:
    """The history rolled up to yesterday (``TODAY`` pinned): the ROI pages' figures."""
    from roi import services

    services.rollup_nightly(today=TODAY)
    return history


@pytest.fixture
def exec_client(client, exec_user):
    """An executive signed in to the pages."""
    client.force_login(exec_user)
    return client


@pytest.fixture
def api(exec_user) -> APIClient:
    """An executive's API client (session authentication)."""
    client = APIClient()
    client.force_authenticate(exec_user)
    return client


@pytest.fixture
def pinned_today(monkeypatch):
    """Today is ``TODAY`` for the reads (``roi.selectors.today``): a history rolled up to
    ``TODAY - 1`` is then up to date, and a read does not roll it up to the real yesterday."""
    from roi import selectors

    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    return TODAY


FRESHNESS_FIELDS = ("rolled_through", "computed_at", "stale")


def figures_only(body: dict) -> dict:
    """A summary body without the freshness extension, to compare with DESIGN.md's shape."""
    return {name: value for name, value in body.items() if name not in FRESHNESS_FIELDS}


class BrokerMode:
    """Celery with a real broker (the shared Redis) on a throwaway queue no worker reads."""

    def __init__(self, redis_url: str, queue: str) -> None:
        import redis

        self.queue = queue
        self.redis = redis.Redis.from_url(redis_url)

    def queued(self) -> int:
        """Messages waiting on the throwaway queue: refreshes this test queued."""
        return self.redis.llen(self.queue)


@pytest.fixture
def broker_mode(redis_url):
    """Eager mode off, tasks to a throwaway queue on the real Redis; cleaned up after."""
    import uuid

    from django.core.cache import cache

    from cxalign.celery import app
    from roi.freshness import REFRESH_LOCK

    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    mode = BrokerMode(redis_url, f"cxalign-test-void-{uuid.uuid4().hex[:8]}")
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    app.conf["CELERY_TASK_DEFAULT_QUEUE"] = mode.queue
    cache.delete(REFRESH_LOCK)
    yield mode
    app.conf["CELERY_TASK_ALWAYS_EAGER"], app.conf["CELERY_TASK_DEFAULT_QUEUE"] = saved
    mode.redis.delete(mode.queue)
    cache.delete(REFRESH_LOCK)
