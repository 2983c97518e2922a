"""Page-numbered lists that stay cheap at any size and any depth (issue 13).

Two costs grow with a table when a list is paged the textbook way, and both are removed here:

* ``COUNT(*)`` of every matching row on every request. ``cached_count`` keeps the count of one
  exact query (its SQL and parameters: filters, scope, the day for date-relative filters) for
  ``LIST_COUNT_TTL`` seconds, under a *version* read from the table itself (see
  ``table_version``). Any write that saves a row moves the version, so the next request counts
  again; writes that bypass ``save()`` (``QuerySet.update`` of a flag) are seen within the TTL.
* ``OFFSET`` walked through the joins of the row query. ``DeferredJoinPaginator`` first reads
  the page's ids alone (``SELECT id … ORDER BY … LIMIT n OFFSET m``: rows skipped over a
  narrow index, an index-only scan of e.g. ``gap_status_detected_id``), then loads those rows
  by primary key with their teams, roles and touchpoints. Two queries at any depth.
  (One statement, ``WHERE id IN (subquery) AND <filters>``, was tried: PostgreSQL then
  evaluated the filters, a theme semi-join among them, over every matching row a second
  time: 91 ms instead of 9 at 50,000 gaps. See docs/lists.md.)

The page shape stays what clients rely on: ``count``, page numbers, ``next``/``previous``.
Works on SQLite as well (the embedded default): the same SQL, merely without the indexes'
benefit at scale.
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from typing import TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, QuerySet

# How long a list's count may be reused when nothing moved the table's version. Short: it only
# bounds how long a write that bypasses save() (a bulk flag update) can leave a stale count.
LIST_COUNT_TTL = 60

T = TypeVar("T")


def _column(model: type[Model], field: object) -> str:
    """The database column of one of ``model``'s concrete fields."""
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{model.__name__}: {field!r} has no column of its own.")
    return column


# The versions already read in this request (``versions_read_once``), else None.
_versions_read: ContextVar[dict[tuple[str, ...], str] | None] = ContextVar(
    "cxalign_table_versions", default=None
)


@contextmanager
def versions_read_once() -> Iterator[None]:
    """Within the block, each ``table_version`` is read from the database once.

    A page asks for the same version several times (a feed: its roles' counts, its page, the
    navigation badge). ``cxalign.middleware.TableVersionsOncePerRequestMiddleware`` wraps
    reading requests in this; a request that writes reads the versions afresh each time, so
    that nothing it writes is counted under a version read before the write.
    """
    token = _versions_read.set({})
    try:
        yield
    finally:
        _versions_read.reset(token)


def table_version(*models: type[Model]) -> str:
    """A version of the models' rows that every saved write moves: newest id and change stamp.

    One query of two index lookups per table (``max(id)`` over the primary key,
    ``max(updated_at)`` over its index): an insert raises the id, a ``save()`` (or
    ``bulk_create``) raises ``updated_at`` (``auto_now``). Read before the count, so that a
    count is never stored under a newer version than the rows it counted. Inside
    ``versions_read_once``, read once per block.
    """
    read = _versions_read.get()
    key = (connection.alias, *(model._meta.label for model in models))
    if read is not None and key in read:
        return read[key]
    version = _table_version(models)
    if read is not None:
        read[key] = version
    return version


def _table_version(models: tuple[type[Model], ...]) -> str:
    quote = connection.ops.quote_name
    newest = [
        (quote(model._meta.db_table), quote(column))
        for model in models
        for column in (
            _column(model, model._meta.pk),
            _column(model, model._meta.get_field("updated_at")),
        )
    ]
    # Only quoted table and column names of our models: no input reaches this SQL.
    sql = "SELECT " + ", ".join(f"(SELECT max({c}) FROM {t})" for t, c in newest)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return ":".join(str(value) for value in cursor.fetchone())


def cached_read(
    queryset: QuerySet, compute: Callable[[], T], *, version: str, ttl: int = LIST_COUNT_TTL
) -> T:
    """``compute()``, reused for ``ttl`` seconds while ``version`` and ``queryset`` stay the same.

    The key is a hash of the queryset's own SQL and parameters, so every filter combination,
    scope (e.g. the caller's owned roles) and date-relative filter has its own entry; the
    database name keeps test databases (and installations sharing a Redis) apart.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. .none() or an empty IN: Django answers without SQL
        return compute()
    database = connections[queryset.db or DEFAULT_DB_ALIAS].settings_dict["NAME"]
    digest = hashlib.sha256(repr((str(database), version, sql, params)).encode()).hexdigest()
    key = f"cxalign:list:{queryset.model._meta.label_lower}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value


def cached_count(queryset: QuerySet, *, version: str, ttl: int = LIST_COUNT_TTL) -> int:
    """``queryset.count()``, reused while ``version`` stays the same (see ``cached_read``)."""
    unordered = queryset.order_by()
    return cached_read(unordered, unordered.count, version=version, ttl=ttl)


class DeferredJoinPaginator(Paginator):
    """A ``Paginator`` whose count comes from ``count_rows`` and whose pages are deferred joins.

    ``object_list`` is the filtered, ordered list; only the page's ids are read from it (a
    narrow, index-only query). ``rows`` is the unfiltered queryset that loads rows with what
    the page shows (``select_related``, prefetches, annotations): it fetches those ids by
    primary key, so the filters are never evaluated twice and the joins touch one page of
    rows. ``count_rows`` is called at most once (e.g. ``cached_count``). The ordering gets the
    primary key as a last tie-breaker so that a page never repeats or skips a row.
    """

    def __init__(
        self,
        object_list: QuerySet,
        per_page,
        *,
        rows: QuerySet,
        count_rows: Callable[[], int],
        ids_version: Callable[[], str] | None = None,
        **kw,
    ):
        super().__init__(with_unique_order(object_list), per_page, **kw)
        self._rows = rows
        self._count_rows = count_rows
        self._ids_version = ids_version

    @cached_property
    def count(self) -> int:
        return self._count_rows()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        version = self._ids_version() if self._ids_version is not None else None
        rows = page_rows(self.object_list, self._rows, bottom, top, version=version)
        return self._get_page(rows, number, self)


def with_unique_order(queryset: QuerySet) -> QuerySet:
    """The queryset's ordering (or the model's), ending with the primary key."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    names = {str(term).lstrip("-") for term in ordering}
    if not names & {"pk", "id", queryset.model._meta.pk.attname}:
        last = str(ordering[-1]) if ordering else ""
        ordering.append("-pk" if last.startswith("-") else "pk")
    return queryset.order_by(*ordering)


def page_rows(
    queryset: QuerySet, rows: QuerySet, bottom: int, top: int, *, version: str | None = None
) -> list[Model]:
    """Rows ``bottom``..``top`` of the ordered ``queryset``, loaded through ``rows``.

    Two queries whatever the depth: the page's ids (``SELECT id … ORDER BY … LIMIT OFFSET``,
    which PostgreSQL answers from an index where one matches the filters and order), then
    those rows by primary key with their joins and prefetches, put back in the ids' order.
    With a ``version`` the ids are kept in the cache like a count (``cached_read``): for lists
    whose order is costly to compute (ranked search: every match ranked, then sorted), the
    same page asked again costs the rows' query only. The rows themselves are always read
    fresh.
    """
    if top <= bottom:
        return []
    page_ids = queryset.values_list("pk", flat=True)[bottom:top]
    if version is None:
        ids = list(page_ids)
    else:
        ids = cached_read(page_ids, lambda: list(page_ids), version=version)
    if not ids:
        return []
    by_id = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
    return [by_id[pk] for pk in ids if pk in by_id]
