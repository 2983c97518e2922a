from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at", "in_app", "in_digest"]
    list_filter = ["kind", "in_app", "in_digest"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "actor"]
    search_fields = ["title", "recipient__username"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
