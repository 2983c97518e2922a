"""Filters shared by the ROI pages and the API (django-filter parses every query parameter)."""

import django_filters
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gaps.filtersets import CompactSelect
from gaps.models import Gap, Role, Team

from .forms import MAX_YEAR, MIN_YEAR
from .models import DailyRollup, MonthlyTeamRollup

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


class DailyRollupFilterSet(django_filters.FilterSet):
    """``/api/v1/roi/rollups/`` and its CSV export: date range, team, role, category."""

    date = django_filters.DateFromToRangeFilter(
        help_text=_("date_after=YYYY-MM-DD and/or date_before=YYYY-MM-DD (both included).")
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    role = django_filters.ModelChoiceFilter(queryset=Role.objects.all())
    category = django_filters.ChoiceFilter(choices=Gap.Category.choices)

    class Meta:
        model = DailyRollup
        fields = ["date", "team", "role", "category"]


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m")


class PeriodTeamFilterSet(django_filters.FilterSet):
    """The dashboard's and the executive summary's filters: a period of months and a team."""

    start = django_filters.DateFilter(
        field_name="month",
        lookup_expr="gte",
        input_formats=MONTH_FORMATS,
        widget=MonthInput(),
        label=_("From month"),
    )
    end = django_filters.DateFilter(
        field_name="month",
        lookup_expr="lte",
        input_formats=MONTH_FORMATS,
        widget=MonthInput(),
        label=_("To month"),
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"),
        empty_label=_("All teams"),
        label=_("Team"),
        # Options written in Python, not one template include each (see ``CompactSelect``).
        widget=CompactSelect,
    )

    class Meta:
        model = MonthlyTeamRollup
        fields = ["start", "end", "team"]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in ("start", "end") if valid else ():
            month = self.form.cleaned_data.get(name)
            if month and not MIN_YEAR <= month.year <= MAX_YEAR:
                # A period reaching year 9999 has no month after it to draw: a 500, not a chart.
                self.form.add_error(
                    name,
                    gettext("Choose a month from %(first)s to %(last)s.")
                    % {"first": MIN_YEAR, "last": MAX_YEAR},
                )
                valid = False
        start = self.form.cleaned_data.get("start") if valid else None
        end = self.form.cleaned_data.get("end") if valid else None
        if start and end and start > end:
            self.form.add_error("end", gettext("The period must end after it starts."))
            return False
        return valid
