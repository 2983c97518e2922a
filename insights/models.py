"""Customer insights, the rules that route them, and each role's feed of tailored items."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxalign.choices import ChoiceLabelsMixin
from gaps.models import Gap, Role, Team, Theme
from gaps.models.gaps import GapCategory

from .querysets import FeedItemQuerySet, InsightQuerySet, RoutingRuleQuerySet
from .search import InsightSearchDocument


class InsightKind(models.TextChoices):
    EXPECTATION = "expectation", _("Expectation (what customers expect)")
    EXPERIENCE = "experience", _("Experience (what customers got)")


class InsightSource(models.TextChoices):
    SURVEY = "survey", _("Survey")
    INTERVIEWS = "interviews", _("Interviews")
    REVIEWS = "reviews", _("Reviews")
    SUPPORT_TRANSCRIPTS = "support_transcripts", _("Support transcripts")
    SALES_LOSS_ANALYSIS = "sales_loss_analysis", _("Sales loss analysis")
    SOCIAL = "social", _("Social media")


class InsightStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Insight(ChoiceLabelsMixin, models.Model):
    """A customer finding, written by the CX team and routed to the roles that can act on it.

    Only ``title``, ``finding`` and ``kind`` are required. Publishing (``insights.services``)
    routes it to feeds; archiving takes it out of them again.
    """

    Kind = InsightKind
    Source = InsightSource
    Status = InsightStatus

    title = models.CharField(max_length=200)
    finding = models.TextField(help_text=_("What we learned about customers."))
    evidence = models.TextField(
        blank=True, help_text=_("Customers' own words and numbers; one quote per line.")
    )
    recommendation = models.TextField(
        blank=True, help_text=_("What the people who cause it could do differently.")
    )
    kind = models.CharField(max_length=16, choices=InsightKind.choices)
    source = models.CharField(max_length=24, choices=InsightSource.choices, blank=True)
    segment = models.CharField(max_length=100, blank=True, help_text=_('e.g. "Small business".'))
    region = models.CharField(
        max_length=100, blank=True, help_text=_("Culture changes what customers expect.")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="insights")
    related_gaps = models.ManyToManyField(Gap, blank=True, related_name="insights")
    status = models.CharField(
        max_length=16, choices=InsightStatus.choices, default=InsightStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insights_created",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # What ``?q=`` searches: computed by the database on every write (insights/search.py).
    # GIN-indexed on PostgreSQL as ``insight_search_gin`` (migration 0003, PostgreSQL only:
    # SQLite has no GIN and stores NULL here).
    search_vector = models.GeneratedField(
        expression=InsightSearchDocument(),
        output_field=SearchVectorField(null=True),
        db_persist=True,
    )

    objects = InsightQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="insight_status_published"),
            # The default list order, for a page's ids over an index (gaps.pagination).
            models.Index(
                fields=["-published_at", "-created_at", "-id"], name="insight_published_order"
            ),
            # max(updated_at): the table version that keys the lists' cached counts.
            models.Index(fields=["updated_at"], name="insight_updated_at"),
            # Feeds join each item to its insight for the status and the order: answered from
            # this index alone, never from the wide rows (text and search vector).
            models.Index(fields=["id", "status", "published_at"], name="insight_feed_lookup"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("insights:detail", args=[self.pk])

    @property
    def quotes(self) -> list[str]:
        """The evidence split into its lines: the customers' words, one per line."""
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]


