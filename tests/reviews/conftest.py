"""A small organisation for change reviews: Billing with its roles, past gaps with occurrences.

``owner_user`` owns Billing Operations; ``other_owner`` owns Logistics Dispatch.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gaps.models import Gap, Role, Team, Theme, Touchpoint
from reviews import similarity
from tests.factories import (
    GapFactory,
    OccurrenceFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
)


@pytest.fixture(autouse=True)
def _fresh_vector_index():
    """The in-process matrix is keyed by the tables' version; a rolled-back test leaves none."""
    similarity._indexes.clear()
    yield
    similarity._indexes.clear()


@dataclass
class ReviewOrg:
    billing: Team
    logistics: Team
    billing_ops: Role
    dispatch: Role
    invoice_clarity: Theme
    delivery_time: Theme
    phone: Touchpoint
    fee_gap: Gap
    late_gap: Gap


@pytest.fixture
def review_org(db, owner_user, other_owner) -> ReviewOrg:
    billing = TeamFactory(name="Billing")
    logistics = TeamFactory(name="Logistics")
    billing_ops = RoleFactory(name="Billing Operations", team=billing, level=Role.Level.MANAGER)
    dispatch = RoleFactory(name="Dispatch", team=logistics, level=Role.Level.MANAGER)
    billing_ops.owners.add(owner_user)
    dispatch.owners.add(other_owner)
    invoice_clarity = ThemeFactory(name="Invoice clarity")
    delivery_time = ThemeFactory(name="Delivery time")
    phone = TouchpointFactory(name="Support line", cost_per_contact=Decimal("8.00"))
    fee_gap = GapFactory(
        title="Surprise fee on the invoice",
        expectation="Every fee is shown before the order is placed.",
        delivery="A handling fee appears on the invoice that was never mentioned at checkout.",
        causing_role=billing_ops,
        touchpoint=phone,
        revenue_at_risk=Decimal("12.00"),
        themes=[invoice_clarity],
    )
    late_gap = GapFactory(
        title="Parcels arrive days late",
        expectation="The parcel arrives on the promised delivery date.",
        delivery="Orders sit in the warehouse until a batch is full and arrive a week late.",
        causing_role=dispatch,
        touchpoint=phone,
        revenue_at_risk=Decimal("5.00"),
        themes=[delivery_time],
    )
    now = timezone.now()
    # 45 occurrences of the fee gap in the last 90 days (15 a month), 7 older ones not counted.
    for n in range(45):
        OccurrenceFactory(gap=fee_gap, occurred_at=now - timedelta(days=1 + n * 2 - n // 23))
    for n in range(7):
        OccurrenceFactory(gap=fee_gap, occurred_at=now - timedelta(days=120 + n))
    for n in range(6):
        OccurrenceFactory(gap=late_gap, occurred_at=now - timedelta(days=3 + n))
    return ReviewOrg(
        billing=billing,
        logistics=logistics,
        billing_ops=billing_ops,
        dispatch=dispatch,
        invoice_clarity=invoice_clarity,
        delivery_time=delivery_time,
        phone=phone,
        fee_gap=fee_gap,
        late_gap=late_gap,
    )
