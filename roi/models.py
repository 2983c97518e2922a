"""ROI data: the versioned cost model (rollups are added beside it)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 14, "decimal_places": 2}


class CostModel(models.Model):
    """Money defaults, versioned by ``effective_from`` so that a past figure can be recomputed.

    The version in force on day T is the one with the latest ``effective_from`` ≤ T. Before the
    first version, an unsaved default (zero costs) applies — see ``roi.costs.cost_model_as_of``.
    """

    effective_from = models.DateField(unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    cost_per_contact = models.DecimalField(
        **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    revenue_at_risk_per_occurrence = models.DecimalField(
        **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    baseline_window_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1)]
    )
    estimate_horizon_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1)]
    )
    program_cost_per_month = models.DecimalField(
        **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
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
        ]

    def __str__(self) -> str:
        return f"Cost model from {self.effective_from} ({self.currency})"
