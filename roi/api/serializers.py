"""ROI API shapes, as DESIGN.md writes them: money and percentages as two-decimal strings,
``null`` where a figure is not defined."""

from datetime import date

from django.utils.translation import gettext
from rest_framework import serializers

from roi import calculations as calc
from roi.models import DailyRollup
from roi.selectors import RoiSummary


class AsOfSerializer(serializers.Serializer):
    """``?as_of=YYYY-MM-DD`` (default: today, UTC)."""

    as_of = serializers.DateField(
        required=False, input_formats=["iso-8601"], help_text="The day T the figures are as of."
    )

    def to_internal_value(self, data):
        # DRF reads a blank query value as "not given": ``?as_of=`` would mean today.
        if data.get("as_of") == "":
            raise serializers.ValidationError({"as_of": [gettext("Give a date, or leave it out.")]})
        return super().to_internal_value(data)

    def as_of_or(self, default: date) -> date:
        return self.validated_data.get("as_of") or default


class SummarySerializer(serializers.Serializer):
    """``GET /api/v1/roi/summary/``: DESIGN.md's fields, then (an extension, nothing renamed)
    how fresh the rollups behind them are: ``rolled_through`` (the last day covered; figures
    are never as of a day after the next one), ``computed_at`` (when the last successful run
    finished) and ``stale`` (the rollup is due or its last run failed)."""

    currency = serializers.CharField()
    measured_savings = serializers.CharField()
    estimated_savings = serializers.CharField()
    investment = serializers.CharField()
    roi_percent = serializers.CharField(allow_null=True)
    roi_percent_measured = serializers.CharField(allow_null=True)
    cost_incurred = serializers.CharField()
    gaps_closed = serializers.IntegerField()
    gaps_prevented = serializers.IntegerField()
    rolled_through = serializers.DateField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()

    @staticmethod
    def shape(reading: RoiSummary) -> dict:
        summary, state = reading.summary, reading.freshness
        money = {name: calc.money_str(summary.amount(name)) for name in summary.figures}
        return {
            "currency": summary.currency,
            **money,
            "gaps_closed": summary.totals.gaps_closed,
            "gaps_prevented": summary.totals.gaps_prevented,
            "rolled_through": state.rolled_through.isoformat() if state.rolled_through else None,
            "computed_at": (
                serializers.DateTimeField().to_representation(state.computed_at)
                if state.computed_at
                else None
            ),
            "stale": state.stale,
        }


class SavingsSerializer(serializers.Serializer):
    """``GET /api/v1/gaps/{id}/savings/``."""

    kind = serializers.ChoiceField(choices=["measured", "estimated", "none"])
    amount = serializers.CharField()
    formula = serializers.CharField()
    inputs = serializers.DictField()

    @staticmethod
    def shape(figure: calc.Figure) -> dict:
        return {
            "kind": figure.kind,
            "amount": calc.money_str(figure.amount),
            "formula": figure.formula,
            "inputs": calc.plain_inputs(figure.inputs),
        }


class DailyRollupSerializer(serializers.ModelSerializer):
    """One rollup row; savings are the day's increments (see docs/roi.md)."""

    team_name = serializers.CharField(source="team.name", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)

    class Meta:
        model = DailyRollup
        fields = [
            "date",
            "team",
            "team_name",
            "role",
            "role_name",
            "category",
            *DailyRollup.MEASURES,
            "computed_at",
        ]
        read_only_fields = fields
