"""Feeds at scale (issue 13): the same queries at two sizes, counts reused, pages in order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.models import FeedItem

pytestmark = pytest.mark.django_db


def _sql(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("where", ["page", "api"])
def test_feed_lists_run_the_same_queries_at_two_sizes(
    client, owner_user, org, fill_feed, where, django_assert_num_queries
):
    role = org.billing_manager
    url = (
        reverse("insights:feed", args=[role.pk])
        if where == "page"
        else f"/api/v1/feed-items/?role={role.pk}&page_size=10"
    )
    client.force_login(owner_user)
    fill_feed(3)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    fill_feed(30)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    if where == "page":
        assert len(response.context["page"].object_list) == 25
        assert response.context["page"].paginator.count == 33
    else:
        # The API pages feeds by cursor: no count at all, one query for the page's rows.
        assert len(response.json()["results"]) == 10
        assert response.json()["next"]
        assert not any("COUNT(" in sql for sql in _sql(small))
        return
    # Asked again: nothing is counted, every count is reused until a feed item is written.
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    assert not any("COUNT(" in sql for sql in _sql(again))
    assert len(again.captured_queries) < len(small.captured_queries)
    FeedItem.objects.filter(role=role).first().save()
    with CaptureQueriesContext(connection) as written:
        client.get(url)
    assert any("COUNT(" in sql for sql in _sql(written))


def test_feed_pages_follow_relevance_then_newest_without_gaps_or_repeats(
    client, owner_user, org, fill_feed
):
    role = org.billing_manager
    fill_feed(30)
    items = list(FeedItem.objects.filter(role=role))
    for n, item in enumerate(items):
        item.relevance = n % 4  # ties, broken by the newest insight, then the item
        item.save()
    expected = [
        item.pk
        for item in FeedItem.objects.filter(role=role).order_by(
            "-relevance", "-insight__published_at", "-id"
        )
    ]
    client.force_login(owner_user)
    url = reverse("insights:feed", args=[role.pk])
    seen = [item.pk for item in client.get(url).context["page"].object_list]
    seen += [item.pk for item in client.get(url, {"page": 2}).context["page"].object_list]
    assert seen == expected


def test_a_feed_page_asks_for_its_role_alone(client, owner_user, org, fill_feed):
    """``role_id = n``, not ``role_id IN (owned) AND role_id = n``: see feed_items_for_user."""
    fill_feed(2)
    client.force_login(owner_user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("insights:feed", args=[org.billing_manager.pk]))
    [ids] = [sql for sql in _sql(queries) if 'AS "pk" FROM "insights_feeditem"' in sql]
    assert f'"insights_feeditem"."role_id" = {org.billing_manager.pk}' in ids
    assert '"insights_feeditem"."role_id" IN' not in ids
