"""Every write to the organisation: teams, roles (with their owners), touchpoints and themes.

The API, the admin and any form call these functions and nothing else saves an organisation
record, so the rules hold whoever writes:

- only the CX team changes the organisation (``gaps.permissions.check_may_manage_organisation``);
- a role that caused gaps keeps its team (``role_update``): gaps store their ``causing_team``
  beside the role (filters, escalation, rollups), and moving the role would leave them pointing
  at two teams. Create a role in the new team and re-attribute the gaps instead.

History: each save is a line in the audit log (django-auditlog's ``LogEntry``, with the changed
fields and owners) naming ``actor``, also when no request set one (a command, a task).
Validation errors are Django ``ValidationError`` per field (the admin shows them beside the
field, the API answers 400); a refused actor gets ``PermissionDenied`` (403).
"""

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from auditlog.context import auditlog_value, set_actor
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext, gettext_noop

from .models import Role, Team, Theme, Touchpoint
from .permissions import check_may_manage_organisation

Record = TypeVar("Record", bound=models.Model)

ROLE_KEEPS_ITS_TEAM = gettext_noop(
    "Gaps are attributed to this role in its team: create a role in the new team and "
    "re-attribute them instead."
)


@contextlib.contextmanager
def _history_names(actor: User) -> Iterator[None]:
    """Audit log entries written inside name ``actor``, with the request's client address
    when a request is being served. auditlog's ``set_actor`` leaves its own context behind
    when it ends (and unhooks it), so the request's context is put back afterwards: later
    writes of the same request keep their actor and address."""
    previous = auditlog_value.get(None)
    address = previous or {}
    try:
        with set_actor(
            actor, remote_addr=address.get("remote_addr"), remote_port=address.get("remote_port")
        ):
            yield
    finally:
        if previous is not None:
            auditlog_value.set(previous)


def _save(record: Record, *, actor: User, changes: dict[str, Any]) -> Record:
    """Apply ``changes``, validate the whole record, save it (one audit line)."""
    for name, value in changes.items():
        setattr(record, name, value)
    record.full_clean()
    with _history_names(actor):
        record.save()
    return record


def _create(model: type[Record], *, actor: User, fields: dict[str, Any]) -> Record:
    check_may_manage_organisation(actor)
    return _save(model(), actor=actor, changes=fields)


def _update(record: Record, *, actor: User, changes: dict[str, Any]) -> Record:
    check_may_manage_organisation(actor)
    return _save(record, actor=actor, changes=changes)


@transaction.atomic
def team_create(*, actor: User, **fields: Any) -> Team:
    """A new team (name, slug, customer_facing)."""
    return _create(Team, actor=actor, fields=fields)


@transaction.atomic
def team_update(*, team: Team, actor: User, **changes: Any) -> Team:
    return _update(team, actor=actor, changes=changes)


@transaction.atomic
def touchpoint_create(*, actor: User, **fields: Any) -> Touchpoint:
    """A new touchpoint (name, team, channel, cost_per_contact)."""
    return _create(Touchpoint, actor=actor, fields=fields)


@transaction.atomic
def touchpoint_update(*, touchpoint: Touchpoint, actor: User, **changes: Any) -> Touchpoint:
    return _update(touchpoint, actor=actor, changes=changes)


@transaction.atomic
def theme_create(*, actor: User, **fields: Any) -> Theme:
    """A new theme (name, slug)."""
    return _create(Theme, actor=actor, fields=fields)


@transaction.atomic
def theme_update(*, theme: Theme, actor: User, **changes: Any) -> Theme:
    return _update(theme, actor=actor, changes=changes)


def _set_owners(role: Role, owners: Iterable[User] | None, *, actor: User) -> None:
    if owners is None:
        return
    with _history_names(actor):
        role.owners.set(list(owners))


@transaction.atomic
def role_create(*, actor: User, owners: Iterable[User] | None = None, **fields: Any) -> Role:
    """A new role (name, team, level) and the people who own it."""
    role = _create(Role, actor=actor, fields=fields)
    _set_owners(role, owners, actor=actor)
    return role


def check_role_keeps_its_team(*, role: Role, team: Team | None) -> None:
    """Refuse (``ValidationError`` on ``team``) moving ``role``, as saved, to another team
    when gaps are attributed to it. ``role_update`` asks; so may a form before saving."""
    if team is not None and role.pk and team.pk != role.team_id and role.gaps.exists():
        raise ValidationError({"team": gettext(ROLE_KEEPS_ITS_TEAM)})


@transaction.atomic
def role_update(
    *, role: Role, actor: User, owners: Iterable[User] | None = None, **changes: Any
) -> Role:
    """Change a role; ``owners`` (when given) replaces its owners.

    A role that caused gaps keeps its team (the invariant of this module's docstring); the row
    is locked so that a gap attributed meanwhile is seen.
    """
    check_may_manage_organisation(actor)
    locked = Role.objects.select_for_update().get(pk=role.pk)
    check_role_keeps_its_team(role=locked, team=changes.get("team"))
    role = _save(role, actor=actor, changes=changes)
    _set_owners(role, owners, actor=actor)
    return role
