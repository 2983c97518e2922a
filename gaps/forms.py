"""Forms of the gap pages. They parse and check input; ``gaps.services`` does the writing.

Errors the services raise (``ValidationError`` with per-field messages) are put back on the
form with ``add_service_errors`` so that they show beside the field they concern.
"""

from decimal import Decimal

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxalign import formats
from cxalign.form_fields import model_choice
from cxalign.text import Text

from . import permissions
from .filtersets import BoundedModelMultipleChoiceField, CompactSelectMultiple
from .models import Gap, Role, Team, Theme, Touchpoint
from .models.comments import MAX_COMMENT_LENGTH
from .models.limits import GAP_LIMITS
from .selectors import roles_with_teams
from .transitions import Move

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})  # what <input type=date> reads


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: beside its field, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        field = name if shown else None
        for message in messages:
            form.add_error(field, message if field else f"{name.replace('_', ' ')}: {message}")


class GroupedRoleIterator(ModelChoiceIterator):
    """Roles grouped by team, lazily (the query runs when the select is rendered)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for role in self.queryset:
            value = ModelChoiceIteratorValue(self.field.prepare_value(role), role)
            groups.setdefault(role.team.name, []).append((value, role.name))
        yield from groups.items()


class RoleChoiceField(forms.ModelChoiceField):
    """A role picker grouped by team (``<optgroup>`` per team).

    Without JavaScript the groups keep the list readable; with it, ``static/gaps/role_picker.js``
    shows only the roles of the team chosen in the team picker.
    """

    iterator = GroupedRoleIterator

    def __init__(self, queryset=None, **kwargs):
        super().__init__(
            queryset=queryset if queryset is not None else roles_with_teams(), **kwargs
        )

    def label_from_instance(self, obj: Role) -> str:
        return f"{obj.team.name} / {obj.name}"


class TouchpointChoiceField(forms.ModelChoiceField):
    """Touchpoints with their cost per contact: the default cost to serve of a gap met there."""

    def label_from_instance(self, obj: Touchpoint) -> str:
        return gettext("%(name)s (%(cost)s per contact)") % {
            "name": obj.name,
            "cost": formats.money(obj.cost_per_contact),
        }


class AttributionMixin(forms.Form):
    """Team → role pickers; the team only narrows the role list and must agree with it."""

    causing_team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        label=_("Causing team"),
        help_text=_("Pick the team first: the role list narrows to its roles."),
    )

    def clean(self):
        data = super().clean()
        team, role = data.get("causing_team"), data.get("causing_role")
        if team is not None and role is not None and role.team_id != team.pk:
            self.add_error(
                "causing_role",
                gettext("%(role)s is not a role of %(team)s.")
                % {"role": role.name, "team": team.name},
            )
        return data


def money_field(
    help_text: Text, *, limit: Decimal, max_digits: int = 14, label: Text | None = None
) -> forms.DecimalField:
    """An optional amount with two decimals, from 0 to ``limit`` (gaps.models.limits), as the
    database requires."""
    return forms.DecimalField(
        min_value=0,
        max_value=limit,
        max_digits=max_digits,
        decimal_places=2,
        required=False,
        label=label,
        help_text=help_text,
    )


class GapForm(AttributionMixin, forms.Form):
    """Log or edit a gap (CX team): expectation and delivery side by side, attribution, money."""

    title = forms.CharField(max_length=200, label=_("Title"))
    expectation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What customers expect."),
        label=_("Expectation"),
    )
    delivery = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What customers actually get."),
        label=_("Delivery"),
    )
    category = forms.ChoiceField(choices=Gap.Category.choices, label=_("Category"))
    causing_role = RoleChoiceField(label=_("Causing role"))
    severity = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (n, format_lazy("{} – {}", n, label))
            for n, label in enumerate(
                ["", _("minor"), _("noticeable"), _("serious"), _("severe"), _("critical")]
            )
            if n
        ],
        initial=3,
        help_text=_("Sets the deadlines: severity 5 must be acknowledged within 2 days."),
        label=_("Severity"),
    )
    origin = forms.ChoiceField(
        choices=[("", "—"), *Gap.Origin.choices], required=False, label=_("Origin")
    )
    touchpoint = TouchpointChoiceField(
        queryset=Touchpoint.objects.all(), required=False, label=_("Touchpoint")
    )
    journey_stage = forms.ChoiceField(
        choices=[("", "—"), *Gap.JourneyStage.choices], required=False, label=_("Journey stage")
    )
    themes = BoundedModelMultipleChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        widget=CompactSelectMultiple,
        label=_("Themes"),
    )
    detected_on = forms.DateField(
        required=False, widget=DATE, help_text=_("Blank = today."), label=_("Detected on")
    )
    cost_to_serve = money_field(
        _("Per occurrence. Blank = the touchpoint's cost per contact."),
        limit=GAP_LIMITS["cost_to_serve"],
        label=_("Cost to serve"),
    )
    revenue_at_risk = money_field(
        _("Per occurrence. Blank = the cost model's default revenue at risk."),
        limit=GAP_LIMITS["revenue_at_risk"],
        label=_("Revenue at risk"),
    )
    expected_monthly_occurrences = money_field(
        _("For prevented gaps: how often customers would have met it each month."),
        limit=GAP_LIMITS["expected_monthly_occurrences"],
        max_digits=12,
        label=_("Expected monthly occurrences"),
    )
    remedy_cost = money_field(
        _("What fixing or preventing it cost. Blank = 0.00."),
        limit=GAP_LIMITS["remedy_cost"],
        label=_("Remedy cost"),
    )

    field_order = [
        "title",
        "expectation",
        "delivery",
        "category",
        "severity",
        "causing_team",
        "causing_role",
        "touchpoint",
        "origin",
        "journey_stage",
        "detected_on",
        "themes",
        "cost_to_serve",
        "revenue_at_risk",
        "expected_monthly_occurrences",
        "remedy_cost",
    ]

    @classmethod
    def initial_for(cls, gap: Gap) -> dict:
        initial = {name: getattr(gap, name) for name in cls.base_fields if hasattr(gap, name)}
        initial["causing_team"] = gap.causing_team_id
        initial["causing_role"] = gap.causing_role_id
        initial["touchpoint"] = gap.touchpoint_id
        initial["themes"] = [theme.pk for theme in gap.themes.all()]
        return initial

    def service_fields(self) -> dict:
        """The cleaned values as ``gap_create`` / ``gap_update`` keyword arguments."""
        data = dict(self.cleaned_data)
        data.pop("causing_team", None)
        data.pop("themes", None)
        if data.get("detected_on") is None:
            data.pop("detected_on", None)
        if data.get("remedy_cost") is None:
            data.pop("remedy_cost", None)
        return data


class PreventedGapForm(GapForm):
    """A gap caught before it reached customers, logged by the role that prevented it."""

    prevented_on = forms.DateField(
        required=False, widget=DATE, help_text=_("Blank = today."), label=_("Prevented on")
    )
    root_cause = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What would have caused it, and what was done to stop it."),
        label=_("Root cause"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["detected_on"]
        self.fields["expected_monthly_occurrences"].required = True
        if not permissions.may_manage_gaps(user):
            owned = permissions.owned_role_ids(user)
            model_choice(self.fields, "causing_role").queryset = roles_with_teams().filter(
                pk__in=owned
            )
            model_choice(self.fields, "causing_team").queryset = Team.objects.filter(
                roles__in=owned
            ).distinct()

    def service_fields(self) -> dict:
        data = super().service_fields()
        data.pop("prevented_on", None)
        return data


class TransitionForm(forms.Form):
    """One status move: a note, and the extra fields the move needs."""

    to = forms.CharField(widget=forms.HiddenInput, label=_("To"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Note")
    )

    def __init__(self, *args, move: Move | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.move = move
        if move is None:
            return
        self.fields["to"].initial = move.target
        if move.needs_note:
            self.fields["note"].required = True
            self.fields["note"].label = gettext("Note: %(needed)s") % {"needed": move.needs_note}
        if move.needs_root_cause:
            self.fields["root_cause"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                label=gettext("Root cause"),
                help_text=gettext("Required to close (kept from the gap when already written)."),
            )
        if move.source == Gap.Status.DISPUTED and move.target == Gap.Status.OPEN:
            self.fields["causing_role"] = RoleChoiceField(
                required=False,
                label=gettext("New causing role"),
                help_text=gettext("Blank = keep the role."),
            )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {"to": data["to"], "note": data.get("note", "")}
        if data.get("root_cause"):
            arguments["root_cause"] = data["root_cause"]
        if data.get("causing_role") is not None:
            arguments["causing_role"] = data["causing_role"]
        return arguments


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class RemedyPlanForm(forms.Form):
    """The remedy plan: what the causing role's owner edits (owner, due date, progress, and
    what the remedy cost, which counts in the ROI's investment). A prevented gap has no plan:
    only what preventing it cost."""

    remedy_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Plan")
    )
    remedy_owner = PersonChoiceField(
        queryset=User.objects.none(), required=False, label=_("Remedy owner")
    )
    remedy_due_on = forms.DateField(required=False, widget=DATE, label=_("Remedy due"))
    remedy_progress = forms.IntegerField(
        min_value=0, max_value=100, label=_("Progress (%)"), initial=0
    )
    remedy_cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        label=_("Remedy cost"),
        help_text=_(
            "What fixing it cost (people's time, changes): counts as investment in the ROI."
        ),
    )

    def __init__(self, *args, gap: Gap, **kwargs):
        super().__init__(*args, **kwargs)
        if gap.status == Gap.Status.PREVENTED:
            for name in ("remedy_plan", "remedy_owner", "remedy_due_on", "remedy_progress"):
                del self.fields[name]
            self.fields["remedy_cost"].label = gettext("Cost of preventing it")
            self.fields["remedy_cost"].help_text = gettext("Counts as investment in the ROI.")
            return
        # Who can own a remedy: the causing role's owners and the CX team.
        model_choice(self.fields, "remedy_owner").queryset = (
            User.objects.filter(
                Q(owned_roles=gap.causing_role_id) | Q(groups__name=permissions.CX_TEAM)
            )
            .distinct()
            .order_by("username")
        )

    @classmethod
    def initial_for(cls, gap: Gap) -> dict:
        return {
            "remedy_plan": gap.remedy_plan,
            "remedy_owner": gap.remedy_owner_id,
            "remedy_due_on": gap.remedy_due_on,
            "remedy_progress": gap.remedy_progress,
            "remedy_cost": gap.remedy_cost,
        }

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("remedy_cost", 0) is None:
            del data["remedy_cost"]  # left blank: unchanged
        return data


class CsvImportForm(forms.Form):
    """The CSV file to import (UTF-8, comma-separated, header row first)."""

    MAX_BYTES = 5 * 1024 * 1024

    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(
                gettext("The file is larger than 5 MB; split it into several files.")
            )
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(
                gettext(
                    "The file is not UTF-8 text. Save it from your spreadsheet as "
                    "'CSV UTF-8 (comma delimited)'."
                )
            ) from error


class CommentForm(forms.Form):
    """A comment on a gap; ``@username`` mentions the person."""

    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_COMMENT_LENGTH,
        help_text=_("Mention someone with @username: they are told."),
    )
