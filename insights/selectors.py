"""Every read of the insights app, scoped per user: what is outside a user's scope is 404."""

import functools

from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet

from gaps import permissions
from gaps.models import OPEN_STATUSES, Gap, Role
from gaps.pagination import DeferredJoinPaginator, cached_count, cached_read, table_version

from .models import FeedItem, FeedState, Insight, InsightStatus, RoutingRule
from .search import SEARCH_CONFIG


def insights_for_user(user: User | AnonymousUser) -> QuerySet[Insight]:
    """Insights the user may read: all for the CX team, executives and integrations;
    role owners see the published insights in their roles' feeds; others none."""
    # The stored search vector is as large as the text: read it only in the search itself.
    return with_insight_relations(Insight.objects.for_user(user))


def with_insight_relations(insights: QuerySet[Insight]) -> QuerySet[Insight]:
    """What a list or a page of an insight shows: its author, themes and related gaps."""
    # The stored search vector is as large as the text: read it only in the search itself.
    return (
        insights.defer("search_vector")
        .select_related("created_by")
        .prefetch_related(
            "themes",
            Prefetch("related_gaps", queryset=Gap.objects.only("id", "title", "severity")),
        )
    )


def api_representation(insights: QuerySet[Insight]) -> QuerySet[Insight]:
    """Insights as the API's list reads them: the columns it answers, no author, no
    prefetches. The API names themes and related gaps by id; a page reads those ids in one
    query per relation (``gaps.api.fields.read_page_values``) instead of building a theme and
    a gap object per link and cloning two querysets per row to hand them over."""
    return insights.defer("search_vector")


def insight_search(insights: QuerySet[Insight], query: str) -> QuerySet[Insight]:
    """Full-text search: PostgreSQL's ranked search where available, else word matching."""
    query = (query or "").strip()
    if not query:
        return insights
    if connection.vendor == "postgresql":
        return insight_search_postgres(insights, query)
    return insight_search_icontains(insights, query)


def insight_search_postgres(insights: QuerySet[Insight], query: str) -> QuerySet[Insight]:
    """Stemmed, ranked search over the stored, GIN-indexed ``search_vector`` (``@@``).

    The title weighs most, then the finding, then the evidence and recommendation, then the
    segment (``insights.search``). The query uses web-search syntax ("quoted phrases",
    -excluded words); best first. Nothing is computed per insight but the rank of the
    matches: the GIN index finds them, the stored vector ranks them.
    """
    from django.contrib.postgres.search import SearchQuery, SearchRank

    search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    return (
        insights.filter(search_vector=search)
        .annotate(search_rank=SearchRank(F("search_vector"), search))
        .order_by("-search_rank", "-id")
    )


def insight_search_icontains(insights: QuerySet[Insight], query: str) -> QuerySet[Insight]:
    """The embedded (SQLite) fallback: every word must appear somewhere, case-insensitive."""
    for word in query.split():
        insights = insights.filter(
            Q(title__icontains=word)
            | Q(finding__icontains=word)
            | Q(evidence__icontains=word)
            | Q(recommendation__icontains=word)
        )
    return insights


def insights_version() -> str:
    """What insight and feed lists depend on: both tables' versions (``gaps.pagination``).

    A role owner's insights are those in their roles' feeds, and a feed shows published
    insights only, so a count of either list moves with a write to either table.
    """
    return table_version(Insight, FeedItem)


def insights_page(items: QuerySet, per_page: int, number, *, rows: QuerySet) -> Page:
    """One page of an insight or feed list (``rows`` loads it by id), its count and its ids
    cached (a ranked search sorts every match to find a page)."""
    version = functools.cache(insights_version)  # read once per request
    paginator = DeferredJoinPaginator(
        items,
        per_page,
        rows=rows,
        count_rows=lambda: cached_count(items, version=version()),
        ids_version=version,
    )
    return paginator.get_page(number)


def rules_for_user(user: User | AnonymousUser) -> QuerySet[RoutingRule]:
    return with_rule_relations(RoutingRule.objects.for_user(user))


def with_rule_relations(rules: QuerySet[RoutingRule]) -> QuerySet[RoutingRule]:
    return rules.select_related("team").prefetch_related(
        "themes", Prefetch("target_roles", queryset=Role.objects.select_related("team"))
    )


def feed_items_for_user(
    user: User | AnonymousUser, *, role_id: int | None = None
) -> QuerySet[FeedItem]:
    """Items of the roles the user owns (``FeedItem.objects.for_user``), best first;
    ``role_id``: one of those feeds only."""
    return with_feed_relations(FeedItem.objects.for_user(user, role_id=role_id))


def with_feed_relations(items: QuerySet[FeedItem]) -> QuerySet[FeedItem]:
    """What a feed card shows (role, insight, rule, themes, related gaps), best first."""
    return (
        items.select_related("role__team", "insight", "rule")
        .defer("insight__search_vector")
        .prefetch_related(
            "insight__themes",
            Prefetch(
                "insight__related_gaps",
                queryset=Gap.objects.only("id", "title", "severity", "status"),
            ),
        )
        .order_by("-relevance", "-insight__published_at", "-id")
    )


def owned_roles_with_unread(user: User | AnonymousUser) -> list[Role]:
    """The user's roles with how many new items each feed holds and how many in all.

    One grouped query, cached per user's roles under ``insights_version``: a feed of a few
    thousand items is not counted again on every page until an item or insight is written.
    """
    roles = (
        Role.objects.filter(pk__in=permissions.owned_role_ids(user))
        .select_related("team")
        .annotate(
            unread=Count(
                "feed_items",
                filter=Q(
                    feed_items__state=FeedState.NEW,
                    feed_items__insight__status=InsightStatus.PUBLISHED,
                ),
            ),
            total=Count("feed_items"),
        )
    )
    return cached_read(roles, lambda: list(roles), version=insights_version())


def feed_unread_count(user: User | AnonymousUser) -> int:
    """New items across the user's feeds, for the navigation badge (cached, as above)."""
    unread = FeedItem.objects.for_user(user).filter(state=FeedState.NEW)
    return cached_count(unread, version=insights_version())


def open_gaps_of_teams(team_ids: set[int], limit: int = 10) -> list[Gap]:
    """The teams' most severe open gaps: a feed's context, shown once above its cards."""
    if not team_ids:
        return []
    return list(
        Gap.objects.filter(causing_team_id__in=team_ids, status__in=OPEN_STATUSES)
        .select_related("causing_role", "causing_team")
        .only("id", "title", "severity", "status", "causing_role__name", "causing_team__name")
        .order_by("-severity", "-detected_on", "-id")[:limit]
    )
