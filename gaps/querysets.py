"""Who reads which gaps, occurrences and organisation records: ``for_user`` per model.

The rules are ``gaps.permissions``'; these querysets apply them, and ``cxalign.scoping``
applies these to every API view and page. Loading (joins, prefetches) stays with the
selectors: a scope says which rows, not how much of them to read.
"""

from typing import Any, Self

from django.contrib.auth.models import AnonymousUser, User

from cxalign.querysets import CHANGE, VIEW, ScopedQuerySet

from . import permissions


class OrganisationQuerySet(ScopedQuerySet):
    """Teams, roles, touchpoints, themes: members read them all; the CX team changes them."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        allowed = (
            permissions.may_manage_organisation(user)
            if action == CHANGE
            else permissions.may_view_organisation(user)
        )
        return self.all() if allowed else self.none()


class GapQuerySet(ScopedQuerySet):
    """Members read every gap; the CX team changes every gap, role owners their roles' gaps."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        if not permissions.may_view_gaps(user):
            return self.none()
        if action == VIEW or permissions.is_cx_team(user):
            return self.all()
        if permissions.is_role_owner(user):
            return self.filter(causing_role_id__in=permissions.owned_role_ids(user))
        return self.none()


class OccurrenceQuerySet(ScopedQuerySet):
    """Occurrences of the gaps one reads; nobody changes them (they are pushed, not edited)."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        if action == CHANGE or not permissions.may_view_gaps(user):
            return self.none()
        return self.all()
