"""API permissions: token scopes, and group rules shared with the browser."""

from rest_framework import permissions

from gaps import permissions as rules
from gaps.comments import may_comment
from gaps.models import ApiToken
from gaps.transitions import acts_as_owner


class TokenScopePermission(permissions.BasePermission):
    """A token may only use the scopes it was issued with; session users are not scoped.

    A view names its family in ``token_scope`` (``"gaps"``, ``"insights"``, ``"roi"``) and
    may override the scope of reads with ``token_read_scope`` and of writes with
    ``token_write_scope``. Safe methods need ``<family>:read``, others ``<family>:write``.
    """

    message = "This token lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        family = getattr(view, "token_scope", None)
        if family is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            needed = getattr(view, "token_read_scope", None) or f"{family}:read"
        else:
            needed = getattr(view, "token_write_scope", None) or f"{family}:write"
        self.message = f"This token lacks the '{needed}' scope."
        return token.allows(needed)


class ReadOnlyUnlessCxTeam(permissions.BasePermission):
    """Everyone signed in reads; only the CX team writes (organisation data, rules, models)."""

    message = "Only the CX team may change this."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return rules.is_cx_team(request.user)


class GapWritePermission(permissions.BasePermission):
    """The browser's table for gaps: CX team everything; role owners only their roles' gaps.

    Creating is open to the CX team, integrations and role owners (who log prevented gaps for
    their own roles — ``gap_create`` checks that); changing an existing gap needs the CX team
    or ownership of its causing role. Executives never write. Reads are scoped by the queryset.
    """

    message = "You may not change gaps."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if view.action == "create":
            return rules.is_cx_team(user) or rules.is_integration(user) or rules.is_role_owner(user)
        return rules.is_cx_team(user) or rules.is_role_owner(user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if rules.is_cx_team(request.user):
            return True
        self.message = "You may change only gaps attributed to roles you own."
        return acts_as_owner(request.user, obj)


class OccurrenceWritePermission(permissions.BasePermission):
    """Occurrences are pushed by integrations and the CX team; everyone signed in reads them."""

    message = "Only integrations and the CX team push occurrences."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return rules.is_cx_team(request.user) or rules.is_integration(request.user)


class CommentPermission(permissions.BasePermission):
    """Everyone who sees a gap reads its comments; writers among them comment on it (any gap
    they can see: a comment changes nothing about the gap). Executives read only."""

    message = "Read-only access: you cannot comment on gaps."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return may_comment(request.user)
