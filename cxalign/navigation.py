"""The navigation bar, computed from the same rules that guard the pages it links to.

A link shows exactly when its page would open: each entry asks the app's own rule (the
project module may know every app; ``gaps`` must not know ``insights`` or ``roi``).
"""

from django.http import HttpRequest

from gaps import permissions as gap_rules
from insights import permissions as insight_rules
from roi import permissions as roi_rules
from webhooks import permissions as webhook_rules


def navigation(request: HttpRequest) -> dict:
    """Which sections the signed-in person sees in the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    owner = gap_rules.is_role_owner(user)
    return {
        "nav": {
            # The whole list is the desk of those who read every gap without owning a role's
            # share of them (role owners have "my gaps"); integrations read it in the API.
            "gaps": gap_rules.is_cx_team(user) or gap_rules.is_executive(user),
            "my_gaps": owner,
            "feed": owner,
            # Everyone who reads every insight: the CX team, executives and integrations.
            "insights": insight_rules.can_read_all_insights(user),
            "dashboard": roi_rules.can_see_pages(user),
            "webhooks": webhook_rules.can_manage_webhooks(user),
            "admin": user.is_staff,
        }
    }
