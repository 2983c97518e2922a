"""A full re-route is set-based: the same feeds as routing one by one, in a fixed query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insights import services
from insights.models import FeedItem, Insight
from notifications.models import Notification, NotificationKind
from tests.factories import GapFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed_org(org, cx_user, add_rules, fill_feed):
    """Rules, more roles in Billing (so managers share readings) and published insights."""
    RoleFactory(name="Second Billing Manager", team=org.billing, level="manager")
    add_rules(3)
    services.routing_rule_create(
        actor=cx_user,
        name="Delivery to Logistics",
        themes=[org.delivery_time],
        team=org.logistics,
        target_levels=["manager", "individual_contributor", "partner"],
    )
    return org


def feed_rows() -> set[tuple]:
    return set(
        FeedItem.objects.values_list(
            "insight_id", "role_id", "reason", "rule_id", "tailored_summary", "relevance", "state"
        )
    )


def reroute_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        services.insights_route_published()
    return len(queries.captured_queries)


def test_reroute_runs_the_same_queries_for_3_and_12_insights(routed_org, fill_feed):
    fill_feed(3)
    few = reroute_queries()
    fill_feed(9)
    assert Insight.objects.filter(status="published").count() == 12
    assert reroute_queries() == few


def test_batch_routing_writes_what_routing_one_by_one_writes(
    routed_org, fill_feed, make_insight, publish
):
    fill_feed(4)
    publish(
        make_insight(
            title="On delivery",
            themes=[routed_org.delivery_time],
            related_gaps=[GapFactory(causing_role=routed_org.logistics_manager)],
        )
    )
    one_by_one = feed_rows()
    FeedItem.objects.all().delete()
    assert services.insights_route_published() == 5
    assert feed_rows() == one_by_one
    # Again over full feeds: refreshed in place, never duplicated.
    assert services.insights_route_published() == 5
    assert feed_rows() == one_by_one


def test_an_unpublished_insight_in_a_batch_leaves_every_feed(routed_org, fill_feed, cx_user):
    fill_feed(2)
    first, second = Insight.objects.order_by("pk")
    Insight.objects.filter(pk=first.pk).update(status="draft")
    result = services.insights_route(insight_ids=[first.pk, second.pk])
    assert result.removed > 0
    assert not FeedItem.objects.filter(insight=first).exists()
    assert FeedItem.objects.filter(insight=second).exists()


def test_a_reroute_rewrites_only_the_items_that_changed(routed_org, fill_feed, cx_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's upsert (bulk_create) rewrites every item")
    fill_feed(2)
    services.insights_route_published()
    before = dict(FeedItem.objects.values_list("pk", "updated_at"))
    services.insights_route_published()
    assert dict(FeedItem.objects.values_list("pk", "updated_at")) == before
    services.routing_rule_create(
        actor=cx_user, name="Also the CFO", target_roles=[routed_org.billing_exec]
    )
    services.insights_route_published()
    after = dict(FeedItem.objects.values_list("pk", "updated_at"))
    changed = {pk for pk, at in after.items() if before.get(pk) != at}
    assert changed == set(
        FeedItem.objects.filter(role=routed_org.billing_exec).values_list("pk", flat=True)
    )


def test_owners_are_told_of_new_feed_items_once_in_a_fixed_number_of_queries(routed_org, fill_feed):
    fill_feed(3)
    told = Notification.objects.filter(kind=NotificationKind.FEED_ITEM)
    owned = FeedItem.objects.filter(role__owners__isnull=False)
    expected = set(owned.values_list("role__owners", "insight_id"))
    assert expected
    assert {(n.recipient_id, n.insight_id) for n in _with_insight(told)} == expected
    before = told.count()
    services.insights_route_published()  # nothing new in any feed: nobody told again
    assert told.count() == before


def _with_insight(notifications):
    """Which insight each notification is about, from the insight's title in it."""
    titles = dict(Insight.objects.values_list("title", "pk"))
    for notification in notifications:
        notification.insight_id = next(
            pk for title, pk in titles.items() if notification.title.endswith(f": {title}")
        )
        yield notification
