"""From an identity provider's claims to cxalign's groups and the roles a person owns.

Pure functions over the claims and the mapping in settings, so that the rules are tested
without a provider: a person whose provider groups map to none of cxalign's is refused.
"""

from collections.abc import Iterable, Mapping

from django.utils.text import slugify

from gaps import permissions

# The groups single sign-on manages: a sign-in sets them from the claim. The integration group
# (API users) and administrators' flags are never touched by it.
MANAGED_GROUPS = frozenset({permissions.CX_TEAM, permissions.ROLE_OWNER, permissions.EXECUTIVE})


def claim_values(claims: Mapping, name: str) -> list[str]:
    """A claim as a list of strings, whether the provider sent a list or one string."""
    value = claims.get(name) if name else None
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(item) for item in value]
    return [str(value)]


def groups_from_claims(claims: Mapping, *, claim: str, mapping: Mapping[str, str]) -> set[str]:
    """The cxalign groups the person's provider groups map to (unknown groups map to none).

    ``mapping`` is ``{provider group: cxalign group}``; values outside the managed groups are
    ignored, so a mistyped setting cannot grant what single sign-on does not manage.
    """
    return {
        mapping[group]
        for group in claim_values(claims, claim)
        if group in mapping and mapping[group] in MANAGED_GROUPS
    }


def role_key(team_slug: str, role_name: str) -> str:
    """How a claim names a role: ``<team slug>:<slugified role name>``, e.g.
    ``billing:billing-operations-manager``."""
    return f"{team_slug}:{slugify(role_name)}"


def role_keys_from_claims(claims: Mapping, *, claim: str) -> set[str]:
    return {value.strip().lower() for value in claim_values(claims, claim) if value.strip()}