class RoutingRule(models.Model):
    """Which insights reach which roles.

    Conditions on the insight (each left blank matches anything): ``themes`` (shares any),
    ``gap_category`` (a related gap has it), ``region`` (same, ignoring case) and ``kind``.
    Targets: ``target_roles`` by name, and/or every role at one of ``target_levels`` — in
    ``team`` when given, else in every team. A rule needs at least one target.
    """

    name = models.CharField(max_length=120)
    themes = models.ManyToManyField(Theme, blank=True, related_name="routing_rules")
    gap_category = models.CharField(max_length=16, choices=GapCategory.choices, blank=True)
    region = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=InsightKind.choices, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        help_text=_("Level targets pick roles of this team; blank = every team."),
    )
    target_levels = models.JSONField(default=list, blank=True)
    target_roles = models.ManyToManyField(Role, blank=True, related_name="routing_rules")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("insights:rule_edit", args=[self.pk])

    @property
    def condition_phrases(self) -> list[str]:
        """The conditions other than themes, as the rule list reads them."""
        phrases = []
        if self.gap_category:
            phrases.append(f"has a {self.get_gap_category_display().lower()} gap")
        if self.region:
            phrases.append(f"comes from {self.region}")
        if self.kind:
            phrases.append(f"is an {self.kind}")
        return phrases

    @property
    def target_level_labels(self) -> list[str]:
        labels = dict(Role.Level.choices)
        return [str(labels.get(level, level)) for level in self.target_levels or ()]


class FeedState(models.TextChoices):
    NEW = "new", _("New")
    READ = "read", _("Read")
    ACTING = "acting", _("Acting on it")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")


# Which feed states a person may move an item to from each state. Any item can be dismissed
# (with a reason) and a finished or dismissed one reopened, so no click is a dead end.
FEED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    FeedState.NEW: (FeedState.READ, FeedState.ACTING, FeedState.DONE, FeedState.DISMISSED),
    FeedState.READ: (FeedState.ACTING, FeedState.DONE, FeedState.DISMISSED),
    FeedState.ACTING: (FeedState.DONE, FeedState.DISMISSED),
    FeedState.DONE: (FeedState.ACTING, FeedState.READ),
    FeedState.DISMISSED: (FeedState.READ,),
}
ACTION_LABELS = {
    FeedState.READ: "Mark read",
    FeedState.ACTING: "Acting on it",
    FeedState.DONE: "Done",
}


class FeedItem(ChoiceLabelsMixin, models.Model):
    """One insight in one role's feed, tailored to the role's level, with why it is there."""

    State = FeedState

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="feed_items")
    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="feed_items")
    reason = models.CharField(max_length=300, help_text=_("Which rule or gap put it here."))
    rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="feed_items"
    )
    tailored_summary = models.TextField(blank=True)
    relevance = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    state = models.CharField(
        max_length=16, choices=FeedState.choices, default=FeedState.NEW, db_index=True
    )
    dismissal_reason = models.TextField(blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feed_item_changes",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedItemQuerySet.as_manager()

    class Meta:
        ordering = ["-relevance", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["role", "insight"], name="feeditem_once_per_role"),
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(dismissal_reason=""),
                name="feeditem_dismissal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["role", "state"], name="feeditem_role_state"),
            models.Index(fields=["role", "-relevance"], name="feeditem_role_relevance"),
            models.Index(fields=["created_at"], name="feeditem_created"),
            # max(updated_at): the table version that keys the feeds' cached counts.
            models.Index(fields=["updated_at"], name="feeditem_updated_at"),
            # A feed page's ids in order without the table: the deep pages (docs/lists.md).
            models.Index(
                fields=["role", "-relevance", "-id", "insight"], name="feeditem_role_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insight_id} → {self.role_id} ({self.state})"

    @property
    def next_actions(self) -> list[tuple[str, str]]:
        """The one-click state changes open from here (dismissal, which asks why, apart)."""
        reopen = self.state in (FeedState.DONE, FeedState.DISMISSED)
        return [
            (
                state,
                "Reopen" if reopen and state == FeedState.READ else ACTION_LABELS[FeedState(state)],
            )
            for state in FEED_TRANSITIONS[self.state]
            if state != FeedState.DISMISSED
        ]

    @property
    def can_dismiss(self) -> bool:
        return FeedState.DISMISSED in FEED_TRANSITIONS[self.state]
