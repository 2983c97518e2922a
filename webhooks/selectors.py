"""Reads of the webhooks app: who may manage subscriptions, and the lists pages and API show."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, QuerySet, Subquery

from .models import WebhookDelivery, WebhookSubscription


def subscriptions_for_user(user: User | AnonymousUser, *, token=None) -> QuerySet:
    """Every subscription, for those who manage them (``WebhookSubscription.objects.for_user``);
    each row carries its last delivery's status and code (one subquery, no query per row)."""
    return with_last_delivery(WebhookSubscription.objects.for_user(user, token=token))


def with_last_delivery(subscriptions: QuerySet[WebhookSubscription]) -> QuerySet:
    """What a row shows: the owner, role and team, and the last delivery's status and code."""
    last = WebhookDelivery.objects.filter(subscription=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    return subscriptions.select_related("created_by", "role__team", "team").annotate(
        last_status=Subquery(last.values("status")[:1]),
        last_response_code=Subquery(last.values("response_code")[:1]),
        last_delivery_at=Subquery(last.values("created_at")[:1]),
    )


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first (index ``webhook_delivery_log``)."""
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-created_at", "-id")
