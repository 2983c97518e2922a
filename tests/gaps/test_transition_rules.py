"""What each status move promises (DESIGN.md, "Gap status"), one rule per test.

The table test (test_transitions.py) says which moves exist; these say what a move does to the
gap: the flags it clears, the stamps it keeps, the notes it needs, who may make it.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gaps import services, transitions
from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S
from gaps.permissions import EXECUTIVE
from tests.factories import UserFactory

from .test_transitions import put_in

pytestmark = pytest.mark.django_db

# Spelled out, not taken from the code: every status a gap can be archived from.
LIVE_STATUSES = ("open", "acknowledged", "in_remedy", "closed", "disputed", "prevented")


def flag(gap: Gap, **fields) -> Gap:
    """Set fields directly (as the overdue job or the recurring check would), then reload."""
    Gap.objects.filter(pk=gap.pk).update(**fields)
    gap.refresh_from_db()
    return gap


@pytest.mark.parametrize("source", LIVE_STATUSES)
def test_the_cx_team_archives_a_gap_from_every_live_status(gap, cx_user, source):
    flag(put_in(gap, source), overdue=True)
    archived = services.gap_transition(gap=gap, to=S.ARCHIVED, actor=cx_user)
    assert archived.status == S.ARCHIVED
    assert archived.overdue is False  # an archived gap is nobody's deadline any more
    assert Gap.objects.get(pk=gap.pk).status == S.ARCHIVED


@pytest.mark.parametrize("source", ["acknowledged", "in_remedy"])
def test_closing_clears_overdue_completes_the_remedy_and_clears_recurring(gap, owner_user, source):
    put_in(gap, source)
    flag(
        gap,
        overdue=True,
        remedy_progress=40,
        recurring=True,
        recurring_since=timezone.now() - timedelta(days=3),
    )
    closed = services.gap_transition(
        gap=gap, to=S.CLOSED, actor=owner_user, root_cause="Three billing systems."
    )
    closed.refresh_from_db()
    assert closed.status == S.CLOSED
    assert closed.overdue is False
    assert closed.remedy_progress == 100
    assert (closed.recurring, closed.recurring_since) == (False, None)
    assert closed.closed_at is not None


def test_closing_from_acknowledged_needs_a_root_cause_too(gap, owner_user):
    put_in(gap, S.ACKNOWLEDGED)
    with pytest.raises(ValidationError) as error:
        services.gap_transition(gap=gap, to=S.CLOSED, actor=owner_user)
    assert error.value.message_dict == {
        "root_cause": ["Say what caused the gap before closing it."]
    }
    assert Gap.objects.get(pk=gap.pk).status == S.ACKNOWLEDGED


def test_the_root_cause_given_when_closing_lands_in_the_history(gap, owner_user):
    put_in(gap, S.IN_REMEDY)
    services.gap_transition(gap=gap, to=S.CLOSED, actor=owner_user, root_cause=" Two systems. ")
    event = GapEvent.objects.filter(gap=gap, kind=GapEvent.Kind.TRANSITION).latest("id")
    assert event.changes["root_cause"] == ["", "Two systems."]


def test_reopening_a_closed_gap_needs_a_note_and_clears_closing_and_recurring(gap, owner_user):
    put_in(gap, S.CLOSED)
    flag(gap, recurring=True, recurring_since=timezone.now() - timedelta(days=2))
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.gap_transition(gap=gap, to=S.OPEN, actor=owner_user, note=blank)
        assert error.value.message_dict == {"note": ["Give why it is reopened."]}
    assert Gap.objects.get(pk=gap.pk).status == S.CLOSED
    reopened = services.gap_transition(
        gap=gap, to=S.OPEN, actor=owner_user, note="Customers still get three invoices."
    )
    reopened.refresh_from_db()
    assert reopened.status == S.OPEN
    assert reopened.closed_at is None
    assert (reopened.recurring, reopened.recurring_since) == (False, None)
    event = GapEvent.objects.filter(gap=gap, kind=GapEvent.Kind.TRANSITION).latest("id")
    assert event.note == "Customers still get three invoices."


def test_a_reopened_gap_gets_fresh_deadlines_from_today(gap, cx_user):
    put_in(gap, S.ARCHIVED)
    flag(gap, acknowledge_due_on=gap.detected_on - timedelta(days=100))
    restored = services.gap_transition(gap=gap, to=S.OPEN, actor=cx_user)
    today = timezone.localdate()
    # Severity 4: five days to acknowledge, thirty to remedy.
    assert restored.acknowledge_due_on == today + timedelta(days=5)
    assert restored.remedy_due_on == today + timedelta(days=30)


@pytest.mark.parametrize(("source", "note"), [("open", ""), ("acknowledged", "the reason")])
def test_a_dispute_needs_a_reason_and_keeps_it(gap, owner_user, source, note):
    put_in(gap, source)
    with pytest.raises(ValidationError) as error:
        services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner_user, note=" ")
    expected = "Give the reason for the dispute." if source == "open" else "Give the reason."
    assert error.value.message_dict == {"note": [expected]}
    disputed = services.gap_transition(
        gap=gap, to=S.DISPUTED, actor=owner_user, note="  Logistics causes it.  "
    )
    assert disputed.dispute_reason == "Logistics causes it."


def test_acknowledging_stamps_the_time_and_clears_overdue(gap, owner_user):
    flag(gap, overdue=True)
    before = timezone.now()
    acknowledged = services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owner_user)
    assert acknowledged.acknowledged_at >= before
    assert acknowledged.overdue is False


def test_accepting_a_gap_after_a_dispute_keeps_the_first_acknowledgement(gap, owner_user):
    first = timezone.now() - timedelta(days=9)
    services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owner_user)
    flag(gap, acknowledged_at=first)
    services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner_user, note="Not ours.")
    accepted = services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owner_user)
    accepted.refresh_from_db()
    assert accepted.acknowledged_at == first


def test_re_attribution_clears_the_dispute_and_the_acknowledgement(gap, owner_user, cx_user):
    services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owner_user)
    services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner_user, note="Not ours.")
    reopened = services.gap_transition(gap=gap, to=S.OPEN, actor=cx_user, note="Re-attributed.")
    reopened.refresh_from_db()
    assert (reopened.dispute_reason, reopened.acknowledged_at) == ("", None)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("closed", "open"),  # reopening is not a re-attribution
        ("archived", "open"),  # nor is restoring
        ("disputed", "acknowledged"),  # accepting keeps the role that accepted it
        ("open", "acknowledged"),
    ],
)
def test_the_causing_role_changes_only_when_a_dispute_is_resolved(
    gap, cx_user, other_role, source, target
):
    put_in(gap, source)
    with pytest.raises(ValidationError) as error:
        services.gap_transition(
            gap=gap, to=target, actor=cx_user, note="Moved.", causing_role=other_role
        )
    assert error.value.message_dict == {
        "causing_role": ["The causing role changes only when a dispute is resolved."]
    }
    gap.refresh_from_db()
    assert gap.status == source
    assert gap.causing_role != other_role


def test_naming_the_same_causing_role_on_any_move_is_no_re_attribution(gap, cx_user):
    moved = services.gap_transition(
        gap=gap, to=S.ACKNOWLEDGED, actor=cx_user, causing_role=gap.causing_role
    )
    assert moved.status == S.ACKNOWLEDGED
    event = GapEvent.objects.filter(gap=gap, kind=GapEvent.Kind.TRANSITION).latest("id")
    assert "causing_role" not in event.changes


@pytest.fixture
def owning_executive(owned_role):
    """An executive who is also listed as an owner of the gap's causing role."""
    user = UserFactory(username="edith", groups=[EXECUTIVE])
    owned_role.owners.add(user)
    return user


