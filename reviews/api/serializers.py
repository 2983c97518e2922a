"""The change-review API's representations and input checks (DESIGN.md, "Change reviews").

Writes go through ``reviews.services``; these only parse. Themes by slug, roles and touchpoints
by id, money as decimal strings, as in the rest of the API.
"""

from decimal import Decimal

from rest_framework import serializers

from gaps.api.fields import IdRelatedField, SlugRefField
from gaps.api.serializers import StrictInputMixin
from gaps.models import Gap, Role, Theme, Touchpoint

from ..models import DECIDED, ChangeReview, ReviewMatch


class ChangeReviewSerializer(StrictInputMixin, serializers.ModelSerializer):
    role = IdRelatedField(queryset=Role.objects.all(), help_text="A role you own.")
    themes = SlugRefField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, required=False
    )
    touchpoints = IdRelatedField(queryset=Touchpoint.objects.all(), many=True, required=False)
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    overdue = serializers.BooleanField(read_only=True)
    accepted_monthly_risk = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = ChangeReview
        fields = [
            "id",
            "title",
            "description",
            "affected_customers",
            "launch_on",
            "role",
            "journey_stage",
            "touchpoints",
            "themes",
            "status",
            "decision_note",
            "match_method",
            "overdue",
            "accepted_monthly_risk",
            "assessed_at",
            "decided_at",
            "decided_by",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "decision_note",
            "match_method",
            "assessed_at",
            "decided_at",
            "created_at",
            "updated_at",
        ]


class ReviewMatchSerializer(serializers.ModelSerializer):
    """One line of ``matches/``: DESIGN.md's shape, plus the rate behind the monthly cost."""

    object_id = serializers.IntegerField(read_only=True)
    score = serializers.FloatField(read_only=True)
    monthly_cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )
    monthly_rate = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Occurrences a month over the last 90 days (gaps only).",
    )
    prevented_gap: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = ReviewMatch
        fields = [
            "id",
            "kind",
            "object_id",
            "title",
            "score",
            "evidence",
            "monthly_cost",
            "monthly_rate",
            "prevented_gap",
        ]
        read_only_fields = fields


class PreventedSerializer(StrictInputMixin, serializers.Serializer):
    match = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    expected_monthly_occurrences = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        required=False,
        allow_null=True,
        help_text="Default: the matched gap's rate over the last 90 days.",
    )


class DecideSerializer(StrictInputMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(s.value, s.label) for s in DECIDED])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    prevented = PreventedSerializer(many=True, required=False, default=list)


class SimilarGapSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="gap.pk")
    title = serializers.CharField(source="gap.title")
    status = serializers.ChoiceField(source="gap.status", choices=Gap.Status.choices)
    expectation = serializers.CharField(source="gap.expectation")
    delivery = serializers.CharField(source="gap.delivery")
    score = serializers.FloatField()
    url = serializers.CharField(source="gap.get_absolute_url")


class SimilarGapsAnswerSerializer(serializers.Serializer):
    method = serializers.CharField(
        help_text="How the gaps were matched: `meaning`, or `words` when the embedding model is "
        "not installed (the same values as a review's `match_method`)."
    )
    results = SimilarGapSerializer(many=True)


class TextQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, trim_whitespace=True)


class ThemeSuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name", "slug"]
