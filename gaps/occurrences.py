"""Recording occurrences (one or a bulk batch) and the recurring flag of closed gaps.

The occurrence table is the high-volume one: a batch is written with one existence query and
one bulk insert, and re-sending an item already stored (same source and external id) counts
as a duplicate, never as an error.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from .models import Gap, GapEvent, Occurrence, Touchpoint
from .models.gaps import GapStatus as S

# Recurring: residual cases after closing are normal; a rate of at least half the baseline,
# over at least this many occurrences, is not.
RECURRING_MIN_OCCURRENCES = 5
RECURRING_RATE_SHARE = Decimal("0.5")
DAYS_PER_MONTH = Decimal(30)


@dataclass(frozen=True)
class OccurrenceInput:
    """One validated occurrence to store."""

    gap: Gap
    occurred_at: datetime
    source: str
    external_id: str = ""
    touchpoint: Touchpoint | None = None
    customer_ref: str = ""


@dataclass(frozen=True)
class BulkResult:
    created: int
    duplicates: int


@transaction.atomic
def occurrences_record(*, items: Iterable[OccurrenceInput]) -> BulkResult:
    """Store a batch of valid occurrences; already-known (source, external id) are duplicates.

    An item without an external id gets a fresh one (it can never be a duplicate). The
    occurrence takes its gap's touchpoint when it names none. Closed gaps that received
    occurrences are checked for the recurring flag afterwards.
    """
    now = timezone.now()
    rows: dict[tuple[str, str], Occurrence] = {}
    duplicates = 0
    for item in items:
        external_id = item.external_id or uuid.uuid4().hex
        key = (item.source, external_id)
        if key in rows:
            duplicates += 1
            continue
        rows[key] = Occurrence(
            gap=item.gap,
            occurred_at=item.occurred_at,
            source=item.source,
            external_id=external_id,
            touchpoint=item.touchpoint or item.gap.touchpoint,
            customer_ref=item.customer_ref,
            recorded_at=now,
        )
    existing = _existing_keys(rows.keys())
    new_rows = [row for key, row in rows.items() if key not in existing]
    duplicates += len(rows) - len(new_rows)
    # ignore_conflicts: a concurrent sender of the same item loses nothing and breaks nothing.
    Occurrence.objects.bulk_create(new_rows, batch_size=1000, ignore_conflicts=True)
    closed_gap_ids = {row.gap_id for row in new_rows if row.gap.status == S.CLOSED}
    for gap in Gap.objects.filter(pk__in=closed_gap_ids, recurring=False):
        gap_check_recurring(gap=gap, now=now)
    return BulkResult(created=len(new_rows), duplicates=duplicates)


def occurrence_record(**fields) -> BulkResult:
    """Store one occurrence (see ``occurrences_record``)."""
    return occurrences_record(items=[OccurrenceInput(**fields)])


def _existing_keys(keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    if not by_source:
        return set()
    condition = Q()
    for source, external_ids in by_source.items():
        condition |= Q(source=source, external_id__in=external_ids)
    return set(Occurrence.objects.filter(condition).values_list("source", "external_id"))


def recurrence_rates(gap: Gap, now: datetime) -> tuple[Decimal, Decimal, int]:
    """Baseline monthly rate before closing, monthly rate since, and occurrences since."""
    window = settings.CXALIGN_RECURRING_BASELINE_DAYS
    counts = Occurrence.objects.filter(gap=gap).aggregate(
        before=Count(
            "pk",
            filter=Q(
                occurred_at__gte=gap.closed_at - timedelta(days=window),
                occurred_at__lt=gap.closed_at,
            ),
        ),
        after=Count("pk", filter=Q(occurred_at__gte=gap.closed_at, occurred_at__lt=now)),
    )
    baseline_rate = Decimal(counts["before"]) / (Decimal(window) / DAYS_PER_MONTH)
    elapsed = Decimal((now - gap.closed_at).total_seconds()) / Decimal(86_400)
    months_after = max(elapsed / DAYS_PER_MONTH, Decimal("0.000001"))
    return baseline_rate, Decimal(counts["after"]) / months_after, counts["after"]


@transaction.atomic
def gap_check_recurring(*, gap: Gap, now: datetime | None = None) -> bool:
    """Flag a closed gap as recurring when its customers keep meeting it; True if flagged now.

    Recurring means at least ``RECURRING_MIN_OCCURRENCES`` since closing and a monthly rate
    since closing of at least half the baseline rate. The causing role's owners learn of it
    through the history and their daily digest; the gap can then be reopened.
    """
    now = now or timezone.now()
    if gap.status != S.CLOSED or gap.recurring or gap.closed_at is None:
        return False
    baseline_rate, post_rate, post_count = recurrence_rates(gap, now)
    if post_count < RECURRING_MIN_OCCURRENCES or post_rate < baseline_rate * RECURRING_RATE_SHARE:
        return False
    Gap.objects.filter(pk=gap.pk).update(recurring=True, recurring_since=now)
    gap.recurring, gap.recurring_since = True, now
    GapEvent.objects.create(
        gap=gap,
        kind=GapEvent.Kind.RECURRING,
        note=(
            f"Customers keep meeting this gap: {post_count} occurrences since closing, "
            f"{post_rate:.1f} a month against {baseline_rate:.1f} a month before."
        ),
        at=now,
    )
    return True
