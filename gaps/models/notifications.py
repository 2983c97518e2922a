"""Escalations of overdue gaps and the record of daily digests sent (one per person per day)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxalign.choices import ChoiceLabelsMixin

from .gaps import Gap
from .organisation import Role


class Escalation(ChoiceLabelsMixin, models.Model):
    """An overdue gap escalated to one owner of a role up the causing team's hierarchy."""

    class Level(models.IntegerChoices):
        MANAGER = 1, _("Manager")
        DIRECTOR = 2, _("Director")
        EXECUTIVE = 3, _("Executive")

    class Reason(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("Not acknowledged in time")
        REMEDY = "remedy", _("Remedy overdue")

    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="escalations")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the recipient's daily digest carried it; unset ones wait for the next digest.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gap", "level", "reason", "recipient"], name="escalation_once_per_level"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "notified_at"], name="escalation_pending")]

    def __str__(self) -> str:
        return f"{self.gap_id} → {self.recipient_id} ({self.get_level_display()})"


class DigestDelivery(models.Model):
    """A daily digest sent to one person; the unique day is what stops a flood."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.day}"
