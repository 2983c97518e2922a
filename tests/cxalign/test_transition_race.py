"""Fault test: a re-attribution racing an acknowledgement on the real PostgreSQL (issue 8, #3).

The CX team resolves a dispute by re-attributing the gap (disputed → open, new causing role)
while the role owner accepts it after all (disputed → acknowledged). Each request runs in its
own thread, so on its own database connection, started together at a barrier. Whatever the
order the database serialises them in, neither answers 500 nor raises: the loser gets a
clear 409/400, the gap ends in a legal state, and each change that was answered 200 left
exactly one line in the gap's history.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from rest_framework.test import APIClient

from gaps import services
from gaps.api.exceptions import exception_handler
from gaps.models import GapEvent
from gaps.models.gaps import GapStatus as S
from gaps.transitions import MoveConflict, find_move
from tests.cxalign.support import logged_gap
from tests.factories import RoleFactory, TeamFactory, UserFactory

ROUNDS = 30


def _post_in_thread(user, url: str, body: dict, barrier: threading.Barrier, out: dict, key: str):
    """POST ``body`` as ``user`` on this thread's own connection; record status or exception."""
    client = APIClient()
    client.force_authenticate(user)
    try:
        barrier.wait(timeout=30)
        response = client.post(url, body, format="json")
        out[key] = (response.status_code, response.json())
    except Exception as exc:  # the test reports any exception as a failure
        out[key] = ("exception", repr(exc))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_reattribution_racing_acknowledge_never_fails_and_keeps_every_history_line():
    if connection.vendor != "postgresql":
        pytest.skip("row locks race only on PostgreSQL")
    cx = UserFactory(username="race-cx", groups=["cx_team"])
    owner = UserFactory(username="race-owner", groups=["role_owner"])
    billing = RoleFactory(name="Billing", team=TeamFactory(name="Billing"), owners=[owner])
    logistics = RoleFactory(name="Logistics", team=TeamFactory(name="Logistics"), owners=[owner])
    gap = logged_gap(cx, billing)
    url = f"/api/v1/gaps/{gap.pk}/transition/"
    answered_ok = 0
    failures = []
    for round_number in range(ROUNDS):
        gap = services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner, note="Not us.")
        answered_ok += 1
        target_role = logistics if gap.causing_role_id == billing.pk else billing
        barrier = threading.Barrier(2)
        out: dict = {}
        threads = [
            threading.Thread(
                target=_post_in_thread,
                args=(
                    cx,
                    url,
                    {"to": S.OPEN, "note": "Re-attributed.", "causing_role": target_role.pk},
                    barrier,
                    out,
                    "reattribute",
                ),
            ),
            threading.Thread(
                target=_post_in_thread,
                args=(owner, url, {"to": S.ACKNOWLEDGED}, barrier, out, "acknowledge"),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for key, (code, body) in out.items():
            if code == 200:
                answered_ok += 1
            elif code not in (400, 409):
                failures.append((round_number, key, code, body))
        gap.refresh_from_db()
        # Whoever lost, the winner's move (and at most one follow-up) left a legal state.
        assert gap.status in (S.OPEN, S.ACKNOWLEDGED), (round_number, gap.status, out)
        if gap.status == S.OPEN:
            # Acknowledging an open gap is legal: the owner's request cannot have lost to it.
            assert out["acknowledge"][0] != 200, out

    assert not failures, failures
    events = list(GapEvent.objects.filter(gap=gap).order_by("at", "id"))
    transitions = [event for event in events if event.kind == GapEvent.Kind.TRANSITION]
    # One history line per change answered 200, and each line a legal move from the previous.
    assert len(transitions) == answered_ok
    status = S.OPEN
    for event in transitions:
        assert event.from_status == status, (event.from_status, status)
        assert find_move(event.from_status, event.to_status) is not None
        status = event.to_status
    assert gap.status == status
    # The causing role is the one the last re-attribution named.
    last_role_change = [e for e in transitions if "causing_role" in e.changes]
    if last_role_change:
        assert str(gap.causing_role) == last_role_change[-1].changes["causing_role"][1]


@pytest.mark.django_db
def test_a_move_made_stale_by_a_concurrent_change_is_a_conflict_not_a_500():
    """The caller read the gap disputed; it was re-attributed and reopened before the lock."""
    cx = UserFactory(username="stale-cx", groups=["cx_team"])
    owner = UserFactory(username="stale-owner", groups=["role_owner"])
    billing = RoleFactory(name="Billing", team=TeamFactory(name="Billing"), owners=[owner])
    logistics = RoleFactory(name="Logistics", team=TeamFactory(name="Logistics"))
    gap = logged_gap(cx, billing)
    stale = services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner, note="Not us.")
    services.gap_transition(gap=stale, to=S.OPEN, actor=cx, causing_role=logistics)

    # The owner no longer owns the causing role: told it changed, not "forbidden".
    with pytest.raises(MoveConflict) as owner_conflict:
        services.gap_transition(gap=stale, to=S.ACKNOWLEDGED, actor=owner)
    assert "now open, attributed to Logistics" in owner_conflict.value.message_dict["to"][0]
    # The CX team's second re-attribution from the stale copy: open → open is no move.
    with pytest.raises(MoveConflict):
        services.gap_transition(gap=stale, to=S.OPEN, actor=cx, causing_role=billing)
    # The API answers a conflict 409 with the per-field body; other refusals stay 400.
    response = exception_handler(owner_conflict.value, {})
    assert response.status_code == 409
    assert list(response.data) == ["to"]
    assert exception_handler(ValidationError({"to": "No."}), {}).status_code == 400
    gap.refresh_from_db()
    assert (gap.status, gap.causing_role_id) == (S.OPEN, logistics.pk)
