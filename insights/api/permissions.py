"""Who may read and who may write each insights endpoint: the same rules as the pages.

A view names two predicates of the user, ``read_rule`` and ``write_rule`` (functions of
``insights.selectors``). Objects outside the user's scope are already missing from the
view's queryset (404); these rules turn forbidden requests into 403.
"""

from rest_framework import permissions


class InsightsAccess(permissions.BasePermission):
    message = "Your group may not do this."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "read_actions", ()
        ):
            return view.read_rule(request.user)
        return view.write_rule(request.user)
