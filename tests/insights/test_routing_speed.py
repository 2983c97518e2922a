"""Routing's shortcuts (shared readings, relevance per team and strength, a cache per re-route,
COPY staging) write exactly what tailoring and relevance computed afresh for each role write."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from insights import routing, services
from insights.models import FeedItem, Insight
from insights.tailoring import TailoringCache, TailoringContext, _reading
from tests.factories import GapFactory, RoleFactory

pytestmark = pytest.mark.django_db

EVERY_LEVEL = ["executive", "director", "manager", "individual_contributor", "partner"]


@pytest.fixture
def wide_org(org, cx_user, billing_gap):
    """Every role of both teams reached; a second Logistics manager shares its team's reading."""
    RoleFactory(name="Second Warehouse Manager", team=org.logistics, level="manager")
    RoleFactory(name="Logistics Director", team=org.logistics, level="director")
    services.routing_rule_create(actor=cx_user, name="Everyone hears it", target_levels=EVERY_LEVEL)
    services.routing_rule_create(
        actor=cx_user,
        name="Invoices to Billing",
        themes=[org.invoice_clarity],
        team=org.billing,
        target_levels=["manager", "executive"],
    )
    return org


def publish_many(org, make_insight, publish, count: int) -> None:
    """Insights on both themes, linked to Billing's gap and, every other one, a Logistics gap
    (so some teams cause a linked gap and others none)."""
    for n in range(count):
        gaps = [GapFactory(causing_role=org.billing_manager, severity=1 + n % 5)]
        if n % 2:
            gaps.append(GapFactory(causing_role=org.logistics_manager, themes=[org.delivery_time]))
        publish(
            make_insight(
                title=f"Insight {n}",
                themes=[org.invoice_clarity] if n % 3 else [org.delivery_time],
                related_gaps=gaps,
            )
        )


def test_every_item_reads_what_a_fresh_tailoring_writes(
    wide_org, make_insight, publish, monkeypatch
):
    publish_many(wide_org, make_insight, publish, 5)
    FeedItem.objects.all().delete()
    monkeypatch.setattr(services, "ROUTE_BATCH_SIZE", 2)  # Three batches share one cache.
    assert services.insights_route_published() == 5

    rules, roles = routing.active_rule_specs(), routing.all_roles()
    items = {(i.insight_id, i.role_id): i for i in FeedItem.objects.all()}
    expected_keys = set()
    shared = own = 0
    for insight in Insight.objects.filter(status="published"):
        context = TailoringContext.load(insight)
        for role_id, target in routing.insight_targets(insight, context.gaps, rules, roles).items():
            expected_keys.add((insight.pk, role_id))
            role, item = target.role, items[(insight.pk, role_id)]
            # Written afresh: no reading, text or score shared with another role.
            fresh = TailoringContext.load(insight)
            write = _reading(role.level)[1]
            assert item.tailored_summary == write(fresh, role.level, role.team).as_text()
            assert item.relevance == routing._relevance(TailoringContext.load(insight), target)
            assert item.reason == target.reason
            if role.level in ("executive", "director"):
                own += "your teams'" in item.tailored_summary
                shared += "the linked" in item.tailored_summary
    assert set(items) == expected_keys
    # Both a team's own money reading and the one shared by teams causing no linked gap.
    assert own
    assert shared


def test_a_batch_runs_the_same_queries_for_2_and_6_insights(wide_org, make_insight, publish):
    publish_many(wide_org, make_insight, publish, 6)
    ids = list(Insight.objects.order_by("pk").values_list("pk", flat=True))

    def batch_queries(batch: list[int]) -> int:
        with CaptureQueriesContext(connection) as queries:
            services.insights_route(insight_ids=batch)
        return len(queries.captured_queries)

    few = batch_queries(ids[:2])
    assert batch_queries(ids) == few
    assert few <= 20


def test_later_batches_of_a_reroute_read_no_theme_twice(wide_org, make_insight, publish):
    """The cache of a re-route: a batch on themes already read skips the open-gap queries."""
    publish_many(wide_org, make_insight, publish, 6)
    insights = list(Insight.objects.order_by("pk").prefetch_related("themes"))
    cache = TailoringCache(insights[0].published_at.date())
    with CaptureQueriesContext(connection) as first:
        TailoringContext.load_many(insights[:3], cache=cache)
    with CaptureQueriesContext(connection) as later:
        contexts = TailoringContext.load_many(insights[3:], cache=cache)
    # Links, gaps, occurrence counts, unit costs' cost model; not the currency, the ranked
    # open gaps or their rows.
    assert len(first.captured_queries) - len(later.captured_queries) == 3
    assert all(c.top_open_gaps is cache.top_open_gaps for c in contexts.values())


def test_routing_twice_in_one_transaction_stages_each_batch_once(wide_org, make_insight, publish):
    publish_many(wide_org, make_insight, publish, 3)
    ids = list(Insight.objects.values_list("pk", flat=True))
    services.insights_route(insight_ids=ids)  # Gaps made after the first publish now count.
    before = set(FeedItem.objects.values_list("insight_id", "role_id", "tailored_summary"))
    with transaction.atomic():
        services.insights_route(insight_ids=ids)
        services.insights_route(insight_ids=ids)
    assert set(FeedItem.objects.values_list("insight_id", "role_id", "tailored_summary")) == before
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {services.FEED_STAGE_TABLE}")  # noqa: S608
            assert cursor.fetchone()[0] == 0
