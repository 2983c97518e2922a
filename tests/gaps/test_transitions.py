"""The full transition table, allowed and refused, for each group; and what a move records."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gaps import services, transitions
from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S

pytestmark = pytest.mark.django_db

# Every (source, target) pair, and who may make it: "cx" only, "owner" too, or nobody.
EXPECTED = {
    (S.OPEN, S.ACKNOWLEDGED): "owner",
    (S.OPEN, S.DISPUTED): "owner",
    (S.ACKNOWLEDGED, S.DISPUTED): "owner",
    (S.ACKNOWLEDGED, S.IN_REMEDY): "owner",
    (S.ACKNOWLEDGED, S.CLOSED): "owner",
    (S.IN_REMEDY, S.CLOSED): "owner",
    (S.DISPUTED, S.OPEN): "cx",
    (S.DISPUTED, S.ACKNOWLEDGED): "owner",
    (S.CLOSED, S.OPEN): "owner",
    **{(source, S.ARCHIVED): "cx" for source in transitions.ALL_LIVE},
    (S.ARCHIVED, S.OPEN): "cx",
}
ALL_PAIRS = [(a, b) for a in S.values for b in S.values if a != b]


def put_in(gap: Gap, status: str) -> Gap:
    """Force a status for the test (with what that status needs), bypassing the machine."""
    extra = {}
    if status == S.CLOSED:
        extra = {"root_cause": "Three billing systems.", "closed_at": gap.created_at}
    if status == S.PREVENTED:
        extra = {"prevented_on": gap.detected_on, "expected_monthly_occurrences": 3}
    Gap.objects.filter(pk=gap.pk).update(status=status, **extra)
    gap.refresh_from_db()
    return gap


def attempt(gap: Gap, to: str, actor) -> Gap:
    return services.gap_transition(
        gap=gap, to=to, actor=actor, note="Because.", root_cause="Three billing systems."
    )


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_transition_table_for_every_group(
    source, target, gap, cx_user, owner_user, other_owner, exec_user, integration_user
):
    who = EXPECTED.get((source, target))
    put_in(gap, source)
    # Whoever may not change this gap at all is refused (403), whether the move exists or not.
    for actor in (exec_user, integration_user, other_owner):
        with pytest.raises(PermissionDenied):
            attempt(gap, target, actor)
        gap.refresh_from_db()
        assert gap.status == source
    if who != "owner":
        with pytest.raises((PermissionDenied, ValidationError)):
            attempt(gap, target, owner_user)
        gap.refresh_from_db()
        assert gap.status == source
    if who is None:
        with pytest.raises(ValidationError) as error:
            attempt(gap, target, cx_user)
        assert "to" in error.value.message_dict
        return
    actor = owner_user if who == "owner" else cx_user
    moved = attempt(gap, target, actor)
    assert moved.status == target
    event = GapEvent.objects.filter(gap=gap, kind=GapEvent.Kind.TRANSITION).latest("id")
    assert (event.from_status, event.to_status, event.actor) == (source, target, actor)
    # The CX team may make every move an owner may make.
    if who == "owner":
        put_in(gap, source)
        assert attempt(gap, target, cx_user).status == target


def test_moves_offered_match_the_table(gap, owner_user, exec_user, cx_user):
    assert [m.target for m in transitions.moves_for(owner_user, gap)] == [
        S.ACKNOWLEDGED,
        S.DISPUTED,
    ]
    assert transitions.moves_for(exec_user, gap) == []
    assert S.ARCHIVED in [m.target for m in transitions.moves_for(cx_user, gap)]


def test_closing_needs_a_root_cause(gap, owner_user):
    put_in(gap, S.IN_REMEDY)
    with pytest.raises(ValidationError) as error:
        services.gap_transition(gap=gap, to=S.CLOSED, actor=owner_user, root_cause="  ")
    assert "root_cause" in error.value.message_dict
    closed = services.gap_transition(
        gap=gap, to=S.CLOSED, actor=owner_user, root_cause="Invoice run split by system."
    )
    assert closed.closed_at is not None
    assert closed.root_cause == "Invoice run split by system."


def test_dispute_needs_a_reason_and_re_attribution_moves_the_team(
    gap, owner_user, cx_user, other_role
):
    with pytest.raises(ValidationError) as error:
        services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner_user, note="")
    assert "note" in error.value.message_dict
    services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner_user, note="Logistics, not us.")
    gap.refresh_from_db()
    assert gap.dispute_reason == "Logistics, not us."
    reopened = services.gap_transition(
        gap=gap, to=S.OPEN, actor=cx_user, note="Re-attributed.", causing_role=other_role
    )
    assert (reopened.causing_role, reopened.causing_team) == (other_role, other_role.team)
    event = GapEvent.objects.filter(gap=gap).latest("id")
    assert event.changes["causing_role"][1] == str(other_role)


def test_unknown_status_is_a_clear_error(gap, cx_user):
    with pytest.raises(ValidationError) as error:
        services.gap_transition(gap=gap, to="solved", actor=cx_user)
    assert "not a gap status" in error.value.message_dict["to"][0]
