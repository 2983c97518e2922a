"""Every write to a gap: create, edit, transition, archive. Each records a ``GapEvent``.

Pages, the API, CSV import, Celery tasks and ``seed_demo`` all call these functions; nothing
else writes a gap. Validation errors are Django ``ValidationError`` with per-field messages
(forms show them beside the field, the API answers 400); a forbidden actor gets
``PermissionDenied`` (403).
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from webhooks.events import emit

from . import permissions, transitions
from .models import Gap, GapEvent, Role, Theme
from .models.gaps import GapStatus as S

# Fields the edit service accepts; status moves go through gap_transition only.
EDITABLE = frozenset(
    {
        "title",
        "expectation",
        "delivery",
        "category",
        "origin",
        "touchpoint",
        "causing_role",
        "severity",
        "detected_on",
        "journey_stage",
        "cost_to_serve",
        "revenue_at_risk",
        "expected_monthly_occurrences",
        "remedy_cost",
        "root_cause",
        "remedy_plan",
        "remedy_owner",
        "remedy_due_on",
        "remedy_progress",
    }
)
CREATABLE_STATUSES = (S.OPEN, S.PREVENTED, S.CLOSED)
# Dates before this are typing mistakes, not history (and would overflow date arithmetic).
EARLIEST_DATE = date(1970, 1, 1)
# A remedy planned further ahead than this is a typing mistake (9999 overflowed date arithmetic
# downstream); one in the past is allowed back to EARLIEST_DATE, as imported history has them.
REMEDY_DUE_MAX_YEARS_AHEAD = 10


def remedy_due_errors(due_on: date | None, *, today: date) -> dict[str, str]:
    """A remedy due date given by a person or a file lies between 1970 and ten years ahead."""
    if due_on is None:
        return {}
    try:
        latest = today.replace(year=today.year + REMEDY_DUE_MAX_YEARS_AHEAD)
    except ValueError:  # 29 February, in a year that has none
        latest = today.replace(year=today.year + REMEDY_DUE_MAX_YEARS_AHEAD, day=28)
    if not EARLIEST_DATE <= due_on <= latest:
        return {
            "remedy_due_on": (
                f"Give a date from {EARLIEST_DATE:%Y} up to {REMEDY_DUE_MAX_YEARS_AHEAD} years "
                f"ahead ({latest:%Y-%m-%d})."
            )
        }
    return {}


def _date_errors(gap: Gap, *, today: date) -> dict[str, str]:
    """Detection, prevention and closing happened between ``EARLIEST_DATE`` and today."""
    errors = {}
    if gap.detected_on and not EARLIEST_DATE <= gap.detected_on <= today:
        errors["detected_on"] = f"Give a date from {EARLIEST_DATE:%Y} up to today."
    if gap.prevented_on and gap.prevented_on < EARLIEST_DATE:
        errors["prevented_on"] = f"Give a date from {EARLIEST_DATE:%Y} on."
    if gap.closed_at and gap.closed_at.date() < EARLIEST_DATE:
        errors["closed_at"] = f"Give a date from {EARLIEST_DATE:%Y} on."
    elif (
        gap.closed_at
        and gap.detected_on
        and gap.closed_at <= timezone.now()  # a future one is refused; 9999 would overflow here
        and gap.detected_on > timezone.localdate(gap.closed_at)
    ):
        errors.setdefault("detected_on", "A gap cannot be detected after it was closed.")
    return errors


def deadlines_for(*, severity: int, detected_on: date) -> tuple[date, date]:
    """Acknowledge-by and remedy-by dates: the more severe, the sooner."""
    return (
        detected_on + timedelta(days=settings.CXALIGN_ACKNOWLEDGE_DAYS[severity]),
        detected_on + timedelta(days=settings.CXALIGN_REMEDY_DAYS[severity]),
    )


def _record(
    gap: Gap,
    *,
    kind: str,
    actor: User | None,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    changes: dict | None = None,
) -> GapEvent:
    return GapEvent.objects.create(
        gap=gap,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        from_status=from_status,
        to_status=to_status,
        changes=changes or {},
    )


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the history (people by their names)."""
    if isinstance(value, User):
        return value.get_full_name() or value.get_username()
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    return value


DEADLINES = ("acknowledge_due_on", "remedy_due_on")


def _apply_deadlines(
    gap: Gap, *, remedy_due_given: bool, start: date | None = None
) -> dict[str, list]:
    """Set the deadlines from severity, counted from ``start`` (default: the detection date).

    Returns the deadlines that moved as ``{"field": [old, new]}`` for the history.
    """
    before = {name: getattr(gap, name) for name in DEADLINES}
    acknowledge_by, remedy_by = deadlines_for(
        severity=gap.severity, detected_on=start or gap.detected_on
    )
    gap.acknowledge_due_on = acknowledge_by
    if not remedy_due_given:
        gap.remedy_due_on = remedy_by
    return {
        name: [_plain(old), _plain(getattr(gap, name))]
        for name, old in before.items()
        if old != getattr(gap, name)
    }


