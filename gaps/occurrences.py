"""Recording occurrences (one or a bulk batch) and the recurring flag of closed gaps.

The occurrence table is the high-volume one, so a batch costs a fixed number of SQL statements
whatever its size: one multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` and, for the
closed gaps that received new rows, one grouped count, one flagging ``UPDATE … RETURNING`` and
one insert of history lines. Re-sending an item already stored (same source and external id)
counts as a duplicate, never as an error, and ``created`` is exactly what *this* call inserted:
ten clients sending the same batch at once get counts that add up to the batch.

The read the API's batch check needs (``batch_refs``) lives here beside the write it feeds: it
reads only the columns ingest uses, unlike the list selectors.
"""

import json
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from notifications.models import NotificationKind
from notifications.services import Draft, notify_many
from webhooks.events import emit_many

from . import rates
from .models import Gap, GapEvent, Occurrence, Touchpoint
from .models.gaps import GapStatus as S

# Recurring: residual cases after closing are normal; a rate of at least half the baseline,
# over at least this many occurrences, is not.
RECURRING_MIN_OCCURRENCES = 5
RECURRING_RATE_SHARE = Decimal("0.5")
# Occurrences in the very instant of closing still give a (huge) finite rate.
MIN_MONTHS_AFTER = Decimal("0.000001")


class GapKey(Protocol):
    """What ingest needs of a gap: a ``Gap`` or the few columns the API's batch check reads."""

    @property
    def pk(self) -> int: ...

    @property
    def touchpoint_id(self) -> int | None: ...

    @property
    def status(self) -> str: ...

    @property
    def recurring(self) -> bool: ...


class TouchpointKey(Protocol):
    @property
    def pk(self) -> int: ...


@dataclass(frozen=True, slots=True)
class GapRef:
    """A gap as the batch check reads it: id, default touchpoint and what the recurring check
    needs to know whether to look at it; not its text."""

    pk: int
    touchpoint_id: int | None
    status: str
    recurring: bool


@dataclass(frozen=True, slots=True)
class TouchpointRef:
    pk: int


@dataclass(frozen=True)
class OccurrenceInput:
    """One validated occurrence to store."""

    gap: GapKey
    occurred_at: datetime
    source: str
    external_id: str = ""
    touchpoint: TouchpointKey | None = None
    customer_ref: str = ""


class _AnyOf(Lookup):
    """``column = ANY(%s)``: the ids travel as one array parameter (PostgreSQL).

    An ``IN`` list of a thousand ids cost Django a thousand prepared parameters and the
    client-side binding a thousand quotings, several milliseconds of a batch; the array is one
    value. It travels as the text of an array literal (``'{1,2,3}'``), written here from the
    ids as integers: the driver's list adapter tested each element against a pattern in
    Python (about 2 ms of CPU for a thousand ids), one string is quoted once. Used as an
    expression (``_id_in``), never registered as a lookup on a field.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        # int(): only digits (and a sign) ever reach the literal.
        literal = "{" + ",".join(str(int(value)) for value in self.rhs) + "}"
        return f"{lhs} = ANY(%s::bigint[])", [*params, literal]


def _id_in(field: str, ids: Collection[int]) -> Q | _AnyOf:
    """``field`` is one of ``ids``: one array parameter on PostgreSQL, ``IN`` elsewhere."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), list(ids))
    return Q(**{f"{field}__in": list(ids)})


@contextmanager
def _binding_cursor() -> Iterator[CursorWrapper]:
    """A cursor that sends its parameters apart from the statement (PostgreSQL, psycopg 3).

    Django's cursors bind on the client: every element of a batch's six arrays was quoted
    into the statement's text in Python, and the server parsed it back (a 1,000-row insert
    became 58 kB of SQL). Here the arrays travel as parameters, in binary where the statement
    says ``%b``. Wrapped like any Django cursor: same transaction, same error translation, and
    counted by ``django_assert_num_queries`` and the debug log alike.
    """
    import psycopg  # the PostgreSQL driver (a dependency); imported where it is used

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # The stubs type these as taking a wrapper; Django passes them the driver's cursor.
    wrapped = (
        connection.make_debug_cursor(raw)  # type: ignore[arg-type]
        if connection.queries_logged
        else connection.make_cursor(raw)  # type: ignore[arg-type]
    )
    with wrapped:
        yield wrapped


