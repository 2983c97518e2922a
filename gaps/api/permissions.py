"""API permissions: token scopes, and group rules shared with the browser."""

from django.utils.translation import gettext
from rest_framework import permissions

from cxalign.scoping import scope_needed
from gaps import permissions as rules
from gaps.comments import may_comment
from gaps.models import ApiToken


class TokenScopePermission(permissions.BasePermission):
    """A token may only use the scopes it was issued with; session users are not scoped.

    Which scope a view needs for a method: ``cxalign.scoping.scope_needed`` (the same answer
    the scoping choke point intersects the user's groups with).
    """

    message = "This token lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = scope_needed(request, view)
        if needed is None:
            return False
        self.message = f"This token lacks the '{needed}' scope."
        return token.allows(needed)


class ReadOnlyUnlessCxTeam(permissions.BasePermission):
    """Everyone signed in reads; only the CX team writes (organisation data, rules, models)."""

    message = "Only the CX team may change this."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return rules.may_manage_organisation(request.user)


class GapWritePermission(permissions.BasePermission):
    """The browser's table for gaps: CX team everything; role owners only their roles' gaps.

    A first refusal before the body is parsed, asking ``gaps.permissions``: who may never
    write (``may_log_gaps``, ``may_write_gaps``), whose gap it is (``may_change_gap``). Which
    fields and which move are the services' to judge (``gaps.permissions.check_may_*``), whose
    ``PermissionDenied`` DRF answers with a 403. Reads are scoped by the queryset.
    """

    message = "You may not change gaps."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action == "create":
            return rules.may_log_gaps(request.user)
        return rules.may_write_gaps(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        # Before the body is read: someone else's gap is a 403 whatever the input says.
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = gettext("You may change only gaps attributed to roles you own.")
        return rules.may_change_gap(request.user, obj)


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
