"""Who reads ROI figures: the one place that decides, for pages and API alike.

- Pages: executives and the CX team; role owners too (the recognition board is theirs to
  celebrate). Integration accounts get a 403.
- API (summary, rollups, one gap's savings): executives, the CX team and integration accounts
  (BI tools read rollups, DESIGN.md). A token acts as its user: the user's group decides
  first, and a token must also carry ``roi:read`` (``TokenScopePermission``). A token can
  therefore never do more than its user's session — a role owner's or a group-less user's
  token with ``roi:read`` is refused exactly as their session is.
"""

from django.contrib.auth.models import AnonymousUser, User
from rest_framework import permissions as drf

from cxalign.scoping import request_token
from gaps import permissions as rules
from gaps.models import ApiToken

ROI_READ_SCOPE = "roi:read"


def can_read_figures(user: User | AnonymousUser) -> bool:
    """Executives, the CX team and superusers: the people the figures are for."""
    return bool(user.is_authenticated and (rules.is_cx_team(user) or rules.is_executive(user)))


def can_see_pages(user: User | AnonymousUser) -> bool:
    """The ROI pages: figure readers, and role owners."""
    return can_read_figures(user) or rules.is_role_owner(user)


def can_read_api(user: User | AnonymousUser, token: ApiToken | None = None) -> bool:
    """The ROI API: figure readers and integration accounts, by session or token; a token
    needs the ``roi:read`` scope on top of its user's group (never instead of it)."""
    if token is not None and not token.allows(ROI_READ_SCOPE):
        return False
    return can_read_figures(user) or bool(user.is_authenticated and rules.is_integration(user))


class ReadsRoi(drf.BasePermission):
    """Every ROI endpoint: read-only, and ``can_read_api`` for the request's user and token.

    ``TokenScopePermission`` runs before it and names a missing scope in its message; this
    class adds the group rule that scopes alone used to skip.
    """

    message = (
        "Only executives, the CX team and integration accounts read ROI figures "
        "(tokens also need the 'roi:read' scope)."
    )

    def has_permission(self, request, view) -> bool:
        if request.method not in drf.SAFE_METHODS:
            return False
        return can_read_api(request.user, request_token(request))
