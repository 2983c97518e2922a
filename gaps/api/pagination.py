"""Pagination of the API's lists: page numbers for most, a keyset cursor for the large,
growing ones (occurrences, a gap's history, feed items, rollups).

Both refuse what the schema does not admit: ``page`` and ``page_size`` are whole numbers in
their bounds (``page_size=-40575180.3`` was taken as "the default" and answered 200); out of
bounds is a 400 naming the parameter. A page past the last, or a cursor that cannot be read,
is a 404, as DRF answers it.
"""

import base64
import binascii
import functools
import json
import operator
from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from gaps.pagination import DeferredJoinPaginator, cached_count, table_version


def bounded_whole_number(request: Request, name: str, *, maximum: int | None) -> int | None:
    """The query parameter ``name`` as a whole number from 1 to ``maximum``; None if absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= (maximum or int(raw)):
        message = (
            gettext("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
            if maximum
            else gettext("Give a whole number from 1 or more.")
        )
        raise ValidationError({name: [message]})
    return int(raw)


class BoundedPageSizeMixin:
    """``page_size`` validated (a 400 beyond its bounds) and documented with them."""

    page_size_query_param: str | None = "page_size"
    # The pagination class this is mixed into sets both.
    page_size: int | None
    max_page_size: int | None

    def get_page_size(self, request: Request) -> int | None:
        given = bounded_whole_number(
            request, self.page_size_query_param or "page_size", maximum=self.max_page_size
        )
        return self.page_size if given is None else given

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        # A mixin: the pagination class after it in the MRO defines the method.
        parameters = super().get_schema_operation_parameters(view)  # type: ignore[misc]
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


class StandardPagination(BoundedPageSizeMixin, PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500 a page); the body carries ``count``."""

    page_size = 50
    max_page_size = 500

    def get_page_number(self, request: Request, paginator) -> int:
        return bounded_whole_number(request, self.page_query_param, maximum=None) or 1

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "default": 1}
        return parameters


class DeferredJoinPagination(StandardPagination):
    """The standard page shape (``count``, ``next``, ``previous``, ``results``) for large tables.

    The count is cached per exact query under the table's version (``gaps.pagination``); a
    page is fetched as a deferred join, so page 500 costs about what page 1 does.
    """

    def paginate_queryset(self, queryset: QuerySet, request, view=None):  # type: ignore[override]
        # Pages querysets only (DRF's pages lists too). The page's rows are loaded through
        # the view's unfiltered queryset (its joins and
        # prefetches), by id: the filters run once, in the ids query.
        self.rows = view.get_queryset() if view is not None else queryset
        return super().paginate_queryset(queryset, request, view)

    # Whether a page's ids are cached as the count is (lists whose order is costly: ranking).
    cache_page_ids = False

    # A method standing in for DRF's paginator class attribute: DRF calls it the same way.
    def django_paginator_class(  # type: ignore[override]
        self, queryset: QuerySet, per_page: int
    ) -> DeferredJoinPaginator:
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


def _plain(value: Any) -> Any:
    """A key value as JSON: the database's lookups take the ISO and decimal strings back."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


def _value(row: Model, path: str) -> Any:
    """``insight__published_at`` read off a row whose relations were selected with it."""
    for name in path.split("__"):
        row = getattr(row, name)
    return row


def _after(ordering: list[str], key: list[Any]) -> Q:
    """Rows strictly after ``key`` in ``ordering`` (a row-value comparison, spelled out so that
    each column may run in its own direction)."""
    clauses: list[Q] = []
    equal: dict[str, Any] = {}
    for field, value in zip(ordering, key, strict=True):
        name = field.lstrip("-")
        clauses.append(Q(**equal, **{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value}))
        equal[name] = value
    return reduce(operator.or_, clauses)


def _flip(ordering: list[str]) -> list[str]:
    return [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]


class KeysetCursorPagination(BoundedPageSizeMixin, CursorPagination):
    """``next``/``previous`` cursors that hold the whole sort key of a page's edge row.

    DRF's cursor keeps the first ordering column and an offset among rows that share it: rows
    inserted with an equal value (many rollup rows share a date, feed items a relevance) shift
    the offset and a client walking the pages sees rows twice or never. Here ``ordering`` ends
    in columns that make it unique, and a cursor is the edge row's values of all of them, so
    the next page starts exactly after that row however many rows arrive meanwhile. A
    ``?ordering=`` the view allows (``OrderingFilter``) is followed, then the unique columns.
    Every ordering column must be non-null. No ``COUNT(*)``: one query per page.
    """

    ordering: tuple[str, ...] = ("-id",)
    page_size = 100
    max_page_size = 1000
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(  # type: ignore[override]  # pages querysets only, not lists
        self, queryset: QuerySet, request: Request, view=None
    ):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request) or KeysetCursorPagination.page_size
        self.key_ordering = self.get_ordering(request, queryset, view)
        reverse, key = self.decode_cursor(request)
        ordering = _flip(self.key_ordering) if reverse else self.key_ordering
        rows = queryset.order_by(*ordering)
        if key is not None:
            rows = rows.filter(_after(ordering, key))
        page = list(rows[: self.page_size + 1])
        more = len(page) > self.page_size
        page = page[: self.page_size]
        if reverse:
            page.reverse()
        self.page = page
        self.has_next = more if not reverse else key is not None
        self.has_previous = more if reverse else key is not None
        return page

    # A list, not DRF's tuple: this class replaces CursorPagination's paging, keys included.
    def get_ordering(  # type: ignore[override]
        self, request: Request, queryset: QuerySet, view
    ) -> list[str]:
        unique = list(self.ordering)
        backends = getattr(view, "filter_backends", None) or []
        chosen: list[str] = []
        if any(issubclass(backend, OrderingFilter) for backend in backends):
            param = OrderingFilter.ordering_param
            if request.query_params.get(param):
                chosen = list(OrderingFilter().get_ordering(request, queryset, view) or [])
        names = {field.lstrip("-") for field in chosen}
        return [*chosen, *(field for field in unique if field.lstrip("-") not in names)]

    def _key(self, row: Model) -> list[Any]:
        return [_plain(_value(row, field.lstrip("-"))) for field in self.key_ordering]

    # (reverse, key) rather than DRF's Cursor: the cursor here holds the row's sort key.
    def decode_cursor(  # type: ignore[override]
        self, request: Request
    ) -> tuple[bool, list[Any] | None]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return False, None
        try:
            cursor = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            reverse, key = bool(cursor["r"]), cursor["k"]
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if not isinstance(key, list) or len(key) != len(self.key_ordering):
            raise NotFound(self.invalid_cursor_message)
        return reverse, key

    def _link(self, *, reverse: bool, row: Model) -> str:
        cursor = json.dumps({"r": int(reverse), "k": self._key(row)}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(cursor.encode()).decode("ascii")
        return replace_query_param(self.base_url or "", self.cursor_query_param, encoded)

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._link(reverse=False, row=self.page[-1])

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url or "", self.cursor_query_param)
        return self._link(reverse=True, row=self.page[0])


class OccurrenceCursorPagination(KeysetCursorPagination):
    """Newest first: no ``COUNT(*)`` over the high-volume table; stable as it grows."""

    ordering = ("-occurred_at", "-id")


class GapHistoryPagination(KeysetCursorPagination):
    """A gap's history, oldest first: new events join the end, never shift a page."""

    ordering = ("at", "id")
    page_size = 50
    max_page_size = 500
