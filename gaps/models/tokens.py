"""API tokens: stored as SHA-256 hashes, each with the scopes it may use."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A token for an integration. The key is shown once at creation; only its hash is kept.

    Scopes name a resource family and an access: ``gaps:read``, ``gaps:write``,
    ``occurrences:write``, ``insights:read``, ``insights:write``, ``roi:read``,
    ``webhooks:write``. A token acts as its user, so the user's group permissions still apply
    on top of the scopes.
    """

    class Scope(models.TextChoices):
        GAPS_READ = "gaps:read", _("Read organisation and gaps")
        GAPS_WRITE = "gaps:write", _("Create and change gaps")
        OCCURRENCES_WRITE = "occurrences:write", _("Push occurrences")
        INSIGHTS_READ = "insights:read", _("Read insights and feeds")
        INSIGHTS_WRITE = "insights:write", _("Write and publish insights")
        ROI_READ = "roi:read", _("Read ROI figures and rollups")
        WEBHOOKS_WRITE = "webhooks:write", _("Manage webhook subscriptions")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str, scopes: list[str]) -> tuple["ApiToken", str]:
        """Create a token and return it with its clear key, which is never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=cls.hash_key(key), scopes=list(scopes)
        )
        return token, key

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes
