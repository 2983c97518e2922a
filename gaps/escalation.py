"""Overdue gaps climb the causing team's hierarchy: manager, then director, then executive.

A gap is overdue when it is ``open`` past ``acknowledge_due_on`` (reason ``acknowledge``), or
``acknowledged`` / ``in_remedy`` past ``remedy_due_on`` (reason ``remedy``). The hourly job
(``gaps.tasks.escalate_overdue_gaps``) flags it and escalates it one level per *step*:

- level 1 (owners of the team's ``manager`` roles) from the first day late;
- one level up per further step, a step being the acknowledge period of the gap's severity
  (``CXALIGN_ACKNOWLEDGE_DAYS``: 2 days at severity 5 … 30 days at severity 1) — so a severity-5
  gap reaches the director on its 3rd day late and the executives on its 5th;
- a level whose roles nobody owns passes to the next level up that has owners.

Each (gap, level, reason, recipient) is escalated once (a unique constraint) and each level
reached is one ``escalation`` line in the gap's history. Nobody gets mail from here: the
daily digest (one per person per day at most) tells recipients what reached them.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext

from notifications.models import NotificationKind
from notifications.selectors import wants_in_digest
from notifications.services import Draft, notify_many
from webhooks.events import emit_many

from .digests import DigestSection
from .models import Escalation, Gap, GapEvent, Role, acknowledge_late, late_condition
from .permissions import owned_role_ids

LEVEL_ROLE = {
    Escalation.Level.MANAGER: Role.Level.MANAGER,
    Escalation.Level.DIRECTOR: Role.Level.DIRECTOR,
    Escalation.Level.EXECUTIVE: Role.Level.EXECUTIVE,
}


@dataclass(frozen=True)
class EscalationRun:
    """What one run of the job did."""

    flagged: int  # gaps newly flagged overdue
    cleared: int  # gaps no longer overdue (acknowledged, remedied, disputed, moved deadline)
    escalations: int  # Escalation rows created


def overdue_reason(gap: Gap, *, late_on_acknowledge: bool) -> tuple[str, date]:
    """Why a late gap is overdue and the deadline it missed, from the ``late_on_acknowledge``
    flag the job annotates from ``gaps.models.acknowledge_late`` (the rule is not restated).
    A late gap has the deadline it is late on: ``late_condition`` compares it."""
    if late_on_acknowledge:
        reason, due_on = Escalation.Reason.ACKNOWLEDGE, gap.acknowledge_due_on
    else:
        reason, due_on = Escalation.Reason.REMEDY, gap.remedy_due_on
    if due_on is None:
        raise ValueError(f"Gap {gap.pk} is not late: it has no such deadline.")
    return reason, due_on


def escalation_level_due(*, severity: int, due_on: date, today: date) -> int:
    """The level a gap late since ``due_on`` has reached: 1 on its first day late, then one up
    per acknowledge period of its severity, at most executive (3); 0 when not late."""
    days_late = (today - due_on).days
    if days_late < 1:
        return 0
    step = settings.CXALIGN_ACKNOWLEDGE_DAYS.get(severity, 1)
    return min(int(Escalation.Level.EXECUTIVE), 1 + (days_late - 1) // step)


Owner = tuple[int, int, str]  # role id, user id, username


def _owners_by_team_and_level(team_ids: set[int]) -> dict[tuple[int, str], list[Owner]]:
    """(team id, role level) → the active owners of such roles: one query for the run."""
    through = Role.owners.through
    rows = (
        through.objects.filter(
            role__team_id__in=team_ids,
            role__level__in=list(LEVEL_ROLE.values()),
            user__is_active=True,
        )
        .order_by("role__name", "user_id")
        .values_list("role__team_id", "role__level", "role_id", "user_id", "user__username")
    )
    found: dict[tuple[int, str], list[Owner]] = defaultdict(list)
    for team_id, level, role_id, user_id, username in rows:
        found[(team_id, level)].append((role_id, user_id, username))
    return found


def _recipients(owners, team_id: int, level: int) -> list[Owner]:
    """Owners at ``level`` of the team, or at the next level up that has any."""
    for step in range(level, int(Escalation.Level.EXECUTIVE) + 1):
        found = owners.get((team_id, LEVEL_ROLE[Escalation.Level(step)]))
        if found:
            return found
    return []


def _history_note(*, reason: str, due_on: date, level: int, names: list[str]) -> str:
    missed = "Not acknowledged" if reason == Escalation.Reason.ACKNOWLEDGE else "Remedy not done"
    if not names:
        return (
            f"{missed} by {due_on:%d %b %Y}: overdue, with nobody new up the team to escalate to."
        )
    label = Escalation.Level(level).label.lower()
    return f"{missed} by {due_on:%d %b %Y}: escalated to the {label} level ({', '.join(names)})."


@transaction.atomic
def gaps_escalate_overdue(*, now: datetime | None = None) -> EscalationRun:
    """Flag overdue gaps and escalate each to the level its lateness has reached.

    Re-running is harmless: existing escalations are not repeated, and a gap that is no longer
    late loses its flag and starts again from the manager if it becomes late for a new reason.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    late = late_condition(today)
    # Flags set and cleared by the job are changes too: each one is a line in the history.
    no_longer_late = list(
        Gap.objects.filter(Q(overdue=True) | Q(escalation_level__gt=0))
        .exclude(late)
        .values_list("pk", "overdue", "escalation_level")
    )
    cleared = Gap.objects.filter(pk__in=[pk for pk, _, _ in no_longer_late]).update(
        overdue=False, escalation_level=0
    )
    events: list[GapEvent] = [
        GapEvent(
            gap_id=pk,
            kind=GapEvent.Kind.ESCALATION,
            note="No longer overdue.",
            changes={
                name: [old, new]
                for name, old, new in (("overdue", overdue, False), ("escalation_level", level, 0))
                if old != new
            },
            at=now,
        )
        for pk, overdue, level in no_longer_late
    ]
    # Concurrent runs take disjoint gaps; the unique constraint backs that up.
    gaps = list(
        Gap.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(late)
        .annotate(
            late_on_acknowledge=ExpressionWrapper(
                acknowledge_late(today), output_field=BooleanField()
            )
        )
        .order_by("pk")
        .only(
            "pk",
            "title",
            "status",
            "severity",
            "causing_team_id",
            "acknowledge_due_on",
            "remedy_due_on",
            "overdue",
            "escalation_level",
        )
    )
    owners = _owners_by_team_and_level({gap.causing_team_id for gap in gaps})
    done = set(
        Escalation.objects.filter(gap__in=[gap.pk for gap in gaps]).values_list(
            "gap_id", "level", "reason", "recipient_id"
        )
    )
    new_rows: list[Escalation] = []
    updates: dict[tuple[int, bool], list[int]] = defaultdict(list)
    flagged = 0
    for gap in gaps:
        reason, due_on = overdue_reason(
            gap,
            late_on_acknowledge=gap.late_on_acknowledge,
        )
        target = escalation_level_due(severity=gap.severity, due_on=due_on, today=today)
        changes: dict[str, list] = {}
        escalated = False
        previous_level = gap.escalation_level
        if not gap.overdue:
            changes["overdue"] = [False, True]
            flagged += 1
        for level in range(1, target + 1):
            fresh = [
                owner
                for owner in _recipients(owners, gap.causing_team_id, level)
                if (gap.pk, level, reason, owner[1]) not in done
            ]
            if not fresh:
                continue
            new_rows += [
                Escalation(
                    gap=gap,
                    level=level,
                    reason=reason,
                    role_id=role_id,
                    recipient_id=user_id,
                    created_at=now,
                )
                for role_id, user_id, _ in fresh
            ]
            events.append(
                GapEvent(
                    gap=gap,
                    kind=GapEvent.Kind.ESCALATION,
                    note=_history_note(
                        reason=reason,
                        due_on=due_on,
                        level=level,
                        names=[username for _, _, username in fresh],
                    ),
                    changes={**changes, "escalation_level": [previous_level, level]},
                    at=now,
                )
            )
            changes, previous_level, escalated = {}, level, True
        if changes:  # flagged, but nobody up the team's hierarchy to escalate to
            events.append(
                GapEvent(
                    gap=gap,
                    kind=GapEvent.Kind.ESCALATION,
                    note=_history_note(reason=reason, due_on=due_on, level=0, names=[]),
                    changes=changes,
                    at=now,
                )
            )
        if escalated or not gap.overdue or gap.escalation_level != target:
            updates[(target, escalated)].append(gap.pk)
    # One UPDATE per (level, escalated now) pair, not per gap: the run's cost stays flat.
    for (target, escalated), pks in updates.items():
        stamp = {"last_escalated_at": now} if escalated else {}
        Gap.objects.filter(pk__in=pks).update(overdue=True, escalation_level=target, **stamp)
    Escalation.objects.bulk_create(new_rows, ignore_conflicts=True)
    GapEvent.objects.bulk_create(events)
    # One webhook message for the run's escalated gaps, however many.
    emit_many(
        "gap.escalated",
        "gaps.gap",
        [pk for (_, escalated), pks in updates.items() if escalated for pk in pks],
    )
    notify_many(
        Draft(
            recipient_id=row.recipient_id,
            kind=NotificationKind.ESCALATION,
            title=f"Gap #{row.gap.pk} escalated to you "
            f"({row.get_level_display().lower()}): {row.gap.title} — "
            f"{row.get_reason_display().lower()}",
            url=row.gap.get_absolute_url(),
        )
        for row in new_rows
    )
    return EscalationRun(flagged=flagged, cleared=cleared, escalations=len(new_rows))