def batch_refs(
    gaps: QuerySet[Gap], gap_ids: Collection[int], touchpoint_ids: Collection[int]
) -> tuple[dict[int, GapRef], set[int]]:
    """The gaps of ``gap_ids`` found in ``gaps`` (a sender's scope), as ingest needs them, and
    which of ``touchpoint_ids`` exist: one query (a ``UNION ALL``) for both.

    Only the columns ingest uses are read: a batch never loads the gaps' text.
    """
    if not gap_ids and not touchpoint_ids:
        return {}, set()
    found_gaps = (
        gaps.filter(_id_in("pk", gap_ids))
        .order_by()
        .annotate(kind=Value("gap"))
        .values_list("kind", "pk", "touchpoint_id", "status", "recurring")
    )
    found_touchpoints = (
        Touchpoint.objects.filter(_id_in("pk", touchpoint_ids))
        .order_by()
        .annotate(
            kind=Value("touchpoint"),
            no_touchpoint=Value(None, output_field=BigIntegerField()),
            no_status=Value(""),
            not_recurring=Value(False),
        )
        .values_list("kind", "pk", "no_touchpoint", "no_status", "not_recurring")
    )
    if not gap_ids:
        rows = list(found_touchpoints)
    elif not touchpoint_ids:
        rows = list(found_gaps)
    else:
        rows = list(found_gaps.union(found_touchpoints, all=True))
    refs = {row[1]: GapRef(*row[1:]) for row in rows if row[0] == "gap"}
    return refs, {row[1] for row in rows if row[0] == "touchpoint"}


@dataclass(frozen=True)
class BulkResult:
    created: int
    duplicates: int


# Column order of every insert below.
_COLUMNS = ("gap_id", "occurred_at", "touchpoint_id", "source", "external_id", "customer_ref")
_Row = tuple[int, datetime, int | None, str, str, str]


@transaction.atomic
def occurrences_record(
    *, items: Iterable[OccurrenceInput], now: datetime | None = None
) -> BulkResult:
    """Store a batch of valid occurrences; already-known (source, external id) are duplicates.

    ``created`` counts the rows this call inserted, even against concurrent senders of the
    same items (the database decides, not a look-up before the insert); everything else sent
    is a duplicate. An item without an external id gets a fresh one (it can never be a
    duplicate). The occurrence takes its gap's touchpoint when it names none. Closed gaps (as
    the items' gaps say) that received new rows are checked for the recurring flag in the same
    transaction.
    """
    now = now or timezone.now()
    rows: dict[tuple[str, str], _Row] = {}
    # Only closed, unflagged gaps can become recurring (checked again in SQL, this saves the
    # query when the batch touches none).
    may_recur: set[int] = set()
    sent = 0
    for item in items:
        sent += 1
        if item.gap.status == S.CLOSED and not item.gap.recurring:
            may_recur.add(item.gap.pk)
        external_id = item.external_id or uuid.uuid4().hex
        key = (item.source, external_id)
        if key in rows:
            continue  # the same id twice in one batch: the first one counts
        touchpoint_id = item.touchpoint.pk if item.touchpoint else item.gap.touchpoint_id
        rows[key] = (
            item.gap.pk,
            item.occurred_at,
            touchpoint_id,
            item.source,
            external_id,
            item.customer_ref,
        )
    # Concurrent batches that share items insert them in one order: no deadlock between them.
    ordered = [rows[key] for key in sorted(rows)]
    inserted_gap_ids = _insert_ignoring_duplicates(ordered, recorded_at=now)
    gaps_check_recurring(gap_ids=may_recur.intersection(inserted_gap_ids), now=now)
    return BulkResult(created=len(inserted_gap_ids), duplicates=sent - len(inserted_gap_ids))


def occurrence_record(**fields) -> BulkResult:
    """Store one occurrence (see ``occurrences_record``)."""
    return occurrences_record(items=[OccurrenceInput(**fields)])


