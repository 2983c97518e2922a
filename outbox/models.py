"""One row per task to run after a committed change (the transactional outbox)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to send: written in the caller's transaction, so it exists iff the change
    committed.

    Life: created → ``sent_at`` (handed to the broker) → ``started_at`` (a worker, or the eager
    in-process run, began it). Until it has started a message is *pending*: at most one pending
    message holds a given ``dedupe_key``, so a burst of changes asking for the same task queues
    it once. A message handed to the broker but not started after a while is sent again by the
    drain (the broker may have lost it), so delivery is at least once and tasks are idempotent.
    """

    task = models.CharField(max_length=200, help_text=_("The Celery task's registered name."))
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(
        max_length=200, blank=True, help_text=_("Blank: never de-duplicated.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0, help_text=_("Times handed to the broker."))
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(started_at__isnull=True) & ~Q(dedupe_key=""),
                name="outbox_one_pending_per_key",
            ),
        ]
        indexes = [
            # The drain's scan: pending messages only, oldest first (a small partial index).
            models.Index(
                fields=["created_at"],
                condition=Q(started_at__isnull=True),
                name="outbox_pending_created",
            ),
            # The purge of started messages past their keeping time.
            models.Index(fields=["started_at"], name="outbox_started"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"

    @property
    def task_id(self) -> str:
        """The Celery task id of the next hand-off; names the message so the run can mark it."""
        return f"outbox-{self.pk}-{self.attempts + 1}"
