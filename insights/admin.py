"""Django admin for insights, routing rules and feed items (administrators' view of the data).

Publishing and routing are not done here: the insight pages and the API call the services,
which enqueue routing; the admin only reads and corrects.
"""

from django.contrib import admin

from .models import FeedItem, Insight, RoutingRule


@admin.register(Insight)
class InsightAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "source", "segment", "region", "status", "published_at"]
    list_filter = ["status", "kind", "source", "region"]
    search_fields = ["title", "finding", "evidence"]
    filter_horizontal = ["themes"]
    raw_id_fields = ["related_gaps", "created_by"]
    readonly_fields = ["status", "published_at", "created_at", "updated_at"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "gap_category", "region", "kind", "team", "active"]
    list_filter = ["active", "kind", "gap_category"]
    filter_horizontal = ["themes", "target_roles"]


@admin.register(FeedItem)
class FeedItemAdmin(admin.ModelAdmin):
    list_display = ["insight", "role", "state", "relevance", "created_at"]
    list_filter = ["state", "role__team"]
    list_select_related = ["insight", "role__team"]
    search_fields = ["insight__title", "role__name", "reason"]
    raw_id_fields = ["insight", "role", "rule", "state_changed_by"]