def escalation_digest_section(
    user: User, since: datetime | None, now: datetime
) -> DigestSection | None:
    """The digest's part for this app: escalations that reached the person since their last
    digest, and gaps of roles they own flagged recurring since then."""
    window = Q(created_at__lte=now) & (Q(created_at__gt=since) if since else Q())
    # Each part only for people who want that kind in their digest (notification preferences).
    escalations = (
        Escalation.objects.filter(window, recipient=user)
        if wants_in_digest(user, NotificationKind.ESCALATION)
        else Escalation.objects.none()
    )
    escalations = escalations.select_related("gap__causing_team").order_by(
        "gap_id", "reason", "-level"
    )
    lines = []
    seen: set[tuple[int, str]] = set()
    for escalation in escalations:
        if (escalation.gap_id, escalation.reason) in seen:
            continue  # only the highest level a gap reached since the last digest
        seen.add((escalation.gap_id, escalation.reason))
        gap = escalation.gap
        lines.append(
            gettext("Escalated to you (%(level)s): #%(id)s %(title)s (%(team)s) — %(reason)s.")
            % {
                "level": escalation.get_level_display().lower(),
                "id": gap.pk,
                "title": gap.title,
                "team": gap.causing_team.name,
                "reason": escalation.get_reason_display().lower(),
            }
            + f" {gap.get_absolute_url()}"
        )
    flagged = Q(recurring_since__lte=now) & (Q(recurring_since__gt=since) if since else Q())
    recurring = (
        Gap.objects.filter(
            flagged,
            recurring=True,
            status=Gap.Status.CLOSED,
            causing_role_id__in=owned_role_ids(user),
        )
        .select_related("causing_role")
        .order_by("pk")
    )
    if not wants_in_digest(user, NotificationKind.RECURRING):
        recurring = recurring.none()
    lines += [
        gettext("Recurring since it was closed: #%(id)s %(title)s (%(role)s).")
        % {"id": gap.pk, "title": gap.title, "role": gap.causing_role.name}
        + f" {gap.get_absolute_url()}"
        for gap in recurring
    ]
    if not lines:
        return None
    return DigestSection(title=gettext("Overdue and recurring gaps"), lines=lines, count=len(lines))
