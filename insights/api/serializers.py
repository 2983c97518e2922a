"""API representations of insights, routing rules and feed items (one serializer each).

Inputs are strict as in the gaps API (its ``StrictInputMixin``): a key a body may not set is a
400 naming it, never silently dropped.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gaps.api.fields import IdRelatedField
from gaps.api.serializers import StrictInputMixin
from gaps.models import Gap, Role, Team, Theme
from gaps.models.gaps import GapCategory

from ..models import (
    FeedItem,
    FeedState,
    Insight,
    InsightKind,
    InsightSource,
    InsightStatus,
    RoutingRule,
)


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented as a string pattern rather than an OpenAPI enum.

    drf-spectacular names every enum by its field name across the whole schema; other apps
    expose the same choice sets (role levels, gap categories) under other names and other sets
    under the same names (``kind``), which its check reports as warnings. A pattern documents
    the allowed values just as strictly and cannot collide.
    """
    values = [value for value, _label in choices]
    # A blank value, where allowed, is documented by drf-spectacular beside the pattern.
    pattern = "^(" + "|".join(values) + ")$"
    schema = {"type": "string", "pattern": pattern, "description": "One of: " + ", ".join(values)}
    field_class = extend_schema_field(schema)(
        type("PatternChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class InsightSerializer(StrictInputMixin, serializers.ModelSerializer):
    kind = choice_field(InsightKind.choices)
    # A field named like a Field attribute: DRF keeps declared fields apart.
    source = choice_field(  # type: ignore[assignment]
        InsightSource.choices, required=False, allow_blank=True
    )
    status = choice_field(InsightStatus.choices, read_only=True)
    themes = IdRelatedField(queryset=Theme.objects.all(), many=True, required=False)
    related_gaps = IdRelatedField(queryset=Gap.objects.all(), many=True, required=False)

    class Meta:
        model = Insight
        fields = [
            "id",
            "title",
            "finding",
            "evidence",
            "recommendation",
            "kind",
            "source",
            "segment",
            "region",
            "themes",
            "related_gaps",
            "status",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "published_at", "created_at", "updated_at"]


class RoutingRuleSerializer(StrictInputMixin, serializers.ModelSerializer):
    themes = IdRelatedField(queryset=Theme.objects.all(), many=True, required=False)
    team = IdRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    gap_category = choice_field(GapCategory.choices, required=False, allow_blank=True)
    kind = choice_field(InsightKind.choices, required=False, allow_blank=True)
    target_levels = serializers.ListField(child=choice_field(Role.Level.choices), required=False)
    target_roles = IdRelatedField(queryset=Role.objects.all(), many=True, required=False)

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "name",
            "themes",
            "gap_category",
            "region",
            "kind",
            "team",
            "target_levels",
            "target_roles",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ReachRoleSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    level = choice_field(Role.Level.choices, read_only=True)

    class Meta:
        model = Role
        fields = ["id", "name", "team", "level"]


class ReachSerializer(serializers.Serializer):
    """What ``routing-rules/reach/`` answers: the roles a rule would reach, and how many
    published insights it matches now."""

    roles = ReachRoleSerializer(many=True)
    matching_insights = serializers.IntegerField(min_value=0)


class FeedInsightSerializer(serializers.ModelSerializer):
    """The insight as a feed shows it: what it says and the gaps behind it."""

    kind = choice_field(InsightKind.choices, read_only=True)
    source = choice_field(  # type: ignore[assignment]  # a field named like an attribute
        InsightSource.choices, read_only=True, allow_blank=True
    )
    themes: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    related_gaps = serializers.SerializerMethodField()

    class Meta:
        model = Insight
        fields = [
            "id",
            "title",
            "finding",
            "kind",
            "source",
            "segment",
            "region",
            "themes",
            "related_gaps",
            "published_at",
        ]

    def get_related_gaps(self, insight: Insight) -> list[dict]:
        return [
            {"id": gap.pk, "title": gap.title, "url": gap.get_absolute_url()}
            for gap in insight.related_gaps.all()
        ]


class FeedItemSerializer(serializers.ModelSerializer):
    role_name = serializers.CharField(source="role.name", read_only=True)
    insight = FeedInsightSerializer(read_only=True)
    state = choice_field(FeedState.choices, read_only=True)

    class Meta:
        model = FeedItem
        fields = [
            "id",
            "role",
            "role_name",
            "insight",
            "reason",
            "tailored_summary",
            "relevance",
            "state",
            "dismissal_reason",
            "state_changed_at",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f not in ("state", "dismissal_reason")]


class FeedItemStateSerializer(StrictInputMixin, serializers.Serializer):
    """What a PATCH may change: the state, and the reason when dismissing."""

    state = choice_field(FeedState.choices)
    dismissal_reason = serializers.CharField(required=False, allow_blank=True, default="")
