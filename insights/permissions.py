"""Who may read and change insights, routing rules and feed items: the one place each rule is
written. Querysets (``insights.querysets``) apply the reads, the services
(``insights.services``) call the ``check_may_*`` functions before they write, and pages, the
API and the navigation ask the ``can_*`` answers; none of them restates a rule.

Object rules read group membership (as ``gaps.permissions`` does), not model permissions: the
groups' model permissions (migration 0002) are the coarse layer beneath, for the admin.

``actor=None`` in a service is the system itself (the demo data, the routing worker): code,
not a person, and not refused.
"""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_noop

from gaps import permissions

if TYPE_CHECKING:
    from .models import FeedItem

READ_ONLY = gettext_noop("You may read this, but not change it.")


def can_read_all_insights(user: User | AnonymousUser) -> bool:
    """The CX team, executives and integrations read every insight, drafts included."""
    return (
        permissions.is_cx_team(user)
        or permissions.is_executive(user)
        or permissions.is_integration(user)
    )


def can_read_insights(user: User | AnonymousUser) -> bool:
    """Whoever reads insights at all: the above, and role owners (their feeds' insights)."""
    return can_read_all_insights(user) or permissions.is_role_owner(user)


def can_write_insights(user: User | AnonymousUser) -> bool:
    """The CX team writes, publishes and archives; integrations push and publish too."""
    return permissions.is_cx_team(user) or permissions.is_integration(user)


def can_work_feeds(user: User | AnonymousUser) -> bool:
    """Who may change the state of items in the feeds they own: role owners (and the CX team).

    Executives read their roles' feeds but never write, as everywhere else (DESIGN.md).
    """
    return permissions.is_role_owner(user) or permissions.is_cx_team(user)


def can_view_rules(user: User | AnonymousUser) -> bool:
    return permissions.is_cx_team(user) or permissions.is_executive(user)


def can_manage_rules(user: User | AnonymousUser) -> bool:
    return permissions.is_cx_team(user)


def check_may_write_insights(actor: User | None) -> None:
    """Create, change, publish, archive: refused (``PermissionDenied``) to all but writers."""
    if actor is not None and not can_write_insights(actor):
        raise PermissionDenied(gettext(READ_ONLY))


def check_may_manage_rules(actor: User | None) -> None:
    if actor is not None and not can_manage_rules(actor):
        raise PermissionDenied(gettext(READ_ONLY))


def check_may_work_feed_item(actor: User | None, item: "FeedItem") -> None:
    """A feed item's state is changed by an owner of its role (or the CX team)."""
    if actor is None or permissions.is_cx_team(actor):
        return
    if not (can_work_feeds(actor) and item.role_id in permissions.owned_role_ids(actor)):
        raise PermissionDenied(gettext(READ_ONLY))
