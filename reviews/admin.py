"""Django admin for change reviews (administrators' view; decisions go through the pages/API)."""

from django.contrib import admin

from .models import ChangeReview, ReviewMatch


class ReviewMatchInline(admin.TabularInline):
    model = ReviewMatch
    extra = 0
    fields = ["rank", "kind", "title", "score", "monthly_rate", "monthly_cost", "prevented_gap"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs' list[str] misses tuples
    can_delete = False


@admin.register(ChangeReview)
class ChangeReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "role", "launch_on", "status", "match_method", "decided_at"]
    list_filter = ["status", "match_method", "role__team"]
    list_select_related = ["role__team"]
    search_fields = ["title", "description"]
    raw_id_fields = ["role", "created_by", "decided_by"]
    filter_horizontal = ["themes", "touchpoints"]
    readonly_fields = ["status", "match_method", "assessed_at", "decided_at", "decided_by"]
    inlines = [ReviewMatchInline]
