"""Reads of the webhooks app: who may manage subscriptions, and the lists pages and API show."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, QuerySet, Subquery

from gaps import permissions

from .models import WebhookDelivery, WebhookSubscription


def can_manage_webhooks(user: User | AnonymousUser, *, token=None) -> bool:
    """The CX team; through the API also an integration whose token holds ``webhooks:write``
    (the scope itself is checked by ``TokenScopePermission``)."""
    if permissions.is_cx_team(user):
        return True
    return token is not None and permissions.is_integration(user)


def subscriptions_for_user(user: User | AnonymousUser, *, token=None) -> QuerySet:
    """Every subscription, for those who manage them (shared by the CX team); else none.

    Each row carries its last delivery's status and code (one subquery, no query per row).
    """
    if not can_manage_webhooks(user, token=token):
        return WebhookSubscription.objects.none()
    last = WebhookDelivery.objects.filter(subscription=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    return WebhookSubscription.objects.select_related("created_by", "role__team", "team").annotate(
        last_status=Subquery(last.values("status")[:1]),
        last_response_code=Subquery(last.values("response_code")[:1]),
        last_delivery_at=Subquery(last.values("created_at")[:1]),
    )


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first (index ``webhook_delivery_log``)."""
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-created_at", "-id")
