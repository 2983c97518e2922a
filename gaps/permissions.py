"""Who may do what with gaps and the organisation: the one place each rule is written.

The four groups of DESIGN.md and the roles a person owns decide. Two kinds of rule live here:

- *reads* (``may_view_*``), which the querysets' ``for_user`` apply (``gaps.querysets``), so
  that lists, details, pages and the API share one scope (outside it: 404);
- *writes* (``may_*`` answers for buttons and links, ``check_may_*`` for the services), which
  ``gaps.services`` and ``gaps.org_services`` call before they change anything. A refusal is
  Django's ``PermissionDenied`` with the reason: pages answer it with a 403 page, the API with
  a JSON 403 (DRF translates it), the CSV import with a row error. Views and API permission
  classes never restate a rule; they ask these functions.

The group names are a contract (data migration, demo data, tests).
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

if TYPE_CHECKING:
    from .models import Gap, Role

CX_TEAM = "cx_team"
ROLE_OWNER = "role_owner"
EXECUTIVE = "executive"
INTEGRATION = "integration"
GROUPS = (CX_TEAM, ROLE_OWNER, EXECUTIVE, INTEGRATION)

# What a role owner may edit on gaps of roles they own: the remedy, not the attribution.
OWNER_EDITABLE = frozenset(
    {"remedy_plan", "remedy_owner", "remedy_due_on", "remedy_progress", "root_cause", "remedy_cost"}
)


def group_names(user: User | AnonymousUser) -> frozenset[str]:
    """The user's group names, read once per user object (one query, then cached on it)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cxalign_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._cxalign_group_names = cached  # type: ignore[attr-defined]  # cache on the user
    return cached


def is_cx_team(user: User | AnonymousUser) -> bool:
    """CX team members, and superusers, may change everything a user can reach."""
    return bool(user.is_authenticated and (user.is_superuser or CX_TEAM in group_names(user)))


def is_role_owner(user: User | AnonymousUser) -> bool:
    return ROLE_OWNER in group_names(user)


def is_executive(user: User | AnonymousUser) -> bool:
    return EXECUTIVE in group_names(user)


def is_integration(user: User | AnonymousUser) -> bool:
    return INTEGRATION in group_names(user)


def owned_role_ids(user: User | AnonymousUser) -> frozenset[int]:
    """Ids of the roles the user owns (one query, then cached on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cxalign_owned_role_ids", None)
    if cached is None:
        cached = frozenset(user.owned_roles.values_list("id", flat=True))
        user._cxalign_owned_role_ids = cached  # type: ignore[attr-defined]  # cache on the user
    return cached


# --- Reads ------------------------------------------------------------------------------------


def is_member(user: User | AnonymousUser) -> bool:
    """Signed in and in a group (or a superuser): a member of the company's cxalign.

    Accountability is public inside the company: members read every gap, its occurrences and
    the organisation (teams, roles with their owners, touchpoints, themes). A signed-in
    account in no group (a fresh single-sign-on account, a token of one) reads none of it.
    """
    return bool(user.is_authenticated and (user.is_superuser or group_names(user)))


may_view_gaps = is_member
may_view_organisation = is_member


# --- Writes: gaps -----------------------------------------------------------------------------


def acts_as_owner(user: User | AnonymousUser, gap: "Gap") -> bool:
    """True when ``user`` owns the role that causes ``gap``."""
    return is_role_owner(user) and gap.causing_role_id in owned_role_ids(user)


def may_change_gap(user: User | AnonymousUser, gap: "Gap") -> bool:
    """The CX team, or an owner of the gap's causing role: who changes (moves, plans) it."""
    return is_cx_team(user) or acts_as_owner(user, gap)


def may_write_gaps(user: User | AnonymousUser) -> bool:
    """Whoever may change some gap through the pages: the CX team and role owners.

    Executives and integrations never change a gap on a page: a POST of theirs is refused
    before anything runs (integrations write through the API).
    """
    return is_cx_team(user) or is_role_owner(user)


def may_log_gaps(user: User | AnonymousUser) -> bool:
    """Whoever may log some gap: the CX team and integrations any, role owners prevented ones
    for their own roles (``check_may_create_gap`` decides the particular gap)."""
    return is_cx_team(user) or is_integration(user) or is_role_owner(user)


def may_manage_gaps(user: User | AnonymousUser) -> bool:
    """Every field of every gap (logging and editing on pages, bulk changes, the import): the
    CX team. Integrations log through the API (``may_log_gaps``), role owners plan remedies."""
    return is_cx_team(user)


def check_may_create_gap(actor: User, *, status: str, causing_role: "Role | None") -> None:
    """Refuse (``PermissionDenied``) a gap ``actor`` may not log with this status and role."""
    from .models.gaps import GapStatus

    if is_cx_team(actor) or is_integration(actor):
        return
    if is_role_owner(actor):
        if status != GapStatus.PREVENTED:
            raise PermissionDenied(gettext("Role owners log prevented gaps only."))
        if causing_role is None or causing_role.pk not in owned_role_ids(actor):
            raise PermissionDenied(
                gettext("Role owners log prevented gaps for roles they own only.")
            )
        return
    raise PermissionDenied(gettext("You may not log gaps."))


def check_may_edit_gap(actor: User, gap: "Gap", names: Iterable[str]) -> None:
    """Refuse a change of the fields ``names`` of ``gap`` that ``actor`` may not make."""
    if is_cx_team(actor):
        return
    if acts_as_owner(actor, gap):
        forbidden = sorted(set(names) - OWNER_EDITABLE)
        if forbidden:
            raise PermissionDenied(
                gettext("Role owners change the remedy only, not: %(fields)s.")
                % {"fields": ", ".join(forbidden)}
            )
        return
    raise PermissionDenied(gettext("You may not change this gap."))


def check_may_change_gap(actor: User | AnonymousUser, gap: "Gap") -> None:
    """Refuse anyone but the CX team and owners of the gap's causing role."""
    if not may_change_gap(actor, gap):
        raise PermissionDenied(gettext("You may change only gaps attributed to roles you own."))


def check_may_bulk_change(actor: User | AnonymousUser) -> None:
    if not may_manage_gaps(actor):
        raise PermissionDenied(gettext("Only the CX team changes gaps in bulk."))


# --- Writes: the organisation -----------------------------------------------------------------


def may_manage_organisation(user: User | AnonymousUser) -> bool:
    """Teams, roles, touchpoints and themes: the CX team creates and edits them."""
    return is_cx_team(user)


def check_may_manage_organisation(actor: User | AnonymousUser) -> None:
    if not may_manage_organisation(actor):
        raise PermissionDenied(gettext("Only the CX team may change this."))
