"""The gap lists' page furniture: the filter bar's widgets, the status chips, the bulk form.

The filters themselves are ``GapFilterSet``'s (shared with the API); this module only dresses
its form for people: native date pickers, "Any" instead of "Unknown", roles that carry their
team so the role picker narrows to the chosen teams, and, on an owner's own list, only the
teams and roles that list can contain.
"""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxalign.form_fields import model_choice
from cxalign.text import Text

from .bulk import BulkAction
from .filtersets import CompactSelect, CompactSelectMultiple
from .models import Gap, Role, Team, Theme

DATE_FILTERS = (
    "detected_after",
    "detected_before",
    "closed_after",
    "closed_before",
    "prevented_after",
    "prevented_before",
)
YES_NO_FILTERS = {
    "overdue": ("Overdue only", "Not overdue"),
    "recurring": ("Recurring only", "Not recurring"),
    "customer_facing": ("Customer-facing teams", "Other teams"),
}


class RoleSelectMultiple(CompactSelectMultiple):
    """Roles as options that name their team (``data-team``), for the team → role narrowing."""

    def instance_attrs(self, obj: Role) -> dict[str, str]:
        return {"data-team": str(obj.team_id)}


def dress_filter_form(form: forms.Form, *, roles: QuerySet[Role] | None = None) -> None:
    """Widgets people can use; with ``roles`` (an owner's), only their teams and roles."""
    fields = form.fields
    for name in DATE_FILTERS:
        if name in fields:
            fields[name].widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    for name, (yes, no) in YES_NO_FILTERS.items():
        if name in fields:
            fields[name].widget = CompactSelect(choices=[("", "Any"), ("true", yes), ("false", no)])
    if "causing_role" in fields:
        field = model_choice(fields, "causing_role")
        if roles is not None:
            field.queryset = roles.select_related("team")
            model_choice(fields, "team").queryset = Team.objects.filter(
                pk__in=roles.values("team_id")
            )
        # Roles are labelled with their team (an instance's own labelling, not its class's).
        field.label_from_instance = lambda role: f"{role.name} · {role.team.name}"  # type: ignore[method-assign,assignment]
        field.widget = RoleSelectMultiple(attrs={"data-narrowed-by": "team"})
        field.widget.choices = field.choices
    for any_field in fields.values():
        if isinstance(any_field.widget, forms.SelectMultiple):
            any_field.widget.attrs.setdefault("data-placeholder", "Any")


def status_chips(counts: dict[str, int]) -> list[tuple[str, Text, int]]:
    """(code, label, count) in the status machine's order: people read labels, not codes."""
    return [
        (status.value, status.label, counts[status.value])
        for status in Gap.Status
        if counts.get(status.value)
    ]


class BulkActionForm(forms.Form):
    """What to do with the ticked gaps (CX team): the choices each action needs."""

    gaps = forms.ModelMultipleChoiceField(
        queryset=Gap.objects.none(), label=_("Gaps"), required=False
    )
    # "Select all": every gap the filters (``query``) match, ``expected`` of them when the
    # person confirmed (gaps.bulk.gaps_matching).
    scope = forms.ChoiceField(
        choices=[("ticked", _("The ticked gaps")), ("all", _("Every gap the filters match"))],
        required=False,
    )
    query = forms.CharField(required=False, max_length=8000, widget=forms.HiddenInput)
    expected = forms.IntegerField(
        required=False, min_value=0, max_value=10**9, widget=forms.HiddenInput
    )
    # Compact widgets: the role and theme pickers offer the whole organisation (see
    # ``CompactSelect``).
    action = forms.ChoiceField(
        choices=[("", _("Choose an action…")), *BulkAction.choices],
        label=_("Action"),
        widget=CompactSelect,
    )
    causing_role = forms.ModelChoiceField(
        queryset=Role.objects.select_related("team"),
        required=False,
        label=_("New causing role"),
        widget=CompactSelect,
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(), required=False, label=_("Theme"), widget=CompactSelect
    )
    note = forms.CharField(required=False, label=_("Note (archiving)"), max_length=2000)

    def __init__(self, *args, gaps: QuerySet[Gap], **kwargs):
        super().__init__(*args, **kwargs)
        model_choice(self.fields, "gaps").queryset = gaps
        self.fields["causing_role"].widget.attrs["data-searchable"] = ""
        self.fields["theme"].widget.attrs["data-searchable"] = ""

    def clean(self) -> dict:
        data = super().clean() or {}
        action = data.get("action")
        if action == BulkAction.REATTRIBUTE and not data.get("causing_role"):
            self.add_error(
                "causing_role", gettext("Choose the role the gaps are re-attributed to.")
            )
        if action == BulkAction.ADD_THEME and not data.get("theme"):
            self.add_error("theme", gettext("Choose the theme to add."))
        if data.get("scope") != "all" and not data.get("gaps") and "gaps" not in self.errors:
            self.add_error("gaps", gettext("Tick at least one gap."))
        return data
