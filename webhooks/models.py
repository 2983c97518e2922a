"""Webhook subscriptions and the log of their deliveries (DESIGN.md, "Webhooks (API v1)")."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import WebhookSubscriptionQuerySet


class WebhookEvent(models.TextChoices):
    """What a subscription can listen to; ``ping`` is sent only by "send test event"."""

    GAP_CREATED = "gap.created", _("A gap was logged")
    GAP_STATUS_CHANGED = "gap.status_changed", _("A gap changed status")
    GAP_ESCALATED = "gap.escalated", _("An overdue gap was escalated")
    GAP_RECURRING = "gap.recurring", _("A closed gap is recurring")
    INSIGHT_PUBLISHED = "insight.published", _("An insight was published")
    FEED_ITEM_CREATED = "feed_item.created", _("An insight reached a role's feed")
    CHANGE_REVIEW_ASSESSED = "change_review.assessed", _("A change review was assessed")
    ROLLUP_COMPLETED = "rollup.completed", _("The ROI rollup completed")


PING = "ping"


class WebhookFormat(models.TextChoices):
    JSON = "json", _("JSON (signed)")
    SLACK = "slack", _("Slack incoming webhook")
    TEAMS = "teams", _("Microsoft Teams (message card)")


def new_secret() -> str:
    """A signing secret for a subscription created without one."""
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """An endpoint that receives the chosen events, signed with its secret.

    ``role`` or ``team`` narrow it to the events of that role or team (a role's own Slack
    channel for its escalations and new feed items); events that concern no role (a rollup)
    reach only unnarrowed subscriptions. ``failing_since`` is the first failed attempt since
    the last success: a day later the subscription is switched off and its creator told.
    """

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    format = models.CharField(max_length=8, choices=WebhookFormat.choices, default="json")
    secret = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    role = models.ForeignKey(
        "gaps.Role",
        on_delete=models.CASCADE,  # never broaden a role's channel to everything
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
    )
    team = models.ForeignKey(
        "gaps.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description or self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", args=[self.pk])

    def wants(self, event: str) -> bool:
        return self.active and (event == PING or event in self.events)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription: the body sent on every attempt, and how the last went.

    The row is its own outbox: a pending delivery whose ``next_attempt_at`` has come is
    attempted by the minute's ``webhooks.tasks.deliver_due`` even if its first hand-off to the
    broker was lost. ``attempt`` counts attempts made.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    attempt = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery log of one subscription, newest first (cursor pages).
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
            # The minute's scan for due retries: pending rows only.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
