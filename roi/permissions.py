"""Who reads ROI figures: executives and the CX team in the browser and the API; tokens with
the ``roi:read`` scope in the API; role owners see the pages (the recognition board is theirs
to celebrate) but not the API."""

from django.contrib.auth.models import AnonymousUser, User
from rest_framework import permissions as drf

from gaps import permissions as rules
from gaps.models import ApiToken


def can_read_figures(user: User | AnonymousUser) -> bool:
    """Executives, the CX team and superusers."""
    return bool(user.is_authenticated and (rules.is_cx_team(user) or rules.is_executive(user)))


def can_see_pages(user: User | AnonymousUser) -> bool:
    """The ROI pages: figure readers, and role owners."""
    return can_read_figures(user) or rules.is_role_owner(user)


class ReadsRoi(drf.BasePermission):
    """API: a token (its ``roi:read`` scope is checked by ``TokenScopePermission``), or a
    session of an executive or CX team member. Read-only."""

    message = "Only executives, the CX team and tokens with the 'roi:read' scope read ROI figures."

    def has_permission(self, request, view) -> bool:
        if request.method not in drf.SAFE_METHODS:
            return False
        if isinstance(request.auth, ApiToken):
            return True
        return can_read_figures(request.user)
