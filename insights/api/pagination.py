"""Pagination of the insight and feed lists: the standard page shape, cheap at any depth."""

from django.db.models import QuerySet

from gaps.api.pagination import DeferredJoinPagination

from .. import selectors


class InsightsPagination(DeferredJoinPagination):
    """Counts and page ids cached under the insight and feed tables' version
    (``insights_version``): a ranked search sorts every match by rank to find a page."""

    cache_page_ids = True

    def version(self, queryset: QuerySet) -> str:
        return selectors.insights_version()
