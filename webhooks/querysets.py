"""Who reads and changes webhook subscriptions (``webhooks.permissions``' rule)."""

from typing import Any, Self

from django.contrib.auth.models import AnonymousUser, User

from cxalign.querysets import VIEW, ScopedQuerySet

from .permissions import can_manage_webhooks


class WebhookSubscriptionQuerySet(ScopedQuerySet):
    """Every subscription for those who manage them (shared by the CX team); else none."""

    def for_user(
        self, user: User | AnonymousUser, action: str = VIEW, *, token: Any = None
    ) -> Self:
        self._checked(action)
        return self.all() if can_manage_webhooks(user, token=token) else self.none()
