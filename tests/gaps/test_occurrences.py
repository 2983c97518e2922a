"""Recording occurrences: duplicates are harmless; closed gaps flag as recurring at half rate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gaps import services
from gaps.models import GapEvent, Occurrence
from gaps.models.gaps import GapStatus as S
from gaps.occurrences import (
    OccurrenceInput,
    _flag_recurring,
    gap_check_recurring,
    gaps_check_recurring,
    occurrences_record,
)

pytestmark = pytest.mark.django_db


def items(gap, times, prefix="t"):
    return [
        OccurrenceInput(gap=gap, occurred_at=at, source="desk", external_id=f"{prefix}{n}")
        for n, at in enumerate(times)
    ]


def test_resending_counts_duplicates_and_stores_once(gap):
    now = timezone.now()
    first = occurrences_record(items=items(gap, [now]) * 2)
    assert (first.created, first.duplicates) == (1, 1)  # the same id twice in one batch
    again = occurrences_record(items=items(gap, [now, now, now + timedelta(1)], prefix="t"))
    assert (again.created, again.duplicates) == (2, 1)
    assert Occurrence.objects.filter(gap=gap).count() == 3
    assert Occurrence.objects.get(external_id="t0").touchpoint == gap.touchpoint


@pytest.fixture
def closed_gap(make_gap, cx_user):
    """Closed 30 days ago after 30 occurrences a month (90 in the 90 days before)."""
    closed_at = timezone.now() - timedelta(days=30)
    gap = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old invoice template.")
    before = [closed_at - timedelta(days=d, hours=1) for d in range(90)]
    occurrences_record(items=items(gap, before, prefix="b"))
    return gap


def test_a_few_residual_occurrences_do_not_flag_recurring(closed_gap):
    recent = [timezone.now() - timedelta(days=d) for d in (1, 2, 3, 4)]
    occurrences_record(items=items(closed_gap, recent, prefix="r"))
    closed_gap.refresh_from_db()
    assert not closed_gap.recurring


def test_a_single_residual_occurrence_does_not_flag_even_right_after_closing(make_gap):
    closed_at = timezone.now() - timedelta(hours=1)
    gap = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Template.")
    occurrences_record(items=items(gap, [timezone.now()], prefix="s"))
    gap.refresh_from_db()
    assert not gap.recurring


def store_since_closing(gap, count: int) -> None:
    """Occurrences in the 30 days after closing, stored without the recurring check."""
    Occurrence.objects.bulk_create(
        Occurrence(
            gap=gap,
            occurred_at=gap.closed_at + timedelta(days=n * 2, hours=1),
            source="desk",
            external_id=f"after-{n}",
        )
        for n in range(count)
    )


@pytest.mark.parametrize(("count", "flagged"), [(15, True), (14, False)])
def test_half_the_baseline_rate_flags_recurring(closed_gap, count, flagged):
    # 30 days after closing, 15 occurrences = 15 a month = exactly half of 30 a month.
    store_since_closing(closed_gap, count)
    assert gap_check_recurring(gap=closed_gap, now=closed_gap.closed_at + timedelta(days=30)) is (
        flagged
    )
    closed_gap.refresh_from_db()
    assert closed_gap.recurring is flagged
    assert closed_gap.events.filter(kind=GapEvent.Kind.RECURRING).count() == int(flagged)


def test_recording_occurrences_flags_recurring_once(closed_gap):
    since = [timezone.now() - timedelta(days=d, hours=1) for d in range(20)]
    occurrences_record(items=items(closed_gap, since, prefix="p"))
    closed_gap.refresh_from_db()
    assert closed_gap.recurring
    occurrences_record(items=items(closed_gap, since[:5], prefix="p2"))
    assert closed_gap.events.filter(kind=GapEvent.Kind.RECURRING).count() == 1


def test_reopening_a_recurring_gap_clears_the_flag(closed_gap, owner_user):
    since = [timezone.now() - timedelta(days=d, hours=1) for d in range(20)]
    occurrences_record(items=items(closed_gap, since, prefix="x"))
    closed_gap.refresh_from_db()
    reopened = services.gap_transition(
        gap=closed_gap, to=S.OPEN, actor=owner_user, note="Customers still get split invoices."
    )
    assert (reopened.status, reopened.recurring, reopened.closed_at) == (S.OPEN, False, None)


def closed_gaps_with_recent(make_gap, recent_counts: list[int]) -> list:
    """Closed 30 days ago with no baseline; ``n`` occurrences in the last days for each."""
    closed_at = timezone.now() - timedelta(days=30)
    gaps = []
    for index, count in enumerate(recent_counts):
        gap = make_gap(
            title=f"Closed {index}", status=S.CLOSED, closed_at=closed_at, root_cause="x"
        )
        Occurrence.objects.bulk_create(
            Occurrence(
                gap=gap,
                occurred_at=timezone.now() - timedelta(days=1, hours=n),
                source="desk",
                external_id=f"{gap.pk}-{n}",
            )
            for n in range(count)
        )
        gaps.append(gap)
    return gaps


@pytest.mark.parametrize("size", [2, 20])
def test_many_closed_gaps_are_checked_in_three_statements(
    make_gap, django_assert_num_queries, size
):
    """Grouped counts, one flag update, one insert of history lines, and the owners'
    notifications (owners, their preferences, one insert): whatever the number."""
    gaps = closed_gaps_with_recent(make_gap, [5 if n % 2 == 0 else 4 for n in range(size)])
    with django_assert_num_queries(6):
        flagged = gaps_check_recurring(gap_ids=[gap.pk for gap in gaps])
    assert flagged == {gap.pk for n, gap in enumerate(gaps) if n % 2 == 0}
    events = GapEvent.objects.filter(kind=GapEvent.Kind.RECURRING)
    assert set(events.values_list("gap_id", flat=True)) == flagged
    assert events.first().note.startswith("Customers keep meeting this gap: 5 occurrences")


def test_a_gap_flagged_meanwhile_gets_no_second_history_line(make_gap):
    [gap] = closed_gaps_with_recent(make_gap, [6])
    assert gap_check_recurring(gap=gap)
    # A concurrent batch read the gap before this flag committed: its update changes nothing.
    assert _flag_recurring([gap.pk], timezone.now()) == set()
    assert gaps_check_recurring(gap_ids=[gap.pk]) == set()
    assert gap.events.filter(kind=GapEvent.Kind.RECURRING).count() == 1


def test_one_index_serves_the_look_ups_by_gap():
    """The (gap, occurred_at) index serves every read by gap; the foreign key's own single-column
    index was dropped (migration 0009) because it only cost each inserted row a write."""
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Occurrence._meta.db_table)
    by_gap = [
        info["columns"]
        for info in found.values()
        if info["index"] and not info["primary_key"] and info["columns"][:1] == ["gap_id"]
    ]
    assert by_gap == [["gap_id", "occurred_at"]]
