"""Who may read and write change reviews: the one place each rule is written.

Reads: the CX team (the review queue) and executives (read-only) see every review, a role
owner the reviews of roles they own, nobody else any (``reviews.querysets``). Writes: only an
owner of the review's role drafts, assesses and decides it (``check_may_write_review``, called
by ``reviews.services``); pages ask ``may_write_review`` which buttons to show.
"""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from gaps import permissions

if TYPE_CHECKING:
    from gaps.models import Role


def sees_all_reviews(user: User | AnonymousUser) -> bool:
    """The CX team (the review queue) and executives (read-only) see every review."""
    return permissions.is_cx_team(user) or permissions.is_executive(user)


def may_write_review(user: User | AnonymousUser, role_id: int | None = None) -> bool:
    """Whether ``user`` owns the role ``role_id``; without one, whether they own any role
    (and so may draft a review)."""
    if not permissions.is_role_owner(user):
        return False
    owned = permissions.owned_role_ids(user)
    return bool(owned) if role_id is None else role_id in owned


def check_may_write_review(actor: User, role: "Role | None") -> None:
    """Refuse anyone but an owner of ``role``; a review without a role is a field error."""
    if role is None:
        raise ValidationError({"role": gettext("Say which of your roles makes the change.")})
    if not may_write_review(actor, role.pk):
        raise PermissionDenied(gettext("Only an owner of the review's role may do this."))
