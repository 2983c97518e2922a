"""Django admin: the outbox, read-only (what is waiting, what failed and why)."""

from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "dedupe_key", "created_at", "attempts", "sent_at", "started_at"]
    list_filter = ["task"]
    search_fields = ["task", "dedupe_key", "last_error"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