def _insert_ignoring_duplicates(rows: Sequence[_Row], *, recorded_at: datetime) -> list[int]:
    """Insert the rows, skipping any (source, external id) already stored; the gap id of each
    row inserted, as the database reports it (``RETURNING``)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows, recorded_at=recorded_at)
    return _insert_portable(rows, recorded_at=recorded_at)


def _insert_postgresql(rows: Sequence[_Row], *, recorded_at: datetime) -> list[int]:
    """One statement of the same text for any batch size: the columns travel as six arrays,
    bound on the server in binary (``_binding_cursor``)."""
    table = connection.ops.quote_name(Occurrence._meta.db_table)
    columns = ", ".join(_COLUMNS)
    sql = (
        f"INSERT INTO {table} ({columns}, recorded_at) "  # noqa: S608 - names are ours
        f"SELECT {columns}, %b FROM unnest("
        "%b::bigint[], %b::timestamptz[], %b::bigint[], %b::text[], %b::text[], %b::text[]"
        f") AS batch({columns}) "
        "ON CONFLICT (source, external_id) DO NOTHING RETURNING gap_id"
    )
    with _binding_cursor() as cursor:
        cursor.execute(sql, [recorded_at, *(list(column) for column in zip(*rows, strict=True))])
        return [gap_id for (gap_id,) in cursor.fetchall()]


def _insert_portable(rows: Sequence[_Row], *, recorded_at: datetime) -> list[int]:
    """The embedded default (SQLite 3.35 or later, with its built-in JSON functions): the rows
    travel as one JSON parameter read by ``json_each``, so any batch is still one statement."""
    table = connection.ops.quote_name(Occurrence._meta.db_table)
    datetime_field = Occurrence._meta.get_field("occurred_at")

    def stored(value: datetime) -> str:
        return datetime_field.get_db_prep_value(value, connection)

    payload = json.dumps(
        [[gap_id, stored(at), touchpoint, *texts] for gap_id, at, touchpoint, *texts in rows]
    )
    picks = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(_COLUMNS)))
    with connection.cursor() as cursor:
        cursor.execute(
            # "WHERE true": SQLite needs it to tell the upsert clause from a join's ON.
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}, recorded_at) "  # noqa: S608 - names are ours
            f"SELECT {picks}, %s FROM json_each(%s) WHERE true "
            "ON CONFLICT (source, external_id) DO NOTHING RETURNING gap_id",
            [stored(recorded_at), payload],
        )
        return [gap_id for (gap_id,) in cursor.fetchall()]


@dataclass(frozen=True)
class Recurrence:
    """A closed gap's rates: baseline before closing, since closing, and the count since."""

    baseline_rate: Decimal
    post_rate: Decimal
    post_count: int

    @property
    def is_recurring(self) -> bool:
        return (
            self.post_count >= RECURRING_MIN_OCCURRENCES
            and self.post_rate >= self.baseline_rate * RECURRING_RATE_SHARE
        )

    def note(self) -> str:
        return (
            f"Customers keep meeting this gap: {self.post_count} occurrences since closing, "
            f"{self.post_rate:.1f} a month against {self.baseline_rate:.1f} a month before."
        )


def _recurrence(closed_at: datetime, before: int, after: int, now: datetime) -> Recurrence:
    """The rates as ``gaps.rates`` divides them, over the recurring flag's own baseline window
    (``CXALIGN_RECURRING_BASELINE_DAYS``, not the cost model's: see docs/roi.md)."""
    baseline_rate = rates.window_rate(before, window_days=settings.CXALIGN_RECURRING_BASELINE_DAYS)
    months_after = max(rates.months_between(closed_at, now), MIN_MONTHS_AFTER)
    return Recurrence(baseline_rate, rates.monthly_rate(after, months=months_after), after)


def _occurrences_between(start, end) -> Coalesce:
    """How many occurrences the outer query's gap has from ``start`` (included) to ``end``:
    a count on the ``(gap, occurred_at)`` index, without reading the rows."""
    counted = (
        Occurrence.objects.filter(
            gap_id=OuterRef("pk"), occurred_at__gte=start, occurred_at__lt=end
        )
        .order_by()
        .values("gap_id")
        .annotate(total=Count("*"))
        .values("total")
    )
    return Coalesce(Subquery(counted), 0)


