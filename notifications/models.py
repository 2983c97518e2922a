"""Notifications shown under the bell, and each person's choice of delivery per kind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mentions of me"
    FEED_ITEM = "feed_item", "New feed items"
    ESCALATION = "escalation", "Escalations of my gaps"
    RECURRING = "recurring", "Recurring gaps"
    REVIEW_DUE = "review_due", "Change reviews due"


class Delivery(models.TextChoices):
    """Where a kind of notification reaches a person."""

    APP = "app", "In the app"
    DIGEST = "digest", "In the daily digest"
    BOTH = "both", "Both"
    NONE = "none", "Neither"

    @property
    def in_app(self) -> bool:
        return self in (Delivery.APP, Delivery.BOTH)

    @property
    def in_digest(self) -> bool:
        return self in (Delivery.DIGEST, Delivery.BOTH)


# A person who never chose keeps the daily digest they had, and gains the bell.
DEFAULT_DELIVERY = Delivery.BOTH


class Notification(models.Model):
    """One thing one person is told: what happened, by whom, and where to look.

    ``in_app`` and ``in_digest`` are the person's preference at the time it was made, so a
    later change of mind does not rewrite what was already told.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    in_app = models.BooleanField(default=True)
    in_digest = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's count and the list page: a person's in-app notifications, newest first.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(in_app=True),
                name="notification_inbox",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(in_app=True, read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A person's choice of delivery for one kind; absent means ``DEFAULT_DELIVERY``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=DEFAULT_DELIVERY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class LanguagePreference(models.Model):
    """The interface language a person chose; absent means the browser's language decides.

    Kept beside the notification preferences because both are set on one page. The choice
    is copied into the session at sign-in (``notifications.language``), so that pages do not
    read this table on every request.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
