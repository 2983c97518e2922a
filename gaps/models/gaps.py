"""Gaps between what customers expect and what they get, their history and their occurrences."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxalign.choices import ChoiceLabelsMixin

from ..querysets import GapQuerySet, OccurrenceQuerySet
from .limits import (
    GAP_LIMITS,
    MAX_MONTHLY_OCCURRENCES,
    MAX_OCCURRENCE_MONEY,
    MAX_REMEDY_COST,
    bounded,
)
from .organisation import Role, Team, Theme, Touchpoint


class GapCategory(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    POLICY = "policy", _("Policy")
    PROCESS = "process", _("Process")
    ATTITUDE = "attitude", _("Attitude")


class GapOrigin(models.TextChoices):
    VOC_SURVEY = "voc_survey", _("Voice-of-customer survey")
    COMPLAINT = "complaint", _("Complaint")
    SUPPORT_CONTACT = "support_contact", _("Support contact")
    EMPLOYEE_REPORT = "employee_report", _("Employee report")
    AUDIT = "audit", _("Audit")
    REVIEW = "review", _("Review")
    SOCIAL = "social", _("Social")


class JourneyStage(models.TextChoices):
    SELECT = "select", _("Select (choosing)")
    GET = "get", _("Get (receiving)")
    USE = "use", _("Use (using)")


class GapStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_REMEDY = "in_remedy", _("In remedy")
    CLOSED = "closed", _("Closed")
    DISPUTED = "disputed", _("Disputed")
    PREVENTED = "prevented", _("Prevented")
    ARCHIVED = "archived", _("Archived")


# The statuses in which a gap still costs customers and is still owed a remedy: every open
# list, count, cost and feed reads this one set.
OPEN_STATUSES = (GapStatus.OPEN, GapStatus.ACKNOWLEDGED, GapStatus.IN_REMEDY, GapStatus.DISPUTED)
# Acknowledged and not yet remedied: the statuses in which the remedy deadline runs.
REMEDY_STATUSES = (GapStatus.ACKNOWLEDGED, GapStatus.IN_REMEDY)


def acknowledge_late(today: date) -> Q:
    """Gaps still ``open`` after their acknowledge deadline, as of ``today``."""
    return Q(status=GapStatus.OPEN, acknowledge_due_on__lt=today)


def remedy_late(today: date) -> Q:
    """Gaps acknowledged or in remedy after their remedy deadline, as of ``today``."""
    return Q(status__in=REMEDY_STATUSES, remedy_due_on__lt=today)


def late_condition(today: date) -> Q:
    """The lateness rule, the one place it is written: a gap past a deadline it has not met.

    The escalation job, the list's ``overdue`` filter and the pages' badges all read it (as a
    filter, or annotated by ``gaps.selectors.with_lateness``); nothing recomputes it in Python
    or in a template.
    """
    return acknowledge_late(today) | remedy_late(today)


def overdue_condition(today: date) -> Q:
    """What "overdue" means on the lists (the ``overdue`` filter and badge): flagged by the
    escalation job, which runs hourly, or already late by ``late_condition``."""
    return Q(overdue=True) | late_condition(today)


class Gap(ChoiceLabelsMixin, models.Model):
    """One gap: what customers expect, what they get, and the role whose decisions cause it.

    Money fields left blank take the touchpoint's and the cost model's defaults when savings
    are computed (the ``roi`` app). Nothing deletes a gap: it is archived, and every change is a
    ``GapEvent``, written by ``gaps.services``.
    """

    Category = GapCategory
    Origin = GapOrigin
    Status = GapStatus
    JourneyStage = JourneyStage

    title = models.CharField(max_length=200)
    expectation = models.TextField(help_text=_("What customers expect."))
    delivery = models.TextField(help_text=_("What customers get."))
    category = models.CharField(max_length=16, choices=GapCategory.choices)
    origin = models.CharField(max_length=24, choices=GapOrigin.choices, blank=True)
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="gaps"
    )
    causing_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="gaps")
    # Denormalised from causing_role so that filters and rollups group by team without a join;
    # kept in step by gaps.services whenever the role changes.
    causing_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="gaps")
    severity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="gaps")
    status = models.CharField(
        max_length=16, choices=GapStatus.choices, default=GapStatus.OPEN, db_index=True
    )
    detected_on = models.DateField(default=timezone.localdate)
    journey_stage = models.CharField(max_length=8, choices=JourneyStage.choices, blank=True)

    # Bounded (gaps.models.limits) so that the rollup's sums of them always fit.
    cost_to_serve = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(MAX_OCCURRENCE_MONEY),
        help_text=_("Per occurrence, at most 1,000,000.00; blank = touchpoint default."),
    )
    revenue_at_risk = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(MAX_OCCURRENCE_MONEY),
        help_text=_("Per occurrence, at most 1,000,000.00; blank = cost model default."),
    )
    expected_monthly_occurrences = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(MAX_MONTHLY_OCCURRENCES),
        help_text=_(
            "For prevented gaps: how often customers would have met it each month "
            "(at most 1,000,000)."
        ),
    )
    remedy_cost = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=bounded(MAX_REMEDY_COST),
        help_text=_("What fixing or preventing it cost (at most 1,000,000,000.00)."),
    )

    root_cause = models.TextField(blank=True, help_text=_("Required to close."))
    dispute_reason = models.TextField(blank=True)
    remedy_plan = models.TextField(blank=True)
    remedy_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remedies_owned",
    )
    remedy_due_on = models.DateField(null=True, blank=True)
    remedy_progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text=_("Per cent done.")
    )

    # Deadlines follow from severity (settings.CXALIGN_ACKNOWLEDGE_DAYS / _REMEDY_DAYS).
    acknowledge_due_on = models.DateField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    prevented_on = models.DateField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text=_("0 none, 1 manager, 2 director, 3 executive.")
    )
    last_escalated_at = models.DateTimeField(null=True, blank=True)
    recurring = models.BooleanField(
        default=False, help_text=_("Closed, but occurrences came back at half the baseline rate.")
    )
    recurring_since = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gaps_created",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GapQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_on", "-id"]
        indexes = [
            models.Index(fields=["category", "status"], name="gap_category_status"),
            models.Index(fields=["causing_team", "status"], name="gap_team_status"),
            models.Index(fields=["causing_role", "status"], name="gap_role_status"),
            models.Index(fields=["severity"], name="gap_severity"),
            models.Index(fields=["detected_on"], name="gap_detected_on"),
            models.Index(fields=["closed_at"], name="gap_closed_at"),
            models.Index(fields=["prevented_on"], name="gap_prevented_on"),
            models.Index(fields=["overdue", "status"], name="gap_overdue_status"),
            # The gap lists (gaps.pagination): a page's ids in the default order, skipped over
            # by an index-only scan, with and without a status filter (docs/lists.md).
            models.Index(fields=["status", "-detected_on", "-id"], name="gap_status_detected_id"),
            models.Index(fields=["-detected_on", "-id"], name="gap_detected_id"),
            # max(updated_at): the table version that keys the lists' cached counts.
            models.Index(fields=["updated_at"], name="gap_updated_at"),
            # "Is the ROI rollup due?": gaps created since the last run (roi.freshness).
            models.Index(fields=["created_at"], name="gap_created_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="gap_severity_1_to_5"
            ),
            models.CheckConstraint(
                condition=(Q(cost_to_serve__isnull=True) | Q(cost_to_serve__gte=0))
                & (Q(revenue_at_risk__isnull=True) | Q(revenue_at_risk__gte=0))
                & Q(remedy_cost__gte=0)
                & (
                    Q(expected_monthly_occurrences__isnull=True)
                    | Q(expected_monthly_occurrences__gte=0)
                ),
                name="gap_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    *(
                        Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": limit})
                        for name, limit in GAP_LIMITS.items()
                    )
                ),
                name="gap_money_within_limits",
            ),
            models.CheckConstraint(
                condition=Q(remedy_progress__lte=100), name="gap_remedy_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(root_cause="") & Q(closed_at__isnull=False)),
                name="gap_closed_has_root_cause",
            ),
            models.CheckConstraint(
                condition=~Q(status="prevented") | Q(prevented_on__isnull=False),
                name="gap_prevented_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("gaps:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Whether the gap is in ``OPEN_STATUSES``: what pages ask instead of naming them."""
        return self.status in OPEN_STATUSES