def recurrence_by_gap(gap_ids: Iterable[int], now: datetime) -> dict[int, Recurrence]:
    """The rates of those gaps that are closed and not yet flagged, in one query.

    Each gap's two windows (the baseline window before closing, and since closing) are two
    counts on the ``(gap, occurred_at)`` index; a gap without any occurrence in either has
    nothing since closing and is left out.
    """
    window = timedelta(days=settings.CXALIGN_RECURRING_BASELINE_DAYS)
    closed_at = OuterRef("closed_at")
    counts = (
        Gap.objects.filter(
            _id_in("pk", set(gap_ids)),
            status=S.CLOSED,
            recurring=False,
            closed_at__isnull=False,
        )
        .order_by()
        .annotate(
            before=_occurrences_between(closed_at - window, closed_at),
            after=_occurrences_between(closed_at, now),
        )
        .values_list("pk", "closed_at", "before", "after")
    )
    return {
        gap_id: _recurrence(closed, before, after, now)
        for gap_id, closed, before, after in counts
        if (before or after) and closed is not None  # never None here (filtered above)
    }


def recurrence_rates(gap: Gap, now: datetime) -> tuple[Decimal, Decimal, int]:
    """Baseline monthly rate before closing, monthly rate since, and occurrences since."""
    found = recurrence_by_gap([gap.pk], now).get(gap.pk)
    if found is None:
        return Decimal(0), Decimal(0), 0
    return found.baseline_rate, found.post_rate, found.post_count


def gaps_check_recurring(*, gap_ids: Iterable[int], now: datetime | None = None) -> set[int]:
    """Flag the closed gaps among ``gap_ids`` whose customers keep meeting them; the ids
    flagged by this call.

    Recurring means at least ``RECURRING_MIN_OCCURRENCES`` since closing and a monthly rate
    since closing of at least half the baseline rate. The causing role's owners learn of it
    through the history line written here and their daily digest (which reads
    ``recurring_since``); the gap can then be reopened. A fixed number of statements for any
    number of gaps; a gap flagged meanwhile by a concurrent batch gets no second history line
    (the ``UPDATE`` reports only the rows it changed).
    """
    gap_ids = set(gap_ids)
    if not gap_ids:
        return set()
    now = now or timezone.now()
    due = {
        gap_id: found
        for gap_id, found in recurrence_by_gap(gap_ids, now).items()
        if found.is_recurring
    }
    if not due:
        return set()
    flagged = _flag_recurring(sorted(due), now)
    GapEvent.objects.bulk_create(
        GapEvent(gap_id=gap_id, kind=GapEvent.Kind.RECURRING, note=due[gap_id].note(), at=now)
        for gap_id in sorted(flagged)
    )
    emit_many("gap.recurring", "gaps.gap", flagged)
    _notify_recurring(flagged)
    return flagged


def _notify_recurring(gap_ids: set[int]) -> None:
    """Tell the owners of the causing roles of newly recurring gaps (one read, one insert)."""
    if not gap_ids:
        return
    owners = (
        Gap.objects.filter(pk__in=gap_ids, causing_role__owners__isnull=False)
        .order_by("pk")
        .values_list("pk", "title", "causing_role__owners")
    )
    notify_many(
        Draft(
            recipient_id=user_id,
            kind=NotificationKind.RECURRING,
            title=f"Gap #{gap_id} is recurring since it was closed: {title}",
            url=reverse("gaps:detail", args=[gap_id]),
        )
        for gap_id, title, user_id in owners
    )


def _flag_recurring(gap_ids: Sequence[int], now: datetime) -> set[int]:
    """Set the flag where it is still unset; the ids this statement changed."""
    table = connection.ops.quote_name(Gap._meta.db_table)
    stamp = Gap._meta.get_field("recurring_since").get_db_prep_value(now, connection)
    marks = ", ".join(["%s"] * len(gap_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET recurring = %s, recurring_since = %s "  # noqa: S608 - names are ours
            f"WHERE id IN ({marks}) AND status = %s AND NOT recurring RETURNING id",
            [True, stamp, *gap_ids, S.CLOSED.value],
        )
        return {gap_id for (gap_id,) in cursor.fetchall()}


@transaction.atomic
def gap_check_recurring(*, gap: Gap, now: datetime | None = None) -> bool:
    """Flag one closed gap as recurring when its customers keep meeting it; True if flagged now.

    The single-gap form of ``gaps_check_recurring`` (same rule, same history line), for the
    demo history and callers holding one gap; ``gap`` is updated in memory too.
    """
    now = now or timezone.now()
    if gap.status != S.CLOSED or gap.recurring or gap.closed_at is None:
        return False
    if gap.pk not in gaps_check_recurring(gap_ids=[gap.pk], now=now):
        return False
    gap.recurring, gap.recurring_since = True, now
    return True
