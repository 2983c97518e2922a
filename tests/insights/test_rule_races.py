"""A rule deleted while a re-route runs is never referenced by the items it writes."""

import pytest

from insights import routing, services
from insights.models import FeedItem, RoutingRule

pytestmark = pytest.mark.django_db


def test_reroute_with_rules_read_before_a_rule_was_deleted(org, make_insight, publish, cx_user):
    rule = services.routing_rule_create(
        actor=cx_user,
        name="Invoices to billing",
        themes=[org.invoice_clarity],
        target_roles=[org.billing_manager],
    )
    insight = publish(make_insight(themes=[org.invoice_clarity]))
    # A re-route read the rules, then the rule went before it wrote the items.
    rules, roles = routing.active_rule_specs(), routing.all_roles()
    RoutingRule.objects.filter(pk=rule.pk).delete()
    services.insight_route(insight=insight, rules=rules, roles=roles)
    item = FeedItem.objects.get(insight=insight, role=org.billing_manager)
    assert item.rule_id is None


def test_deleting_a_rule_someone_else_deleted_is_harmless(org, cx_user):
    rule = services.routing_rule_create(
        actor=cx_user, name="Gone", target_roles=[org.billing_manager]
    )
    RoutingRule.objects.filter(pk=rule.pk).delete()
    services.routing_rule_delete(rule=rule, actor=cx_user)
    assert not RoutingRule.objects.exists()