class GapEvent(models.Model):
    """One entry of a gap's history: a transition, a field change, an escalation or a flag."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        UPDATE = "update", _("Fields changed")
        ESCALATION = "escalation", _("Escalation")
        RECURRING = "recurring", _("Recurring flag")
        # An administrator deleted a comment (comments are otherwise never deleted).
        COMMENT_DELETED = "comment_deleted", _("Comment deleted")
        # Written by the ROI rollup (roi.services): the gap's figures were left out of a run.
        ROLLUP_SKIPPED = "rollup_skipped", _("Left out of the ROI rollup")

    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gap_events",
    )
    from_status = models.CharField(max_length=16, choices=GapStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=GapStatus.choices, blank=True)
    note = models.TextField(blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text=_('{"field": [old, new]} for field changes.')
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["gap", "at"], name="gapevent_gap_at"),
            # "Is the ROI rollup due?": history written since the last run (roi.freshness).
            models.Index(fields=["at"], name="gapevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.gap_id}: {self.kind} {self.from_status}→{self.to_status}"


class Occurrence(models.Model):
    """One time one customer ran into a gap. The high-volume table; pushed in bulk."""

    # No index of its own: ``occurrence_gap_occurred`` (gap, occurred_at) begins with the gap
    # and serves every look-up by gap, so a second one only cost each inserted row a write.
    gap = models.ForeignKey(
        Gap, on_delete=models.PROTECT, related_name="occurrences", db_index=False
    )
    occurred_at = models.DateTimeField()
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="occurrences"
    )
    source = models.CharField(max_length=60, help_text=_("The system or channel that reported it."))
    external_id = models.CharField(
        max_length=200,
        help_text=_("The source's own id; unique per source, so re-sending is harmless."),
    )
    customer_ref = models.CharField(max_length=200, blank=True)
    # When cxalign learned of it: rollups recompute the days that late arrivals touch.
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="occurrence_unique_source_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["gap", "occurred_at"], name="occurrence_gap_occurred"),
            models.Index(fields=["occurred_at"], name="occurrence_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