@transaction.atomic
def gap_create(
    *,
    actor: User,
    status: str = S.OPEN,
    themes: Iterable[Theme] = (),
    closed_at: datetime | None = None,
    prevented_on: date | None = None,
    **fields: Any,
) -> Gap:
    """Log a gap: open by default, or already prevented or closed (history being imported).

    Required: title, expectation, delivery, category, causing_role, severity. A prevented gap
    needs ``expected_monthly_occurrences`` (``prevented_on`` defaults to today); a closed one
    needs a past ``closed_at`` and a ``root_cause``.
    """
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError(
            {name: gettext("This field cannot be set here.") for name in sorted(unknown)}
        )
    causing_role = fields.get("causing_role")
    permissions.check_may_create_gap(actor, status=status, causing_role=causing_role)
    if status not in CREATABLE_STATUSES:
        raise ValidationError(
            {
                "status": gettext("A new gap is open, prevented or closed, not “%(status)s”.")
                % {"status": status}
            }
        )
    gap = Gap(status=status, created_by=actor if actor.is_authenticated else None, **fields)
    if causing_role is not None:
        gap.causing_team_id = causing_role.team_id
    errors: dict[str, str] = {}
    now = timezone.now()
    if status == S.PREVENTED:
        gap.prevented_on = prevented_on or timezone.localdate(now)
        if gap.prevented_on > timezone.localdate(now):
            errors["prevented_on"] = "A gap cannot have been prevented in the future."
        if "detected_on" not in fields and gap.prevented_on >= EARLIEST_DATE:
            gap.detected_on = min(gap.detected_on, gap.prevented_on)
        if gap.expected_monthly_occurrences is None:
            errors["expected_monthly_occurrences"] = (
                "Say how many times a month customers would have met this gap."
            )
    if status == S.CLOSED:
        if closed_at is None:
            errors["closed_at"] = "A closed gap needs the date and time it was closed."
        elif closed_at > now:
            errors["closed_at"] = "The closing time cannot be in the future."
        if not (fields.get("root_cause") or "").strip():
            errors["root_cause"] = "Say what caused the gap before closing it."
        gap.closed_at = closed_at
        # Before EARLIEST_DATE it is an error below (and the year 1 cannot shift time zones).
        if (
            closed_at is not None
            and "closed_at" not in errors
            and closed_at.date() >= EARLIEST_DATE
        ):
            closed_on = timezone.localdate(closed_at)
            if "detected_on" not in fields and closed_on >= EARLIEST_DATE:
                # Imported history: found no later than it was closed, not "today".
                gap.detected_on = min(gap.detected_on, closed_on)
    today = timezone.localdate(now)
    errors = {
        **_date_errors(gap, today=today),
        **remedy_due_errors(fields.get("remedy_due_on"), today=today),
        **errors,
    }
    if errors:
        raise ValidationError(errors)
    if gap.severity in settings.CXALIGN_ACKNOWLEDGE_DAYS and gap.detected_on:
        _apply_deadlines(gap, remedy_due_given=fields.get("remedy_due_on") is not None)
    gap.full_clean()
    gap.save()
    themes = list(themes)
    if themes:
        gap.themes.set(themes)
    _record(gap, kind=GapEvent.Kind.CREATED, actor=actor, to_status=status)
    emit("gap.created", gap)
    return gap


