"""Django admin for the ROI app."""

from django.contrib import admin

from .models import CostModel


@admin.register(CostModel)
class CostModelAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "currency",
        "cost_per_contact",
        "revenue_at_risk_per_occurrence",
        "baseline_window_days",
        "estimate_horizon_days",
        "program_cost_per_month",
    ]
