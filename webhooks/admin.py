"""Administrators read subscriptions and the delivery log; changes go through the pages/API."""

from django.contrib import admin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "format", "active", "role", "team", "created_by", "disabled_at"]
    list_filter = ["active", "format"]
    exclude = ["secret"]
    readonly_fields = ["failing_since", "disabled_at", "disabled_reason", "created_by"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "subscription", "event", "status", "attempt", "response_code"]
    list_filter = ["status", "event"]
    list_select_related = ["subscription"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
