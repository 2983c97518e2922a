"""Who manages webhook subscriptions: the one place the rule is written.

The CX team, on pages and through the API; through the API also an integration whose token
holds ``webhooks:write`` (the scope itself is checked where every scope is,
``cxalign.scoping.scope_needed``). Subscriptions hold secrets and reach out of the network, so
reading them is managing them: whoever may not manage them sees none
(``webhooks.querysets``).
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from gaps import permissions


def can_manage_webhooks(user: User | AnonymousUser, *, token: Any = None) -> bool:
    """The CX team; an integration only through a token."""
    if permissions.is_cx_team(user):
        return True
    return token is not None and permissions.is_integration(user)
