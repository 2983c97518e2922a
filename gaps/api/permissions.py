"""API permissions: token scopes, and group rules shared with the browser."""

from rest_framework import permissions

from gaps import permissions as rules
from gaps.models import ApiToken


class TokenScopePermission(permissions.BasePermission):
    """A token may only use the scopes it was issued with; session users are not scoped.

    A view names its family in ``token_scope`` (``"gaps"``, ``"insights"``, ``"roi"``) and
    may override the scope of writes with ``token_write_scope``. Safe methods need
    ``<family>:read``, others ``<family>:write``.
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
            needed = f"{family}:read"
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
