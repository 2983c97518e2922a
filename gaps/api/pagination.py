"""Pagination of the API's lists: page numbers for most, a cursor for the occurrence table."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500 a page); the body carries ``count``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class OccurrenceCursorPagination(CursorPagination):
    """Newest first, by cursor: no ``COUNT(*)`` over the high-volume table; stable as it grows."""

    ordering = ("-occurred_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
