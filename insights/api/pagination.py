"""Pagination of the insight list (page numbers, cheap at any depth) and of feeds (cursor)."""

from django.db.models import QuerySet

from gaps.api.pagination import DeferredJoinPagination, KeysetCursorPagination

from .. import selectors


class InsightsPagination(DeferredJoinPagination):
    """Counts and page ids cached under the insight and feed tables' version
    (``insights_version``): a ranked search sorts every match by rank to find a page."""

    cache_page_ids = True

    def version(self, queryset: QuerySet) -> str:
        return selectors.insights_version()


class FeedCursorPagination(KeysetCursorPagination):
    """A feed grows with every routed insight: by cursor, best first (the selector's order)."""

    ordering = ("-relevance", "-insight__published_at", "-id")
    page_size = 50
    max_page_size = 500
