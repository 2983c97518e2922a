"""Who may do what: the four groups of DESIGN.md and the roles a person owns.

The group names are a contract (data migration, demo data, tests). Object rules live beside
the querysets that use them: a role owner reaches only gaps attributed to roles they own.
"""

from django.contrib.auth.models import AnonymousUser, User

CX_TEAM = "cx_team"
ROLE_OWNER = "role_owner"
EXECUTIVE = "executive"
INTEGRATION = "integration"
GROUPS = (CX_TEAM, ROLE_OWNER, EXECUTIVE, INTEGRATION)


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