def test_an_executive_who_owns_a_role_still_makes_no_move(gap, owning_executive):
    assert transitions.acts_as_owner(owning_executive, gap) is False
    assert transitions.moves_for(owning_executive, gap) == []
    with pytest.raises(PermissionDenied):
        services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owning_executive)
    assert Gap.objects.get(pk=gap.pk).status == S.OPEN


def test_the_moves_offered_carry_their_labels(gap, owner_user, cx_user):
    """The buttons pages show, per status, for the causing role's owner and the CX team."""
    offered = {
        status: (
            [m.label for m in transitions.moves_for(owner_user, put_in(gap, status))],
            [m.label for m in transitions.moves_for(cx_user, gap)],
        )
        for status in (*LIVE_STATUSES, "archived")
    }
    assert offered == {
        "open": (["Acknowledge", "Dispute"], ["Acknowledge", "Dispute", "Archive"]),
        "acknowledged": (
            ["Dispute", "Start remedy", "Close"],
            ["Dispute", "Start remedy", "Close", "Archive"],
        ),
        "in_remedy": (["Close"], ["Close", "Archive"]),
        "closed": (["Reopen"], ["Reopen", "Archive"]),
        "disputed": (
            ["Accept after all"],
            ["Re-attribute and reopen", "Accept after all", "Archive"],
        ),
        "prevented": ([], ["Archive"]),
        "archived": ([], ["Restore"]),
    }


def test_moves_say_what_they_need(gap):
    needs = {(m.source, m.target): (m.needs_note, m.needs_root_cause) for m in transitions.MOVES}
    assert needs[(S.OPEN, S.DISPUTED)] == ("the reason for the dispute", False)
    assert needs[(S.CLOSED, S.OPEN)] == ("why it is reopened", False)
    assert needs[(S.IN_REMEDY, S.CLOSED)] == ("", True)
    assert needs[(S.ACKNOWLEDGED, S.CLOSED)] == ("", True)
    assert needs[(S.OPEN, S.ACKNOWLEDGED)] == ("", False)
    assert transitions.find_move(S.OPEN, S.CLOSED) is None


def test_a_stale_move_says_what_the_gap_is_now(gap):
    put_in(gap, S.ACKNOWLEDGED)
    conflict = transitions.MoveConflict.gap_changed(gap)
    assert isinstance(conflict, ValidationError)
    assert conflict.message_dict == {
        "to": [
            "Someone changed this gap meanwhile: it is now acknowledged, attributed to "
            f"{gap.causing_role}. Reload it and choose again."
        ]
    }
