"""Forms of the change-review pages; ``reviews.services`` does the writing and the checks."""

from decimal import Decimal

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxalign.form_fields import model_choice
from gaps import permissions
from gaps.filtersets import CompactSelectMultiple
from gaps.forms import DATE
from gaps.models import Role, Theme, Touchpoint

from .models import DECIDED, ChangeReview, ReviewMatch


class ChangeReviewForm(forms.ModelForm):
    """A planned change: what, for whom, when, and where customers meet it."""

    class Meta:
        model = ChangeReview
        fields = [
            "title",
            "description",
            "affected_customers",
            "launch_on",
            "role",
            "journey_stage",
            "touchpoints",
            "themes",
        ]
        widgets = {
            "launch_on": DATE,
            "description": forms.Textarea(attrs={"rows": 5}),
            "affected_customers": forms.Textarea(attrs={"rows": 2}),
            "touchpoints": CompactSelectMultiple,
            "themes": CompactSelectMultiple,
        }
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "affected_customers": _("Affected customers"),
            "launch_on": _("Launch on"),
            "role": _("Role"),
            "journey_stage": _("Journey stage"),
            "touchpoints": _("Touchpoints"),
            "themes": _("Themes"),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self.fields, "role").queryset = Role.objects.filter(
            pk__in=permissions.owned_role_ids(user)
        ).select_related("team")
        model_choice(self.fields, "touchpoints").queryset = Touchpoint.objects.order_by("name")
        model_choice(self.fields, "themes").queryset = Theme.objects.order_by("name")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("themes")
        data.pop("touchpoints")
        return data


class DecideForm(forms.Form):
    """The decision, and for an adjusted plan the matched gaps it avoids (``prevent_<id>``
    checkboxes with ``expected_<id>`` figures, one pair per gap match, added per review)."""

    outcome = forms.ChoiceField(
        choices=[(s.value, s.label) for s in DECIDED], widget=forms.RadioSelect, label=_("Outcome")
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Adjusted: what changed in the plan. Proceeded: why the risk is accepted."),
        label=_("Note"),
    )

    def __init__(self, *args, gap_matches: list[ReviewMatch], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gap_matches = gap_matches
        for match in gap_matches:
            self.fields[f"prevent_{match.pk}"] = forms.BooleanField(
                required=False, label=gettext("Avoided: %(title)s") % {"title": match.title}
            )
            self.fields[f"expected_{match.pk}"] = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(1_000_000),
                decimal_places=2,
                label=gettext("Expected occurrences a month"),
                initial=match.monthly_rate,
            )

    def rows(self) -> list[tuple[ReviewMatch, forms.BoundField, forms.BoundField]]:
        return [
            (match, self[f"prevent_{match.pk}"], self[f"expected_{match.pk}"])
            for match in self.gap_matches
        ]

    def prevented(self) -> list[tuple[int, Decimal | None]]:
        return [
            (match.pk, self.cleaned_data.get(f"expected_{match.pk}"))
            for match in self.gap_matches
            if self.cleaned_data.get(f"prevent_{match.pk}")
        ]
