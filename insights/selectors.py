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


def can_read_all_insights(user: User | AnonymousUser) -> bool:
    """The CX team, executives and integrations read every insight, drafts included."""
    return (
        permissions.is_cx_team(user)
        or permissions.is_executive(user)
        or permissions.is_integration(user)
    )


# Object rules read group membership (as gaps.permissions does), not model permissions: the
# groups' model permissions (migration 0002) are the coarse layer beneath, for the admin.


def can_read_insights(user: User | AnonymousUser) -> bool:
    """Whoever reads insights at all: the above, and role owners (their feeds' insights)."""
    return can_read_all_insights(user) or permissions.is_role_owner(user)


def can_write_insights(user: User | AnonymousUser) -> bool:
    """The CX team writes, publishes and archives; integrations push and publish too."""
    return permissions.is_cx_team(user) or permissions.is_integration(user)


def can_work_feeds(user: User | AnonymousUser) -> bool:
    """Who may change the state of items in the feeds they own: role owners (and the CX team).

    Executives read their roles' feeds but never write, as everywhere else (DESIGN.md).
    """
    return permissions.is_role_owner(user) or permissions.is_cx_team(user)


def can_view_rules(user: User | AnonymousUser) -> bool:
    return permissions.is_cx_team(user) or permissions.is_executive(user)


def can_manage_rules(user: User | AnonymousUser) -> bool:
    return permissions.is_cx_team(user)


def insights_for_user(user: User | AnonymousUser) -> QuerySet[Insight]:
    """Insights the user may read: all for the CX team, executives and integrations;
    role owners see the published insights in their roles' feeds; others none."""
    # The stored search vector is as large as the text: read it only in the search itself.
    insights = (
        Insight.objects.defer("search_vector")
        .select_related("created_by")
        .prefetch_related(
            "themes",
            Prefetch("related_gaps", queryset=Gap.objects.only("id", "title", "severity")),
        )
    )
    if can_read_all_insights(user):
        return insights
    role_ids = permissions.owned_role_ids(user)
    if not role_ids:
        return insights.none()
    return insights.filter(
        status=InsightStatus.PUBLISHED,
        pk__in=FeedItem.objects.filter(role_id__in=role_ids).values("insight_id"),
    )


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
    if not can_view_rules(user):
        return RoutingRule.objects.none()
    return RoutingRule.objects.select_related("team").prefetch_related(
        "themes", Prefetch("target_roles", queryset=Role.objects.select_related("team"))
    )


def feed_scope(user: User | AnonymousUser, *, role_id: int | None = None) -> QuerySet[FeedItem]:
    """The one scoping rule of feeds: the published items of the roles the user owns (anyone
    else's feed is out of reach). Lists, the unread badge and the daily digest all start here.

    ``role_id``: one of those feeds only. Said as ``role_id = n`` alone, not also
    ``IN (owned)``: PostgreSQL then estimates the feed's size from that role's statistics and
    walks ``feeditem_role_relevance`` in order, stopping after the page (docs/lists.md).
    """
    role_ids = permissions.owned_role_ids(user)
    if role_id is not None:
        role_ids = frozenset({role_id}) & role_ids
    scope = {"role_id": next(iter(role_ids))} if len(role_ids) == 1 else {"role_id__in": role_ids}
    return FeedItem.objects.filter(**scope, insight__status=InsightStatus.PUBLISHED)


def with_feed_item_display(items: QuerySet[FeedItem]) -> QuerySet[FeedItem]:
    """What a feed item shows (its role, insight, rule, themes and linked gaps), loaded with
    it: the feeds and the webhook messages render the same item."""
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
    )


def feed_items_for_user(
    user: User | AnonymousUser, *, role_id: int | None = None
) -> QuerySet[FeedItem]:
    """``feed_scope`` with what a feed shows of each item, best first."""
    return with_feed_item_display(feed_scope(user, role_id=role_id)).order_by(
        "-relevance", "-insight__published_at", "-id"
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
    unread = feed_scope(user).filter(state=FeedState.NEW)
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
