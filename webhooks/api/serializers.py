"""Webhook subscriptions and deliveries as the API reads and writes them."""

from rest_framework import serializers

from gaps.api.fields import IdRelatedField
from gaps.api.serializers import StrictInputMixin
from gaps.models import Role, Team

from ..models import WebhookDelivery, WebhookEvent, WebhookFormat, WebhookSubscription


class WebhookSubscriptionSerializer(StrictInputMixin, serializers.ModelSerializer):
    """``secret`` is write-only: generated when blank, shown once in the create answer."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=20
    )
    format = serializers.ChoiceField(choices=WebhookFormat.choices, default=WebhookFormat.JSON)
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=128, trim_whitespace=True
    )
    role = IdRelatedField(queryset=Role.objects.all(), required=False, allow_null=True)
    team = IdRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "format",
            "secret",
            "active",
            "description",
            "role",
            "team",
            "created_by",
            "created_at",
            "updated_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
        ]
        read_only_fields = [
            "created_by",
            "created_at",
            "updated_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
        ]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The create answer: the subscription and, this once, its secret."""

    secret = serializers.CharField(read_only=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "attempt",
            "status",
            "response_code",
            "duration_ms",
            "next_attempt_at",
            "created_at",
        ]
        read_only_fields = fields
