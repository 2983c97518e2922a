"""Who manages webhook subscriptions: the one place the rule is written.

The CX team, on pages and through the API; through the API also an integration whose token
holds ``webhooks:write`` (the scope itself is checked where every scope is,
``cxalign.scoping.scope_needed``). Subscriptions hold secrets and reach out of the network, so
reading them is managing them: whoever may not manage them sees none
(``webhooks.querysets``).
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from gaps import permissions


def can_manage_webhooks(user: User | AnonymousUser, *, token: Any = None) -> bool:
    """The CX team; an integration only through a token."""
    if permissions.is_cx_team(user):
        return True
    return token is not None and permissions.is_integration(user)


def check_may_manage_webhooks(actor: User | AnonymousUser) -> None:
    """The services' refusal: the CX team and integrations (which reach the services only
    through a token with ``webhooks:write``: pages refuse them first)."""
    if not (permissions.is_cx_team(actor) or permissions.is_integration(actor)):
        raise PermissionDenied(gettext("Only the CX team manages webhooks."))
