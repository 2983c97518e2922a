"""One FilterSet per list, shared by the pages and the API."""

import html
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import django_filters
from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import MAX_ID, Gap, Occurrence, Role, Team, Theme, Touchpoint, overdue_condition
from .selectors import text_search


class BoundedModelMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Model choices by id where an id no column can hold is an invalid choice, not a crash."""

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk).strip()
            if text.lstrip("-").isdigit() and not 0 < int(text) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class CompactSelect(forms.Select):
    """A ``<select>`` whose options are written in Python, not one template each.

    Django renders every ``<option>`` through its own template include (and its attributes
    through another); the gap list's filter form has about 600 of them at enterprise size (400
    roles, 60 touchpoints, 40 teams, the themes), and its bulk form as many again, which made
    rendering the forms cost more than all of the page's SQL. Here each option is one string:
    value and label escaped (``html.escape``, as the template's autoescape does, without
    Django's lazy-string wrappers around every call), ``selected`` where the value is chosen
    (only the first match of a single ``<select>``, as Django marks it). Groups are flattened
    (the choices offered here have none).
    """

    # Extra attributes of each option, for subclasses whose options carry some (a role's team):
    # from the option's model instance, or, where the choices are cached ``(id, label)`` pairs
    # (``gaps.org_choices``), from ``option_extra`` ({str(id): attrs}) filled with them.
    option_extra: dict[str, dict[str, str]] | None = None

    def instance_attrs(self, obj) -> dict[str, str] | None:
        """An option's extra attributes from its model instance (none here)."""
        return None

    def _option_attrs(self, option_value) -> str:
        instance = getattr(option_value, "instance", None)
        if instance is not None:
            attrs = self.instance_attrs(instance)
        elif self.option_extra:
            attrs = self.option_extra.get(str(option_value))
        else:
            attrs = None
        return flatatt(attrs) if attrs else ""

    # Options written once for cached choices (``gaps.org_choices``): used while the widget's
    # ``choices`` is the very list they were given with (``written_for``).
    written: "WrittenOptions | None" = None
    written_for: object = None

    def written_options(self) -> "WrittenOptions":
        """The options of ``self.choices``, each as (value, text before, text after where
        `` selected`` goes): ``written`` when it was given for these very choices."""
        if self.written is not None and self.written_for is self.choices:
            return self.written
        return WrittenOptions(
            [
                (
                    str(option_value),
                    f'<option value="{_escaped(option_value)}"{self._option_attrs(option_value)}',
                    f">{_escaped(label)}</option>",
                )
                for option_value, label in _flat(self.choices)
            ],
        )

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = set(self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        written = self.written_options()
        if not chosen.intersection(written.values):
            options = written.unselected
        else:
            parts = []
            has_selected = False
            for option_value, before, after in written.options:
                selected = option_value in chosen and (
                    self.allow_multiple_selected or not has_selected
                )
                has_selected = has_selected or selected
                parts.append(f"{before}{' selected' if selected else ''}{after}")
            options = "".join(parts)
        return mark_safe(  # noqa: S308 - every value and label escaped (``written_options``)
            f'<select name="{_escaped(name)}"{flatatt(final_attrs)}>{options}</select>'
        )


class WrittenOptions:
    """A ``<select>``'s options as text, written once: (value, text before and after the place
    of `` selected``) each, their values, and all of them joined with none selected (what a
    filter bar or a bulk form without a choice shows: one string, whatever the options)."""

    def __init__(self, options: list[tuple[str, str, str]]) -> None:
        self.options = options
        self.values = {option_value for option_value, _before, _after in options}
        self.unselected = "".join(before + after for _value, before, after in options)


class CompactSelectMultiple(CompactSelect, forms.SelectMultiple):
    """A ``<select multiple>`` with its options written in Python (see ``CompactSelect``)."""


def _flat(choices):
    for option_value, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat(label)
        else:
            yield option_value, label


def _escaped(text) -> str:
    """``conditional_escape`` of one value: safe strings as they are, others escaped."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def chosen(value) -> list:
    """The values a multiple-choice filter was given, as a list (empty: no filter).

    A model multiple choice left out is cleaned to its queryset's ``.none()``; asking that
    for its truth ran Django's whole compiler to learn it is empty (five such filters on
    every gap list request). It is recognised without compiling.
    """
    if isinstance(value, QuerySet) and value.query.is_empty():
        return []
    return list(value or ())


class InFilterMixin:
    """Any of the chosen values, as one ``IN (…)`` on the row itself: never ``DISTINCT``.

    django-filter's multiple choices default to ``distinct=True`` (made for to-many joins) and
    an ``OR`` per value. On the gap list that turned ``?status=open`` into a ``SELECT DISTINCT``
    over every column of six joined tables, sorted on disk (issue 13). The filters using this
    mixin compare a column of the gap itself, so no row can repeat and ``IN`` lets the planner
    use the (status, detected_on, id) index. To-many filters use a subquery instead (below).
    """

    # Set by the django-filter filter this is mixed into.
    field_name: str
    if TYPE_CHECKING:

        def get_method(self, qs: QuerySet) -> Callable[..., QuerySet]: ...

    def __init__(self, *args, **kwargs):
        kwargs["distinct"] = False
        kwargs.setdefault("widget", CompactSelectMultiple)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value) -> QuerySet:
        values = chosen(value)
        if not values:
            return qs
        return self.get_method(qs)(**{f"{self.field_name}__in": values})


class InChoiceFilter(InFilterMixin, django_filters.MultipleChoiceFilter):
    """Several choices of a column of the row (``?status=open&status=disputed``)."""


class ModelMultipleChoiceFilter(InFilterMixin, django_filters.ModelMultipleChoiceFilter):
    """Several related objects by id (a foreign key of the row), ids bounded (see the field)."""

    field_class = BoundedModelMultipleChoiceField


class ThemeFilter(ModelMultipleChoiceFilter):
    """Gaps sharing any of the chosen themes, as a semi-join (``id IN (SELECT gap_id …)``).

    A join to the theme table would repeat a gap once per matching theme and need
    ``DISTINCT`` over the whole row; the subquery never repeats a row.
    """

    def filter(self, qs: QuerySet, value) -> QuerySet:
        themes = chosen(value)
        if not themes:
            return qs
        links = Gap.themes.through.objects.filter(theme__in=themes).values("gap_id")
        return qs.filter(pk__in=links)


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number a 64-bit id column can hold."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class UtcDateTimeFilter(django_filters.DateTimeFilter):
    """A moment, compared in UTC: PostgreSQL refuses offsets beyond ±15:59 (e.g. ``-16:59``),
    which Python parses happily."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super().filter(qs, value)


class UtcDayFilter(django_filters.DateFilter):
    """A whole day (UTC) against a moment column: ``after`` from that day's 00:00 UTC on,
    ``before`` up to the end of that day (both bounds included, as ``detected_after`` and
    ``detected_before`` are). The rollup counts a gap as closed on its ``closed_at``'s UTC day,
    so a month's bar and the list it opens count the same gaps. Each bound compares the raw
    column (its index serves); the last day a date can hold has no day after it, so it bounds
    nothing rather than overflowing."""

    def filter(self, qs: QuerySet, value):
        if value is None:
            return qs
        if self.lookup_expr == "gte":
            start = datetime.combine(value, time.min, tzinfo=UTC)
            return self.get_method(qs)(**{f"{self.field_name}__gte": start})
        if value == date.max:
            return self.get_method(qs)(**{f"{self.field_name}__isnull": False})
        end = datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
        return self.get_method(qs)(**{f"{self.field_name}__lt": end})


class GapFilterSet(django_filters.FilterSet):
    """Filters of the gap list (browser and ``/api/v1/gaps/``): choices and names as DESIGN.md."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = InChoiceFilter(choices=Gap.Status.choices, label=_("Status"))
    category = InChoiceFilter(choices=Gap.Category.choices, label=_("Category"))
    origin = InChoiceFilter(choices=Gap.Origin.choices, label=_("Origin"))
    journey_stage = InChoiceFilter(choices=Gap.JourneyStage.choices, label=_("Journey stage"))
    team = ModelMultipleChoiceFilter(
        field_name="causing_team", queryset=Team.objects.all(), label=_("Team")
    )
    causing_role = ModelMultipleChoiceFilter(
        queryset=Role.objects.select_related("team"), label=_("Role")
    )
    touchpoint = ModelMultipleChoiceFilter(queryset=Touchpoint.objects.all(), label=_("Touchpoint"))
    severity = InChoiceFilter(choices=[(n, str(n)) for n in range(1, 6)], label=_("Severity"))
    severity_min = django_filters.NumberFilter(
        field_name="severity", lookup_expr="gte", label=_("Severity at least")
    )
    theme = ThemeFilter(field_name="themes", queryset=Theme.objects.all(), label=_("Theme"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    recurring = django_filters.BooleanFilter(label=_("Recurring"))
    customer_facing = django_filters.BooleanFilter(
        field_name="causing_team__customer_facing", label=_("Customer-facing team")
    )
    detected_after = django_filters.DateFilter(
        field_name="detected_on", lookup_expr="gte", label=_("Detected from")
    )
    detected_before = django_filters.DateFilter(
        field_name="detected_on", lookup_expr="lte", label=_("Detected until")
    )
    # The day a gap was closed (UTC) or prevented: what the dashboard's monthly counts and
    # savings are dated by, so that a bar opens exactly the gaps behind it.
    closed_after = UtcDayFilter(field_name="closed_at", lookup_expr="gte", label=_("Closed from"))
    closed_before = UtcDayFilter(field_name="closed_at", lookup_expr="lte", label=_("Closed until"))
    prevented_after = django_filters.DateFilter(
        field_name="prevented_on", lookup_expr="gte", label=_("Prevented from")
    )
    prevented_before = django_filters.DateFilter(
        field_name="prevented_on", lookup_expr="lte", label=_("Prevented until")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("detected_on", "detected_on"),
            ("severity", "severity"),
            ("title", "title"),
            ("status", "status"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("acknowledge_due_on", "acknowledge_due_on"),
            ("remedy_due_on", "remedy_due_on"),
            ("causing_team__name", "team"),
        )
    )

    class Meta:
        model = Gap
        fields: list[str] = []

    def search(self, queryset: QuerySet[Gap], name: str, value: str) -> QuerySet[Gap]:
        return text_search(queryset, value)

    def filter_overdue(self, queryset: QuerySet[Gap], name: str, value: bool | None):
        """Overdue as the badge means it (``gaps.models.overdue_condition``)."""
        if value is None:
            return queryset
        late = overdue_condition(timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class GapApiFilterSet(GapFilterSet):
    """The API's gap filters: the browser's, plus the names issue 3 lists them by.

    ``role`` is ``causing_role`` and ``search`` is ``q``; kept out of the page's filter form,
    which would otherwise show each twice.
    """

    role = ModelMultipleChoiceFilter(
        field_name="causing_role", queryset=Role.objects.all(), label=_("Role (= causing_role)")
    )
    search = django_filters.CharFilter(method="search", label=_("Search (= q)"))


class OccurrenceFilterSet(django_filters.FilterSet):
    """Filters of ``/api/v1/occurrences/``: by gap, source, touchpoint and a time window.

    The window includes its start and excludes its end (as every window in DESIGN.md); a bare
    date means 00:00 UTC that day. Both bounds compare the raw column, so the index is used.
    """

    gap = IdFilter(field_name="gap_id")
    source = django_filters.CharFilter()
    touchpoint = IdFilter(field_name="touchpoint_id")
    external_id = django_filters.CharFilter()
    occurred_after = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Occurrence
        fields: list[str] = []
