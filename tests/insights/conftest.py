"""An organisation to route insights through: Billing and Logistics, each with every level."""

from dataclasses import dataclass

import pytest

from gaps.models import Role, Team, Theme
from insights import services
from insights.models import Insight
from tests.factories import GapFactory, RoleFactory, TeamFactory, ThemeFactory


@dataclass
class Org:
    billing: Team
    logistics: Team
    billing_exec: Role
    billing_director: Role
    billing_manager: Role
    invoicing: Role
    logistics_manager: Role
    dispatcher: Role
    courier: Role
    invoice_clarity: Theme
    delivery_time: Theme


@pytest.fixture
def org(db, owner_user, other_owner) -> Org:
    """Roles at each level; ``owner_user`` owns the Billing manager and invoicing roles,
    ``other_owner`` the Logistics manager."""
    billing = TeamFactory(name="Billing")
    logistics = TeamFactory(name="Logistics")
    return Org(
        billing=billing,
        logistics=logistics,
        billing_exec=RoleFactory(name="CFO", team=billing, level=Role.Level.EXECUTIVE),
        billing_director=RoleFactory(
            name="Finance Director", team=billing, level=Role.Level.DIRECTOR
        ),
        billing_manager=RoleFactory(
            name="Billing Ops Manager",
            team=billing,
            level=Role.Level.MANAGER,
            owners=[owner_user],
        ),
        invoicing=RoleFactory(
            name="Invoicing Specialist",
            team=billing,
            level=Role.Level.INDIVIDUAL_CONTRIBUTOR,
            owners=[owner_user],
        ),
        logistics_manager=RoleFactory(
            name="Warehouse Manager",
            team=logistics,
            level=Role.Level.MANAGER,
            owners=[other_owner],
        ),
        dispatcher=RoleFactory(
            name="Dispatcher", team=logistics, level=Role.Level.INDIVIDUAL_CONTRIBUTOR
        ),
        courier=RoleFactory(name="Courier", team=logistics, level=Role.Level.PARTNER),
        invoice_clarity=ThemeFactory(name="Invoice clarity"),
        delivery_time=ThemeFactory(name="Delivery time"),
    )


@pytest.fixture
def make_insight(cx_user):
    """``make_insight(**fields)``: a draft through the service, themes and gaps included."""

    def _make(**fields) -> Insight:
        fields.setdefault("title", "Customers want one invoice a month")
        fields.setdefault("finding", "Small businesses reconcile one invoice, not three.")
        fields.setdefault("kind", Insight.Kind.EXPECTATION)
        return services.insight_create(actor=cx_user, **fields)

    return _make


@pytest.fixture
def publish(cx_user, django_capture_on_commit_callbacks):
    """Publish and run the routing task (eagerly, on commit) as the request would."""

    def _publish(insight: Insight) -> Insight:
        with django_capture_on_commit_callbacks(execute=True):
            services.insight_publish(insight=insight, actor=cx_user)
        insight.refresh_from_db()
        return insight

    return _publish


@pytest.fixture
def billing_gap(org):
    return GapFactory(
        title="Three partial invoices a month",
        causing_role=org.billing_manager,
        category="process",
        severity=4,
        themes=[org.invoice_clarity],
    )


@pytest.fixture
def fill_feed(org, billing_gap, make_insight, publish):
    """``fill_feed(n)``: n published insights in the Billing Ops Manager's feed, each with
    three themes and two gaps, so that a query per row would show in the counts."""
    themes = [ThemeFactory(name=f"Theme {n}") for n in range(3)]
    made = [0]

    def _fill(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            gaps = [billing_gap, GapFactory(causing_role=org.billing_manager)]
            publish(make_insight(title=f"Insight {made[0]}", themes=themes, related_gaps=gaps))

    return _fill


@pytest.fixture
def add_rules(org, cx_user):
    """``add_rules(n)``: n rules, each with two themes, two target roles and a level in Billing,
    so that a query per rule would show in the counts."""
    made = [0]

    def _add(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            services.routing_rule_create(
                actor=cx_user,
                name=f"Rule {made[0]}",
                themes=[org.invoice_clarity, org.delivery_time],
                target_roles=[org.invoicing, org.dispatcher],
                team=org.billing,
                target_levels=["manager"],
            )

    return _add