@transaction.atomic
def gap_update(
    *, gap: Gap, actor: User, themes: Iterable[Theme] | None = None, **changes: Any
) -> Gap:
    """Change a gap's fields; the history records each field's old and new value.

    Changing the causing role moves the gap to that role's team; changing severity or the
    detection date recomputes the deadlines. Archived gaps are read-only until restored.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(
            {name: gettext("This field cannot be changed here.") for name in unknown}
        )
    permissions.check_may_edit_gap(
        actor, gap, [*changes, *(["themes"] if themes is not None else [])]
    )
    gap = Gap.objects.select_for_update().get(pk=gap.pk)
    if gap.status == S.ARCHIVED:
        raise ValidationError(
            {"status": gettext("An archived gap is read-only; restore it first.")}
        )
    diff: dict[str, list] = {}
    for name, value in changes.items():
        old = getattr(gap, name)
        if old != value:
            diff[name] = [_plain(old), _plain(value)]
            setattr(gap, name, value)
    if "causing_role" in diff:
        gap.causing_team_id = gap.causing_role.team_id
    today = timezone.localdate()
    errors = _date_errors(gap, today=today)
    if "remedy_due_on" in diff:
        errors.update(remedy_due_errors(gap.remedy_due_on, today=today))
    if errors:
        raise ValidationError(errors)
    if {"severity", "detected_on"} & diff.keys():
        moved = _apply_deadlines(gap, remedy_due_given="remedy_due_on" in changes)
        diff.update({name: change for name, change in moved.items() if name not in diff})
    if themes is not None:
        themes = list(themes)
        before = sorted(gap.themes.values_list("name", flat=True))
        after = sorted(theme.name for theme in themes)
        if before != after:
            diff["themes"] = [before, after]
    if not diff:
        return gap
    gap.full_clean()
    gap.save()
    if themes is not None and "themes" in diff:
        gap.themes.set(themes)
    _record(gap, kind=GapEvent.Kind.UPDATE, actor=actor, changes=diff)
    return gap


@transaction.atomic
def gap_transition(
    *,
    gap: Gap,
    to: str,
    actor: User,
    note: str = "",
    root_cause: str | None = None,
    causing_role: Role | None = None,
) -> Gap:
    """Move a gap to status ``to`` if the table allows it and ``actor`` may make the move.

    Closing needs a root cause (given here or already on the gap) and stamps ``closed_at``;
    disputing needs a reason (the note); re-attributing a disputed gap may name a new
    ``causing_role``; reopening a closed gap clears its closing and recurring flag.

    The move is judged on the gap as it is once locked, not as the caller read it: when
    another change got there first and the move no longer applies, ``MoveConflict`` (409 in
    the API, a form error on pages) says what the gap is now.
    """
    seen = gap
    # Lock the gap row alone, with no join: under FOR UPDATE PostgreSQL re-checks a joined row
    # against the version committed by a concurrent writer, and a re-attribution (new causing
    # role) made the joined query return nothing (Gap.DoesNotExist, a 500). Relations are read
    # after the lock, from the state the lock protects.
    gap = Gap.objects.select_for_update(of=("self",)).get(pk=gap.pk)
    source = gap.status
    changed_meanwhile = (seen.status, seen.causing_role_id) != (source, gap.causing_role_id)
    if not permissions.may_change_gap(actor, gap):
        if changed_meanwhile and permissions.acts_as_owner(actor, seen):
            raise transitions.MoveConflict.gap_changed(gap)
        # Someone else's gap: refused whatever the move, not told the move is illegal.
        raise PermissionDenied(_("You may not change this gap."))
    if to not in S.values:
        raise ValidationError({"to": f"{to!r} is not a gap status."})
    move = transitions.find_move(source, to)
    if move is None:
        if changed_meanwhile:
            raise transitions.MoveConflict.gap_changed(gap)
        raise ValidationError(
            {
                "to": gettext("A gap cannot go from %(source)s to %(target)s.")
                % {"source": S(source).label.lower(), "target": S(to).label.lower()}
            }
        )
    if not transitions.may_make(actor, gap, move):
        if changed_meanwhile:
            raise transitions.MoveConflict.gap_changed(gap)
        raise PermissionDenied(_("You may not make this change to this gap."))
    note = (note or "").strip()
    if move.needs_note and not note:
        raise ValidationError({"note": f"Give {move.needs_note}."})
    now = timezone.now()
    changes: dict[str, list] = {}
    if move.needs_root_cause:
        cause = (root_cause if root_cause is not None else gap.root_cause).strip()
        if not cause:
            raise ValidationError(
                {"root_cause": gettext("Say what caused the gap before closing it.")}
            )
        if cause != gap.root_cause:
            changes["root_cause"] = [gap.root_cause, cause]
        gap.root_cause = cause
    if causing_role is not None and causing_role.pk != gap.causing_role_id:
        if to != S.OPEN or source != S.DISPUTED:
            raise ValidationError(
                {
                    "causing_role": gettext(
                        "The causing role changes only when a dispute is resolved."
                    )
                }
            )
        changes["causing_role"] = [str(gap.causing_role), str(causing_role)]
        gap.causing_role = causing_role
        gap.causing_team_id = causing_role.team_id

    if to == S.ACKNOWLEDGED and gap.acknowledged_at is None:
        gap.acknowledged_at = now
    if to == S.DISPUTED:
        gap.dispute_reason = note
    if to in (S.ACKNOWLEDGED, S.CLOSED, S.ARCHIVED):
        gap.overdue = False
    if to == S.CLOSED:
        gap.closed_at = now
        gap.remedy_progress = 100
        gap.recurring = False
        gap.recurring_since = None
    if source == S.CLOSED and to == S.OPEN:
        gap.closed_at = None
        gap.recurring = False
        gap.recurring_since = None
    if source == S.DISPUTED and to == S.OPEN:
        gap.dispute_reason = ""
        gap.acknowledged_at = None
    if to == S.OPEN:
        # Reopened, re-attributed or restored: the causing role gets a fresh acknowledge period
        # (the old deadlines are long past and would escalate it straight to the executives).
        changes.update(_apply_deadlines(gap, remedy_due_given=False, start=timezone.localdate(now)))
    gap.status = to
    gap.full_clean()
    gap.save()
    _record(
        gap,
        kind=GapEvent.Kind.TRANSITION,
        actor=actor,
        note=note,
        from_status=source,
        to_status=to,
        changes=changes,
    )
    emit("gap.status_changed", gap)
    return gap
