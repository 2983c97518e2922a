"""Django admin for the organisation, gaps, their history, occurrences and API tokens."""

from django.contrib import admin

from .comments import comment_delete
from .models import (
    ApiToken,
    DigestDelivery,
    Escalation,
    Gap,
    GapComment,
    GapEvent,
    Occurrence,
    Role,
    Team,
    Theme,
    Touchpoint,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "customer_facing"]
    list_filter = ["customer_facing"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "level"]
    list_filter = ["level", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]
    filter_horizontal = ["owners"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "channel", "cost_per_contact"]
    list_filter = ["channel", "team"]
    list_select_related = ["team"]
    search_fields = ["name"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class GapEventInline(admin.TabularInline):
    model = GapEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "from_status", "to_status", "note", "changes", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Gap)
class GapAdmin(admin.ModelAdmin):
    """Read and archive through the app's pages: the admin does not bypass the history."""

    list_display = ["title", "status", "category", "causing_role", "severity", "detected_on"]
    list_filter = ["status", "category", "causing_team", "severity", "recurring", "overdue"]
    list_select_related = ["causing_role__team", "causing_team"]
    search_fields = ["title", "expectation", "delivery"]
    date_hierarchy = "detected_on"
    inlines = [GapEventInline]
    autocomplete_fields = ["causing_role", "touchpoint", "remedy_owner", "created_by"]

    # Saving here would skip gaps.services and leave no GapEvent: the admin only reads gaps.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GapEvent)
class GapEventAdmin(admin.ModelAdmin):
    list_display = ["gap", "kind", "from_status", "to_status", "actor", "at"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["gap", "actor"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GapComment)
class GapCommentAdmin(admin.ModelAdmin):
    """Administrators read comments and may delete one (only here, and never silently: the
    deletion goes through ``comments.comment_delete``, which writes the gap's history)."""

    list_display = ["gap", "author", "created_at", "edited_at"]
    list_select_related = ["gap", "author"]
    search_fields = ["body", "author__username"]
    raw_id_fields = ["gap", "author", "mentions"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def delete_model(self, request, obj: GapComment) -> None:
        comment_delete(comment=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for comment in queryset.select_related("author"):
            comment_delete(comment=comment, actor=request.user)


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ["gap", "occurred_at", "source", "external_id", "touchpoint"]
    list_filter = ["source"]
    list_select_related = ["gap", "touchpoint"]
    search_fields = ["external_id", "customer_ref"]
    raw_id_fields = ["gap"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["gap", "level", "reason", "recipient", "created_at", "notified_at"]
    list_filter = ["level", "reason"]
    list_select_related = ["gap", "recipient"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["recipient", "day", "sent_at"]
    list_select_related = ["recipient"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ``manage.py issue_token`` (which shows the key once)."""

    list_display = ["name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False
