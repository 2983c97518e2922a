"""Creating and editing gaps: required fields, defaults, deadlines, history, permissions."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gaps import services
from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S
from tests.factories import ThemeFactory

pytestmark = pytest.mark.django_db


def test_create_with_defaults_records_the_creation(make_gap, cx_user, owned_role):
    gap = make_gap(severity=5)
    assert gap.status == S.OPEN
    assert gap.detected_on == timezone.localdate()
    assert gap.causing_team == owned_role.team
    assert gap.acknowledge_due_on == gap.detected_on + timedelta(days=2)
    assert gap.remedy_due_on == gap.detected_on + timedelta(days=14)
    event = gap.events.get()
    assert (event.kind, event.to_status, event.actor) == (GapEvent.Kind.CREATED, S.OPEN, cx_user)


def test_required_fields_are_named_in_the_error(cx_user):
    with pytest.raises(ValidationError) as error:
        services.gap_create(actor=cx_user, title="Only a title")
    assert {"expectation", "delivery", "category", "severity"} <= error.value.message_dict.keys()
    assert not Gap.objects.exists()


def test_severity_outside_one_to_five_is_refused(make_gap):
    with pytest.raises(ValidationError) as error:
        make_gap(severity=6)
    assert "severity" in error.value.message_dict


def test_import_a_closed_gap_with_past_closing(make_gap):
    closed_at = timezone.now() - timedelta(days=40)
    gap = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old billing system.")
    assert (gap.status, gap.closed_at) == (S.CLOSED, closed_at)
    with pytest.raises(ValidationError) as error:
        make_gap(status=S.CLOSED, closed_at=timezone.now() + timedelta(days=1))
    assert {"closed_at", "root_cause"} <= error.value.message_dict.keys()


def test_imported_history_is_not_detected_after_it_was_closed_or_prevented(make_gap):
    """Blank detection date = today was wrong for history: closed before it was detected
    (negative time-to-close in the ROI figures, opened "today" in the rollups)."""
    closed_at = timezone.now() - timedelta(days=400)
    closed = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old billing system.")
    assert closed.detected_on == closed_at.date()
    assert closed.acknowledge_due_on == closed_at.date() + timedelta(days=5)
    prevented_on = timezone.localdate() - timedelta(days=45)
    prevented = make_gap(
        status=S.PREVENTED, prevented_on=prevented_on, expected_monthly_occurrences=20
    )
    assert prevented.detected_on == prevented_on
    earlier = closed_at.date() - timedelta(days=30)
    given = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old.", detected_on=earlier)
    assert given.detected_on == earlier
    with pytest.raises(ValidationError) as error:
        make_gap(
            status=S.CLOSED,
            closed_at=closed_at,
            root_cause="Old.",
            detected_on=closed_at.date() + timedelta(days=1),
        )
    assert "detected_on" in error.value.message_dict
    year_one = datetime(1, 1, 1, tzinfo=dt_timezone(timedelta(hours=5)))  # not in UTC's range
    with pytest.raises(ValidationError) as error:
        make_gap(status=S.CLOSED, closed_at=year_one, root_cause="Old.")
    assert set(error.value.message_dict) == {"closed_at"}
    year_max = datetime(9999, 12, 31, 23, tzinfo=dt_timezone(timedelta(hours=-5)))
    with pytest.raises(ValidationError) as error:
        make_gap(status=S.CLOSED, closed_at=year_max, root_cause="Old.")
    assert set(error.value.message_dict) == {"closed_at"}
    with pytest.raises(ValidationError) as error:  # nor moved after it by an edit
        services.gap_update(
            gap=given, actor=given.created_by, detected_on=closed_at.date() + timedelta(days=1)
        )
    assert "detected_on" in error.value.message_dict


def test_prevented_gap_needs_expected_occurrences(make_gap):
    with pytest.raises(ValidationError) as error:
        make_gap(status=S.PREVENTED)
    assert "expected_monthly_occurrences" in error.value.message_dict
    gap = make_gap(status=S.PREVENTED, expected_monthly_occurrences=Decimal(12))
    assert gap.prevented_on == timezone.localdate()


def test_role_owner_logs_prevented_gaps_for_own_roles_only(make_gap, owner_user, other_role):
    gap = make_gap(actor=owner_user, status=S.PREVENTED, expected_monthly_occurrences=4)
    assert gap.created_by == owner_user
    with pytest.raises(PermissionDenied):
        make_gap(actor=owner_user)  # an open gap
    with pytest.raises(PermissionDenied):
        make_gap(
            actor=owner_user,
            status=S.PREVENTED,
            expected_monthly_occurrences=4,
            causing_role=other_role,
        )


def test_executive_logs_nothing(make_gap, exec_user):
    with pytest.raises(PermissionDenied):
        make_gap(actor=exec_user)


def test_every_field_change_lands_in_history(gap, cx_user, other_role):
    theme = ThemeFactory(name="Invoice clarity")
    services.gap_update(gap=gap, actor=cx_user, severity=2, causing_role=other_role, themes=[theme])
    gap.refresh_from_db()
    assert gap.causing_team == other_role.team
    assert gap.acknowledge_due_on == gap.detected_on + timedelta(days=20)
    event = gap.events.filter(kind=GapEvent.Kind.UPDATE).get()
    assert event.changes["severity"] == [4, 2]
    assert event.changes["themes"] == [[], ["Invoice clarity"]]
    # The deadlines the new severity moved are changes too.
    day = gap.detected_on
    assert event.changes["acknowledge_due_on"] == [
        str(day + timedelta(days=5)),
        str(day + timedelta(days=20)),
    ]
    assert event.changes["remedy_due_on"] == [
        str(day + timedelta(days=30)),
        str(day + timedelta(days=90)),
    ]
    assert event.actor == cx_user
    # No change, no event.
    services.gap_update(gap=gap, actor=cx_user, severity=2)
    assert gap.events.filter(kind=GapEvent.Kind.UPDATE).count() == 1


def test_role_owner_edits_the_remedy_of_own_gaps_only(gap, owner_user, other_owner):
    services.gap_update(gap=gap, actor=owner_user, remedy_plan="Merge runs.", remedy_progress=40)
    gap.refresh_from_db()
    assert (gap.remedy_plan, gap.remedy_progress) == ("Merge runs.", 40)
    with pytest.raises(PermissionDenied):
        services.gap_update(gap=gap, actor=owner_user, severity=1)
    with pytest.raises(PermissionDenied):  # classifying the gap is the CX team's job
        services.gap_update(gap=gap, actor=owner_user, themes=[ThemeFactory()])
    assert not gap.themes.exists()
    with pytest.raises(PermissionDenied):
        services.gap_update(gap=gap, actor=other_owner, remedy_plan="Not mine.")


def test_archived_gap_is_read_only_and_nothing_deletes_it(gap, cx_user):
    services.gap_transition(gap=gap, to=S.ARCHIVED, actor=cx_user)
    with pytest.raises(ValidationError):
        services.gap_update(gap=gap, actor=cx_user, title="New title")
    assert Gap.objects.filter(pk=gap.pk).exists()
