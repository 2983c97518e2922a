"""Recording occurrences: duplicates are harmless; closed gaps flag as recurring at half rate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gaps import services
from gaps.models import GapEvent, Occurrence
from gaps.models.gaps import GapStatus as S
from gaps.occurrences import OccurrenceInput, gap_check_recurring, occurrences_record

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
