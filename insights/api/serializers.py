"""API representations of insights, routing rules and feed items (one serializer each)."""

from rest_framework import serializers

from gaps.models import Gap, Role, Team, Theme

from ..models import FeedItem, FeedState, Insight, RoutingRule


class InsightSerializer(serializers.ModelSerializer):
    themes = serializers.PrimaryKeyRelatedField(
        queryset=Theme.objects.all(), many=True, required=False
    )
    related_gaps = serializers.PrimaryKeyRelatedField(
        queryset=Gap.objects.all(), many=True, required=False
    )

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


class RoutingRuleSerializer(serializers.ModelSerializer):
    themes = serializers.PrimaryKeyRelatedField(
        queryset=Theme.objects.all(), many=True, required=False
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    target_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.Level.choices), required=False
    )
    target_roles = serializers.PrimaryKeyRelatedField(
        queryset=Role.objects.all(), many=True, required=False
    )

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

    class Meta:
        model = Role
        fields = ["id", "name", "team", "level"]


class FeedInsightSerializer(serializers.ModelSerializer):
    """The insight as a feed shows it: what it says and the gaps behind it."""

    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
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


class FeedItemStateSerializer(serializers.Serializer):
    """What a PATCH may change: the state, and the reason when dismissing."""

    state = serializers.ChoiceField(choices=FeedState.choices)
    dismissal_reason = serializers.CharField(required=False, allow_blank=True, default="")
