"""A person's saved gap-list views: a name and the filters' query string."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedGapView(models.Model):
    """Filters someone applies often ("overdue in my team"), one click away on the gap lists."""

    class Page(models.TextChoices):
        ALL = "list", _("Gaps")
        MINE = "mine", _("Gaps my roles caused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_gap_views"
    )
    NAME_MAX_LENGTH = 80
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    page = models.CharField(max_length=8, choices=Page.choices, default=Page.ALL)
    # The list's query string without the page number, e.g. "status=open&team=3".
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="saved_gap_view_unique")
        ]

    def __str__(self) -> str:
        return self.name
