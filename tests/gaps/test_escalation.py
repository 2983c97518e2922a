"""Deadlines and escalation: overdue flags, the climb up the hierarchy, the digest."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from gaps import services
from gaps.digests import digests_send
from gaps.escalation import escalation_level_due, gaps_escalate_overdue
from gaps.models import Escalation, Gap, GapEvent, Role
from gaps.models.gaps import GapStatus as S
from gaps.occurrences import gap_check_recurring
from gaps.permissions import ROLE_OWNER
from gaps.tasks import escalate_overdue_gaps
from notifications.models import Notification, NotificationKind
from tests.factories import OccurrenceFactory, RoleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def director(billing):
    user = UserFactory(username="dora", groups=[ROLE_OWNER])
    RoleFactory(name="Billing Director", team=billing, level=Role.Level.DIRECTOR, owners=[user])
    return user


@pytest.fixture
def chief(billing):
    user = UserFactory(username="cfo", groups=[ROLE_OWNER])
    RoleFactory(name="CFO", team=billing, level=Role.Level.EXECUTIVE, owners=[user])
    return user


@pytest.fixture
def late_gap(make_gap, director, chief):
    """Severity 4 (5 days to acknowledge, so a step of 5 days), acknowledge-by yesterday."""
    return make_gap(severity=4, detected_on=timezone.localdate() - 6 * DAY)


def recipients(gap, level):
    return set(
        Escalation.objects.filter(gap=gap, level=level).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.mark.parametrize(
    ("severity", "days_late", "level"),
    [
        (5, 0, 0),
        (5, 1, 1),
        (5, 2, 1),
        (5, 3, 2),
        (5, 4, 2),
        (5, 5, 3),
        (5, 60, 3),
        (1, 30, 1),
        (1, 31, 2),
        (1, 61, 3),
    ],
)
def test_one_level_up_per_acknowledge_period_of_the_severity(severity, days_late, level):
    today = timezone.localdate()
    assert escalation_level_due(severity=severity, due_on=today - days_late * DAY, today=today) == (
        level
    )


def test_climbs_manager_then_director_then_executive_without_repeating(late_gap, owner_user):
    now = timezone.now()
    first = gaps_escalate_overdue(now=now)
    assert (first.flagged, first.escalations) == (1, 1)
    late_gap.refresh_from_db()
    assert (late_gap.overdue, late_gap.escalation_level) == (True, 1)
    assert late_gap.last_escalated_at == now
    assert recipients(late_gap, 1) == {"oskar"}

    # Hourly re-runs the same day change nothing: no new rows, no new history.
    again = gaps_escalate_overdue(now=now + timedelta(hours=1))
    assert (again.flagged, again.escalations) == (0, 0)
    assert late_gap.events.filter(kind=GapEvent.Kind.ESCALATION).count() == 1

    gaps_escalate_overdue(now=now + 4 * DAY)  # 5 days late: still the manager's step
    assert not recipients(late_gap, 2)
    gaps_escalate_overdue(now=now + 5 * DAY)  # 6 days late: the director
    assert recipients(late_gap, 2) == {"dora"}
    gaps_escalate_overdue(now=now + 10 * DAY)  # 11 days late: the executives
    assert recipients(late_gap, 3) == {"cfo"}
    late_gap.refresh_from_db()
    assert late_gap.escalation_level == 3

    notes = list(
        late_gap.events.filter(kind=GapEvent.Kind.ESCALATION).values_list("note", "changes")
    )
    assert [changes["escalation_level"] for _, changes in notes] == [[0, 1], [1, 2], [2, 3]]
    assert notes[0][1]["overdue"] == [False, True]
    assert "Not acknowledged by" in notes[0][0]
    assert "manager level (oskar)" in notes[0][0]
    assert "executive level (cfo)" in notes[2][0]
    assert Escalation.objects.count() == 3


def test_a_level_nobody_owns_passes_to_the_next_one_up(late_gap, chief):
    Role.objects.filter(level=Role.Level.DIRECTOR).delete()
    gaps_escalate_overdue(now=timezone.now() + 5 * DAY)
    assert recipients(late_gap, 1) == {"oskar"}
    assert recipients(late_gap, 2) == {"cfo"}
    assert Escalation.objects.get(gap=late_gap, level=2).role.name == "CFO"


def test_gaps_on_time_or_of_other_statuses_are_left_alone(make_gap, director, cx_user):
    on_time = make_gap(severity=4)
    disputed = make_gap(severity=4, detected_on=timezone.localdate() - 20 * DAY)
    services.gap_transition(gap=disputed, to=S.DISPUTED, actor=cx_user, note="Not ours.")
    run = gaps_escalate_overdue()
    assert (run.flagged, run.escalations) == (0, 0)
    assert not Gap.objects.filter(pk__in=[on_time.pk, disputed.pk], overdue=True).exists()


def test_acknowledging_clears_the_flag_and_a_late_remedy_starts_again_at_the_manager(
    late_gap, owner_user
):
    now = timezone.now()
    gaps_escalate_overdue(now=now + 5 * DAY)
    services.gap_transition(gap=late_gap, to=S.ACKNOWLEDGED, actor=owner_user)
    run = gaps_escalate_overdue(now=now + 5 * DAY)
    late_gap.refresh_from_db()
    assert (run.escalations, late_gap.overdue, late_gap.escalation_level) == (0, False, 0)

    # Severity 4: remedy due 30 days after detection (24 days from now).
    run = gaps_escalate_overdue(now=now + 25 * DAY)
    assert run.flagged == 1
    remedy = Escalation.objects.filter(reason=Escalation.Reason.REMEDY)
    assert list(remedy.values_list("level", "recipient__username")) == [(1, "oskar")]
    assert "Remedy not done by" in late_gap.events.filter(kind="escalation").last().note


def test_moving_the_deadline_clears_the_flag(late_gap, cx_user):
    gaps_escalate_overdue()
    services.gap_update(gap=late_gap, actor=cx_user, detected_on=timezone.localdate())
    run = gaps_escalate_overdue()
    late_gap.refresh_from_db()
    assert (run.cleared, late_gap.overdue) == (1, False)
    cleared = late_gap.events.filter(kind=GapEvent.Kind.ESCALATION).latest("id")
    assert cleared.note == "No longer overdue."
    assert cleared.changes == {"overdue": [True, False], "escalation_level": [1, 0]}


def test_flagged_overdue_with_nobody_to_escalate_to_is_in_the_history(make_gap):
    """A team without manager, director or executive owners: the flag still has a line."""
    clerk = RoleFactory(
        team=TeamFactory(name="Legal"), level=Role.Level.INDIVIDUAL_CONTRIBUTOR, owners=[]
    )
    gap = make_gap(severity=4, detected_on=timezone.localdate() - 6 * DAY, causing_role=clerk)
    run = gaps_escalate_overdue()
    assert (run.flagged, run.escalations) == (1, 0)
    event = gap.events.get(kind=GapEvent.Kind.ESCALATION)
    assert event.changes == {"overdue": [False, True]}
    assert "nobody new up the team" in event.note
    gaps_escalate_overdue()  # already flagged: nothing new to say
    assert gap.events.filter(kind=GapEvent.Kind.ESCALATION).count() == 1


def test_the_run_costs_the_same_queries_for_many_gaps(
    make_gap, director, chief, django_assert_max_num_queries
):
    past = timezone.localdate() - 6 * DAY
    make_gap(severity=4, detected_on=past)
    # The recipients' notifications add two: their preferences, one insert.
    with django_assert_max_num_queries(12):
        assert gaps_escalate_overdue().escalations == 1
    for _ in range(12):
        make_gap(severity=4, detected_on=past)
    with django_assert_max_num_queries(12):
        assert gaps_escalate_overdue().escalations == 12


def test_the_beat_task_runs_the_job(late_gap):
    assert escalate_overdue_gaps.delay().get() == 1
    assert Escalation.objects.filter(gap=late_gap).count() == 1


def test_the_job_on_a_real_worker(celery_worker, make_gap, director, chief):
    gap = make_gap(severity=5, detected_on=timezone.localdate() - 40 * DAY)
    # 38 days late at severity 5: manager, director and executives in one catch-up run.
    assert escalate_overdue_gaps.delay().get(timeout=30) == 3
    assert set(Escalation.objects.filter(gap=gap).values_list("level", flat=True)) == {1, 2, 3}


# --- The digest ---------------------------------------------------------------------------


def test_one_digest_a_day_and_none_when_nothing_is_new(late_gap, owner_user, make_gap):
    today = timezone.localdate()
    gaps_escalate_overdue()
    assert digests_send(day=today) == 1
    [message] = mail.outbox
    assert message.to == ["oskar@example.com"]
    assert "Overdue and recurring gaps" in message.body
    assert f"Escalated to you (manager): #{late_gap.pk} Invoices arrive in three parts" in (
        message.body
    )
    assert f"/gaps/{late_gap.pk}/" in message.body

    # A second run the same day sends nothing, even with something new.
    make_gap(title="Refunds take six weeks", severity=4, detected_on=today - 6 * DAY)
    gaps_escalate_overdue()
    assert digests_send(day=today) == 0
    assert len(mail.outbox) == 1

    # Next day: only what is new since the last digest.
    assert digests_send(day=today + DAY) == 1
    assert "Refunds take six weeks" in mail.outbox[1].body
    assert "Invoices arrive in three parts" not in mail.outbox[1].body

    # The day after, nothing new: no mail at all.
    assert digests_send(day=today + 2 * DAY) == 0
    assert len(mail.outbox) == 2


def test_the_digest_tells_owners_of_recurring_gaps(make_gap, owner_user, touchpoint):
    closed_at = timezone.now() - 30 * DAY
    gap = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old billing run.")
    for days in range(1, 10):  # 9 in the 90 days before: 3 a month
        OccurrenceFactory(gap=gap, occurred_at=closed_at - days * DAY)
    for days in range(1, 6):  # 5 in the 30 days since: 5 a month
        OccurrenceFactory(gap=gap, occurred_at=closed_at + days * DAY)
    assert gap_check_recurring(gap=gap)
    assert digests_send() == 1
    assert f"Recurring since it was closed: #{gap.pk}" in mail.outbox[0].body


def test_people_with_nothing_to_hear_get_no_digest(make_gap, other_owner):
    make_gap(severity=4)  # on time
    assert digests_send() == 0
    assert mail.outbox == []


def test_escalations_stay_in_the_causing_team(late_gap, other_role):
    # other_role is the Logistics manager: another team's manager hears nothing of Billing's gap.
    gaps_escalate_overdue()
    digests_send()
    assert [m.to for m in mail.outbox] == [["oskar@example.com"]]
    assert not Escalation.objects.filter(recipient__username="olga").exists()


@pytest.mark.parametrize("source", [S.CLOSED, S.DISPUTED, S.ARCHIVED])
def test_a_reopened_gap_gets_fresh_deadlines_not_an_instant_escalation(
    source, make_gap, cx_user, director, chief
):
    """Long-past deadlines of a gap reopened, re-attributed or restored would escalate it to
    the executives on the next run: the clock restarts on the day it is open again."""
    gap = make_gap(severity=4, detected_on=timezone.localdate() - 60 * DAY)
    services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=cx_user)
    if source == S.DISPUTED:
        services.gap_transition(gap=gap, to=S.DISPUTED, actor=cx_user, note="Not ours.")
    else:
        services.gap_transition(gap=gap, to=S.CLOSED, actor=cx_user, root_cause="Old system.")
    if source == S.ARCHIVED:
        services.gap_transition(gap=gap, to=S.ARCHIVED, actor=cx_user)
    gap = services.gap_transition(gap=gap, to=S.OPEN, actor=cx_user, note="Back again.")
    today = timezone.localdate()
    assert gap.acknowledge_due_on == today + 5 * DAY
    assert gap.remedy_due_on == today + 30 * DAY
    event = gap.events.filter(kind=GapEvent.Kind.TRANSITION).latest("id")
    assert event.changes["acknowledge_due_on"][1] == str(today + 5 * DAY)
    assert gaps_escalate_overdue().escalations == 0
    gap.refresh_from_db()
    assert (gap.overdue, gap.escalation_level) == (False, 0)


def test_escalations_and_recurring_flags_reach_the_bell(make_gap, late_gap, owner_user):
    gaps_escalate_overdue()
    gaps_escalate_overdue()  # nothing new: nobody told twice
    told = Notification.objects.filter(kind=NotificationKind.ESCALATION)
    assert set(told.values_list("recipient__username", flat=True)) == recipients(late_gap, 1)
    assert told.count() == Escalation.objects.count()
    assert all(n.url == late_gap.get_absolute_url() for n in told)

    closed_at = timezone.now() - 30 * DAY
    gap = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old billing run.")
    for days in range(1, 10):
        OccurrenceFactory(gap=gap, occurred_at=closed_at - days * DAY)
    for days in range(1, 6):
        OccurrenceFactory(gap=gap, occurred_at=closed_at + days * DAY)
    assert gap_check_recurring(gap=gap)
    recurring = Notification.objects.get(kind=NotificationKind.RECURRING)
    assert recurring.recipient == owner_user
    assert f"Gap #{gap.pk} is recurring" in recurring.title
