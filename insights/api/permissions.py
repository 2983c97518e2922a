"""Model permissions of the groups (data migration), checked per HTTP method and action.

DRF's ``DjangoModelPermissions`` lets anyone read; here reading needs ``view_*`` too, so that
e.g. a role owner is refused the routing rules (403) rather than shown an empty list.
"""

from rest_framework import permissions

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class GroupModelPermission(permissions.BasePermission):
    """``view.permission_model`` names the model (``"insights.insight"``); a view may map its
    extra actions to a permission action in ``action_permissions`` (e.g. publish → change)."""

    message = "Your group may not do this."

    def has_permission(self, request, view) -> bool:
        app_label, model = view.permission_model.split(".")
        action = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        action = action or METHOD_ACTIONS.get(request.method, "change")
        return request.user.has_perm(f"{app_label}.{action}_{model}")
