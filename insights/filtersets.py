"""Filters shared by the HTML lists and the API (one definition, two front ends)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from gaps.filtersets import CompactSelect
from gaps.models import Role, Theme

from .models import FeedItem, FeedState, Insight, InsightKind, InsightSource, InsightStatus
from .selectors import insight_search


class InsightFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=InsightStatus.choices, empty_label=_("Any status"), label=_("Status")
    )
    kind = django_filters.ChoiceFilter(
        choices=InsightKind.choices, empty_label=_("Any kind"), label=_("Kind")
    )
    source = django_filters.ChoiceFilter(
        choices=InsightSource.choices, empty_label=_("Any source"), label=_("Source")
    )
    region = django_filters.CharFilter(lookup_expr="iexact", label=_("Region"))
    segment = django_filters.CharFilter(lookup_expr="iexact", label=_("Segment"))
    theme = django_filters.ModelChoiceFilter(
        field_name="themes",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        label=_("Theme"),
        empty_label=_("Any theme"),
    )

    class Meta:
        model = Insight
        fields = ["q", "status", "kind", "source", "region", "segment", "theme"]

    def search(self, queryset, name, value):
        return insight_search(queryset, value)


class FeedItemFilterSet(django_filters.FilterSet):
    # The feed page's pickers: options written in Python, not one template each
    # (``CompactSelect``).
    state = django_filters.ChoiceFilter(
        choices=FeedState.choices,
        empty_label=_("Any state"),
        label=_("State"),
        widget=CompactSelect,
    )
    theme = django_filters.ModelChoiceFilter(
        field_name="insight__themes",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        label=_("Theme"),
        empty_label=_("Any theme"),
        widget=CompactSelect,
    )
    kind = django_filters.ChoiceFilter(
        field_name="insight__kind",
        choices=InsightKind.choices,
        empty_label=_("Any kind"),
        label=_("Kind"),
        widget=CompactSelect,
    )
    role = django_filters.ModelChoiceFilter(queryset=Role.objects.all(), label=_("Role"))

    class Meta:
        model = FeedItem
        fields = ["state", "theme", "kind", "role"]
