"""Navigation by group, shared by every page through the base template."""

from django.http import HttpRequest

from . import permissions


def navigation(request: HttpRequest) -> dict:
    """Which sections the signed-in person sees in the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cx = permissions.is_cx_team(user)
    owner = permissions.is_role_owner(user)
    return {
        "nav": {
            "gaps": cx or permissions.is_executive(user),
            "my_gaps": owner,
            "feed": owner,
            "insights": cx or permissions.is_executive(user),
            # The ROI pages are for executives, the CX team and role owners (roi.permissions).
            "dashboard": cx or owner or permissions.is_executive(user),
            "webhooks": cx,  # subscriptions are the CX team's (webhooks.selectors)
            "admin": user.is_staff,
        }
    }
