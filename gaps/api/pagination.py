"""Pagination of the API's lists: page numbers for most, a cursor for the occurrence table."""

import functools

from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination, PageNumberPagination

from gaps.pagination import DeferredJoinPaginator, cached_count, table_version


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500 a page); the body carries ``count``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class DeferredJoinPagination(StandardPagination):
    """The standard page shape (``count``, ``next``, ``previous``, ``results``) for large tables.

    The count is cached per exact query under the table's version (``gaps.pagination``); a
    page is fetched as a deferred join, so page 500 costs about what page 1 does.
    """

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        # The page's rows are loaded through the view's unfiltered queryset (its joins and
        # prefetches), by id: the filters run once, in the ids query.
        self.rows = view.get_queryset() if view is not None else queryset
        return super().paginate_queryset(queryset, request, view)

    # Whether a page's ids are cached as the count is (lists whose order is costly: ranking).
    cache_page_ids = False

    def django_paginator_class(self, queryset: QuerySet, per_page: int) -> DeferredJoinPaginator:
        version = functools.cache(lambda: self.version(queryset))  # read once per request
        return DeferredJoinPaginator(
            queryset,
            per_page,
            rows=self.rows,
            count_rows=lambda: cached_count(queryset, version=version()),
            ids_version=version if self.cache_page_ids else None,
        )

    def version(self, queryset: QuerySet) -> str:
        """What the count depends on: the listed table (lists scoped by another, extend)."""
        return table_version(queryset.model)


class OccurrenceCursorPagination(CursorPagination):
    """Newest first, by cursor: no ``COUNT(*)`` over the high-volume table; stable as it grows."""

    ordering = ("-occurred_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
