"""Forms of the insight and rule pages; they validate input and hand it to the services."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from gaps.filtersets import BoundedModelMultipleChoiceField, CompactSelectMultiple
from gaps.models import Gap, Role, Team, Theme

from .models import FeedState, Insight, RoutingRule


class InsightForm(forms.ModelForm):
    themes = BoundedModelMultipleChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        widget=CompactSelectMultiple,
        label=_("Themes"),
    )
    related_gaps = BoundedModelMultipleChoiceField(
        queryset=Gap.objects.exclude(status=Gap.Status.ARCHIVED).select_related("causing_team"),
        required=False,
        widget=CompactSelectMultiple,
        help_text=_("The gaps this finding is about; their causing roles always receive it."),
        label=_("Related gaps"),
    )

    class Meta:
        model = Insight
        fields = [
            "title",
            "kind",
            "source",
            "finding",
            "evidence",
            "recommendation",
            "segment",
            "region",
            "themes",
            "related_gaps",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "finding": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
            "recommendation": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "recommendation": gettext_lazy("What to do differently"),
            "title": _("Title"),
            "kind": _("Kind"),
            "source": _("Source"),
            "finding": _("Finding"),
            "evidence": _("Evidence"),
            "segment": _("Segment"),
            "region": _("Region"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Insight.Kind.choices  # no blank radio button
        if self.instance.pk:
            # A gap archived after it was linked stays a valid choice: editing the insight must
            # not force unlinking it (which would take it out of its causing role's feed).
            self.fields["related_gaps"].queryset = (
                Gap.objects.filter(~Q(status=Gap.Status.ARCHIVED) | Q(insights=self.instance))
                .select_related("causing_team")
                .distinct()
            )
        self.fields["related_gaps"].label_from_instance = lambda gap: (
            f"#{gap.pk} {gap.title} ({gap.causing_team.name})"
        )


class RoutingRuleForm(forms.ModelForm):
    themes = BoundedModelMultipleChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        widget=CompactSelectMultiple,
        label=_("Themes"),
    )
    target_levels = forms.MultipleChoiceField(
        choices=Role.Level.choices,
        required=False,
        widget=CompactSelectMultiple,
        label=_("Target levels"),
    )
    target_roles = BoundedModelMultipleChoiceField(
        queryset=Role.objects.select_related("team"),
        required=False,
        widget=CompactSelectMultiple,
        label=_("Target roles"),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        help_text=_("Level targets pick roles of this team; blank = every team."),
        label=_("Team"),
    )

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "themes",
            "gap_category",
            "region",
            "kind",
            "team",
            "target_levels",
            "target_roles",
            "active",
        ]
        labels = {
            "name": _("Name"),
            "gap_category": _("Gap category"),
            "region": _("Region"),
            "kind": _("Kind"),
            "active": _("Active"),
        }


class FeedStateForm(forms.Form):
    state = forms.ChoiceField(choices=FeedState.choices, label=_("State"))
    dismissal_reason = forms.CharField(
        required=False, widget=forms.Textarea, label=_("Dismissal reason")
    )
