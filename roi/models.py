"""ROI data: the versioned cost model, the daily rollups and the aggregates drawn from them."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gaps.models.limits import MAX_OCCURRENCE_MONEY, MAX_REMEDY_COST, bounded

from .querysets import RollupQuerySet

# Money fields spell their digits out (14, 2 decimals: the gaps' own) rather than splatting a
# shared dict, so that the type checker reads each field's arguments. The rollup's sums and the
# snapshots' figures (ROLLUP_DIGITS) have 18 digits before the point, so that the bounded
# inputs (gaps.models.limits) cannot overflow them at enterprise volume.
ROLLUP_DIGITS = 20
# Baseline window and estimate horizon: at most ten years, which bounds every savings figure.
MAX_WINDOW_DAYS = 3660


class CostModel(models.Model):
    """Money defaults, versioned by ``effective_from`` so that a past figure can be recomputed.

    The version in force on day T is the one with the latest ``effective_from`` ≤ T. Before the
    first version, the first version applies (it reaches back to the earliest data); program
    cost counts only from its ``effective_from`` — see ``roi.costs.version_in_force``.
    """

    effective_from = models.DateField(unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    cost_per_contact = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=bounded(MAX_OCCURRENCE_MONEY),
    )
    revenue_at_risk_per_occurrence = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=bounded(MAX_OCCURRENCE_MONEY),
    )
    baseline_window_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(MAX_WINDOW_DAYS)]
    )
    estimate_horizon_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1), MaxValueValidator(MAX_WINDOW_DAYS)]
    )
    program_cost_per_month = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=bounded(MAX_REMEDY_COST),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_per_contact__gte=0)
                & Q(revenue_at_risk_per_occurrence__gte=0)
                & Q(program_cost_per_month__gte=0),
                name="costmodel_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(baseline_window_days__gte=1) & Q(estimate_horizon_days__gte=1),
                name="costmodel_windows_positive",
            ),
            models.CheckConstraint(
                condition=Q(cost_per_contact__lte=MAX_OCCURRENCE_MONEY)
                & Q(revenue_at_risk_per_occurrence__lte=MAX_OCCURRENCE_MONEY)
                & Q(program_cost_per_month__lte=MAX_REMEDY_COST)
                & Q(baseline_window_days__lte=MAX_WINDOW_DAYS)
                & Q(estimate_horizon_days__lte=MAX_WINDOW_DAYS),
                name="costmodel_within_limits",
            ),
        ]

    def __str__(self) -> str:
        return f"Cost model from {self.effective_from} ({self.currency})"


class RollupMeasures(models.Model):
    """The measures every rollup table carries, so that a month is the sum of its days.

    ``measured_savings`` and ``estimated_savings`` of a day are that day's *increments* (see
    ``roi.services``): summed over the days before T they give the savings as of T. A day's
    measured increment can be negative (an occurrence after closing lowers the savings).
    """

    gaps_opened = models.PositiveIntegerField(default=0)
    gaps_closed = models.PositiveIntegerField(default=0)
    gaps_prevented = models.PositiveIntegerField(default=0)
    occurrences = models.PositiveIntegerField(default=0)
    cost_incurred = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )
    measured_savings = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )
    estimated_savings = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )
    remedy_spend = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )
    # The run that last wrote the row. On PostgreSQL a run rewrites only rows whose measures
    # changed and deletes the range's rows it no longer computes (their gaps moved); the
    # Python path (SQLite) rewrites every row and deletes those it did not write.
    computed_at = models.DateTimeField()

    MEASURES = (
        "gaps_opened",
        "gaps_closed",
        "gaps_prevented",
        "occurrences",
        "cost_incurred",
        "measured_savings",
        "estimated_savings",
        "remedy_spend",
    )

    class Meta:
        abstract = True


class DailyRollup(RollupMeasures):
    """One day of one (team, role, category): what the gaps caused, cost and saved that day."""

    date = models.DateField()
    # Derived rows, rewritten by the rollup from gaps whose team and role are enforced (and
    # protected) there: no database constraint or single-column index of their own. At a
    # million rows a full run spent a quarter of its time on their deferred foreign-key checks
    # and on two indexes that the (team, date) and (role, date) indexes already cover.
    team = models.ForeignKey(
        "gaps.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    role = models.ForeignKey(
        "gaps.Role", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    category = models.CharField(max_length=16)

    objects = RollupQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "team_id", "role_id", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "team", "role", "category"], name="dailyrollup_unique_key"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "date"], name="dailyrollup_team_date"),
            models.Index(fields=["role", "date"], name="dailyrollup_role_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.team_id}/{self.role_id}/{self.category}"


class DailyTeamRollup(RollupMeasures):
    """The daily rows of one team summed per day (``roi.team_days``): with the months × teams
    aggregate, the totals as of any day T read at most a few thousand rows — months fully
    before T from ``MonthlyTeamRollup``, the days of T's month before T from here."""

    date = models.DateField()
    team = models.ForeignKey("gaps.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["date", "team_id"]
        constraints = [
            # Also the index the summary's date-range read uses.
            models.UniqueConstraint(fields=["date", "team"], name="dailyteamrollup_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.team_id}"


class MonthlyTeamRollup(RollupMeasures):
    """The daily rows of one team summed per month: what the dashboard draws (months × teams).

    Also holds, for the medians the dashboard shows, how many gaps took how many whole days
    from detection to being acknowledged / closed in that month: ``{"days": count}``.
    """

    month = models.DateField(help_text=_("First day of the month."))
    team = models.ForeignKey("gaps.Team", on_delete=models.CASCADE, related_name="+")
    acknowledge_days = models.JSONField(default=dict, blank=True)
    close_days = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["month", "team_id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "team"], name="monthlyteamrollup_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.team_id}"


class MonthlyRoleRollup(RollupMeasures):
    """The daily rows of one role summed per month: what the recognition board ranks."""

    month = models.DateField(help_text=_("First day of the month."))
    team = models.ForeignKey("gaps.Team", on_delete=models.CASCADE, related_name="+")
    role = models.ForeignKey("gaps.Role", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["month", "role_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "role"], name="monthlyrolerollup_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["month", "role"], name="monthlyrolerollup_month_role")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.role_id}"


class GapSnapshot(models.Model):
    """Per gap, as of the day after the last rolled-up day: its monthly cost and its savings.

    Written by the rollup so that the dashboard can list the costliest open gaps and the
    biggest savers without counting occurrences. Monthly cost = occurrences in the 30 days
    before ``as_of`` × unit cost (a month is 30 days).
    """

    gap = models.OneToOneField("gaps.Gap", on_delete=models.CASCADE, related_name="roi_snapshot")
    team = models.ForeignKey("gaps.Team", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16)
    as_of = models.DateField()
    unit_cost = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )
    occurrences_last_30_days = models.PositiveIntegerField(default=0)
    monthly_cost = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )
    savings_kind = models.CharField(max_length=10, default="none")
    savings = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["-monthly_cost"]
        indexes = [
            models.Index(fields=["status", "monthly_cost"], name="gapsnapshot_status_cost"),
            models.Index(fields=["savings_kind", "savings"], name="gapsnapshot_kind_savings"),
        ]

    def __str__(self) -> str:
        return f"{self.gap_id} as of {self.as_of}"


class TeamOpenCost(models.Model):
    """Per team, its open gaps and their monthly cost, summed from the gap snapshots when the
    rollup writes them (``roi.services``).

    The dashboard's "open gaps cost per month" reads these few rows (one per team) instead of
    adding up the monthly cost of every open gap's snapshot on each request, a sum that grows
    with the gaps (tens of thousands of rows at enterprise size).
    """

    team = models.OneToOneField("gaps.Team", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    open_gaps = models.PositiveIntegerField(default=0)
    monthly_cost = models.DecimalField(
        max_digits=ROLLUP_DIGITS, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["team_id"]

    def __str__(self) -> str:
        return f"{self.team_id} as of {self.as_of}"


class RollupRun(models.Model):
    """One run of the rollup: which days it recomputed, when it finished, and how it ended.

    A failed run is written after its own transaction rolled back (nothing of it is kept but
    this row), so that the dashboard can say "the last run failed" and why. Its
    ``first_day``/``last_day`` stay empty: only succeeded runs cover days (the error text names
    the range it tried). ``skipped_gaps`` lists gaps a succeeded run left out because their
    figures would not fit the rollup's columns (each also has a line in its history).
    """

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly job")
        MANUAL = "manual", _("By hand")
        DEMO = "demo", _("Demo data")

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCEEDED)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    daily_rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text=_("Why a failed run failed."))
    failed_gap = models.ForeignKey(
        "gaps.Gap",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The gap a failed run was computing, where known."),
    )
    skipped_gaps = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'Gaps left out of a run\'s figures: [{"gap": id, "reason": "…"}].',
        ),
    )

    class Meta:
        ordering = ["-finished_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-finished_at"], name="rolluprun_status_finished")
        ]

    def __str__(self) -> str:
        return f"{self.trigger} {self.status} {self.first_day}..{self.last_day}"
