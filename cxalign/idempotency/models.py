"""The first answer to each (client, Idempotency-Key), replayed to retries for 24 hours."""

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """One key of one client: the request it was first used with and the answer it got.

    ``owner`` is ``user:<id>`` for a signed-in session or ``token:<digest>`` for a token (a
    digest of the key, never the key): two clients choosing the same key never meet.
    ``fingerprint`` is a digest of the method, path and body; a retry with another body is a
    conflict, not a replay.
    """

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_age")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
