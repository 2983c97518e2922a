"""Change reviews: a planned change checked against what customers expect before it ships.

A role owner describes the change (``ChangeReview``), assesses it (the likely gaps it would
cause become ``ReviewMatch`` rows, best first) and decides: adjust the plan (the matches it
avoids become prevented gaps), proceed anyway (the risk is recorded against the role) or
withdraw. ``TextEmbedding`` keeps one stored vector per gap, insight and review for matching
by meaning (``reviews.similarity``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gaps.models import Gap, Role, Theme, Touchpoint
from gaps.models.gaps import JourneyStage
from insights.models import Insight

from .querysets import ChangeReviewQuerySet


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSESSED = "assessed", _("Assessed")
    ADJUSTED = "adjusted", _("Adjusted")
    PROCEEDED = "proceeded", _("Proceeded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


DECIDED = (ReviewStatus.ADJUSTED, ReviewStatus.PROCEEDED, ReviewStatus.WITHDRAWN)
UNDECIDED = (ReviewStatus.DRAFT, ReviewStatus.ASSESSED)


class MatchMethod(models.TextChoices):
    MEANING = "meaning", _("By meaning (sentence embeddings)")
    WORDS = "words", _("By shared words (TF-IDF; the embedding model is not installed)")


class ChangeReview(models.Model):
    """A planned change of one role, checked against customers' expectations before launch."""

    Status = ReviewStatus

    title = models.CharField(max_length=200)
    description = models.TextField(help_text=_("What changes."))
    affected_customers = models.TextField(blank=True, help_text=_("Which customers it touches."))
    launch_on = models.DateField(help_text=_("When the change ships."))
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        related_name="change_reviews",
        help_text=_("The role making the change (one you own)."),
    )
    journey_stage = models.CharField(max_length=8, choices=JourneyStage.choices, blank=True)
    touchpoints = models.ManyToManyField(Touchpoint, blank=True, related_name="change_reviews")
    themes = models.ManyToManyField(Theme, blank=True, related_name="change_reviews")
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, db_index=True
    )
    decision_note = models.TextField(blank=True)
    # How the last assessment matched (the page says so when it was words only).
    match_method = models.CharField(max_length=16, choices=MatchMethod.choices, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the role's owners were told the launch day passed without a decision (once).
    due_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_reviews_decided",
    )
    # Proceeded: the monthly cost of the matched gaps the role accepted, at their recent rate.
    accepted_monthly_risk = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_reviews_created",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChangeReviewQuerySet.as_manager()

    class Meta:
        ordering = ["launch_on", "-id"]
        indexes = [
            # The overdue flag: undecided reviews past their launch day, per role.
            models.Index(fields=["status", "launch_on"], name="review_status_launch"),
            models.Index(fields=["role", "status"], name="review_role_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:detail", args=[self.pk])

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    @property
    def overdue(self) -> bool:
        """Past its launch day without a decision."""
        return self.status in UNDECIDED and self.launch_on < timezone.localdate()


class MatchKind(models.TextChoices):
    GAP = "gap", _("Past gap")
    INSIGHT = "insight", _("Insight")


class ReviewMatch(models.Model):
    """One likely gap of an assessed review: a past gap or a published insight, with its score
    and evidence as they were when the review was assessed."""

    Kind = MatchKind

    review = models.ForeignKey(ChangeReview, on_delete=models.CASCADE, related_name="matches")
    rank = models.PositiveSmallIntegerField(help_text=_("1 = best."))
    kind = models.CharField(max_length=8, choices=MatchKind.choices)
    gap = models.ForeignKey(
        Gap, on_delete=models.CASCADE, null=True, blank=True, related_name="review_matches"
    )
    insight = models.ForeignKey(
        Insight, on_delete=models.CASCADE, null=True, blank=True, related_name="review_matches"
    )
    title = models.CharField(max_length=200)
    score = models.DecimalField(max_digits=4, decimal_places=3, help_text="0–1.")
    evidence = models.TextField(blank=True)
    # A gap's occurrences a month over the last 90 days, and what that costs a month.
    monthly_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    monthly_cost = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    prevented_gap = models.OneToOneField(
        Gap,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prevented_by_review_match",
    )

    class Meta:
        ordering = ["review", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["review", "rank"], name="reviewmatch_unique_rank"),
            models.CheckConstraint(
                condition=(Q(kind="gap", gap__isnull=False, insight__isnull=True))
                | Q(kind="insight", insight__isnull=False, gap__isnull=True),
                name="reviewmatch_kind_has_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}#{self.rank} {self.kind} {self.object_id}"

    @property
    def object_id(self) -> int | None:
        """The matched gap's or insight's id (``None`` once it was deleted)."""
        return self.gap_id if self.kind == MatchKind.GAP else self.insight_id

    @property
    def score_percent(self) -> int:
        return round(self.score * 100)


class EmbeddedKind(models.TextChoices):
    GAP = "gap", _("Gap")
    INSIGHT = "insight", _("Insight")
    REVIEW = "review", _("Change review")


class TextEmbedding(models.Model):
    """The stored vector of one gap, insight or review text (float32 bytes: works on SQLite and
    PostgreSQL alike). Written by ``reviews.services.embedding_refresh`` in a Celery task."""

    Kind = EmbeddedKind

    kind = models.CharField(max_length=8, choices=EmbeddedKind.choices)
    object_id = models.PositiveBigIntegerField()
    model_name = models.CharField(max_length=60)
    text_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the embedded text."))
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="embedding_unique_object"),
        ]
        indexes = [
            # The in-process index's version: count and newest write per kind and model.
            models.Index(fields=["kind", "model_name", "updated_at"], name="embedding_version"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
