"""Django admin for the organisation, gaps, their history, occurrences and API tokens."""

from typing import Any

from django import forms
from django.contrib import admin

from . import org_services
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


class OrganisationAdmin(admin.ModelAdmin):
    """Saves through ``gaps.org_services`` (the CX team's rules, the invariants, the history
    naming the administrator), like the API. Deleting stays the admin's, with care: records
    gaps point at are protected by the database."""

    def service_fields(self, form: forms.ModelForm, *, change: bool) -> dict[str, Any]:
        """A change sends what changed (one history line with those fields); a new record
        sends everything the form holds."""
        names = form.changed_data if change else form.fields
        return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}

    def save_model(self, request, obj, form, change) -> None:
        name = self.model._meta.model_name
        fields = self.service_fields(form, change=change)
        if change:
            update = getattr(org_services, f"{name}_update")
            saved = update(**{name: obj}, actor=request.user, **fields)
        else:
            saved = getattr(org_services, f"{name}_create")(actor=request.user, **fields)
        form.instance = saved
        obj.pk = saved.pk


@admin.register(Team)
class TeamAdmin(OrganisationAdmin):
    list_display = ["name", "slug", "customer_facing"]
    list_filter = ["customer_facing"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class RoleAdminForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["name", "team", "level", "owners"]

    def clean(self) -> dict[str, Any]:
        # Said beside the field before saving; role_update checks again under its lock.
        cleaned = super().clean() or {}
        if self.instance.pk and "team" in cleaned:
            saved = Role.objects.get(pk=self.instance.pk)
            try:
                org_services.check_role_keeps_its_team(role=saved, team=cleaned["team"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Role)
class RoleAdmin(OrganisationAdmin):
    form = RoleAdminForm
    list_display = ["name", "team", "level"]
    list_filter = ["level", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]
    filter_horizontal = ["owners"]

    def save_related(self, request, form, formsets, change) -> None:
        # The owners were set by the service (save_model), with their history line.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Touchpoint)
class TouchpointAdmin(OrganisationAdmin):
    list_display = ["name", "team", "channel", "cost_per_contact"]
    list_filter = ["channel", "team"]
    list_select_related = ["team"]
    search_fields = ["name"]


@admin.register(Theme)
class ThemeAdmin(OrganisationAdmin):
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
