"""The conversation on a gap: comments, with the people they mention."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .gaps import Gap

MAX_COMMENT_LENGTH = 5000


class GapComment(models.Model):
    """One comment on a gap, part of its history.

    Editable by its author for ``CXALIGN_COMMENT_EDIT_MINUTES`` after it was written
    (``gaps.comments``); never deleted but by an administrator, which leaves a ``GapEvent``
    and an audit-log entry behind.
    """

    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="gap_comments",
    )
    body = models.TextField(max_length=MAX_COMMENT_LENGTH)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="gap_comment_mentions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["gap", "created_at"], name="gapcomment_gap_created")]

    def __str__(self) -> str:
        return f"{self.gap_id}: {self.body[:40]}"

    def get_absolute_url(self) -> str:
        return f"{reverse('gaps:detail', args=[self.gap_id])}#comment-{self.pk}"
