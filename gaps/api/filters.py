"""The API's filter backend: django-filter, refusing values it would otherwise ignore.

django-filter reads an empty value (``?status=``) or one its widget cannot map (``?recurring=
maybe``) as "no filter" and answers the whole list: a typo passes for a result. The schema
types every filter, so here a value that is blank or does not parse is a 400 naming the
parameter, like any other invalid value. Free-text filters take any text, the empty one too.
"""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

BLANK = "Give a value, or leave the parameter out."
UNREADABLE = "Not a valid value."
# Bounds of every filter value (documented in the schema, cxalign/api_schema.py): request
# lines stay well within what the web server reads.
QUERY_TEXT_MAX = 200
QUERY_VALUES_MAX = 50


def unread_values(filterset: django_filters.FilterSet, params) -> dict[str, list[str]]:
    """Parameters the client gave that the (valid) filterset did not turn into a value."""
    refused: dict[str, list[str]] = {}
    cleaned = filterset.form.cleaned_data
    for name, declared in filterset.filters.items():
        if isinstance(declared, django_filters.CharFilter):
            continue
        given = [param for param in params if param == name or param.startswith(f"{name}_")]
        for param in given:
            values = params.getlist(param)
            if any(value.strip() == "" for value in values):
                refused[param] = [BLANK]
            elif param == name and cleaned.get(name) in (None, [], ()):
                refused[param] = [UNREADABLE]
    return refused


def oversized_values(filterset: django_filters.FilterSet, params) -> dict[str, list[str]]:
    """Filter parameters given too many times or with a value too long."""
    refused: dict[str, list[str]] = {}
    for param in params:
        if param not in filterset.filters and param.rsplit("_", 1)[0] not in filterset.filters:
            continue
        values = params.getlist(param)
        if len(values) > QUERY_VALUES_MAX:
            refused[param] = [f"At most {QUERY_VALUES_MAX} values."]
        elif any(len(value) > QUERY_TEXT_MAX for value in values):
            refused[param] = [f"At most {QUERY_TEXT_MAX} characters."]
    return refused


class StrictFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` whose filters all either apply or answer 400."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        # ``?ordering=`` (OrderingFilter, documented on every list) has the same bounds.
        ordering = request.query_params.getlist("ordering")
        if len(ordering) > QUERY_VALUES_MAX or any(len(v) > QUERY_TEXT_MAX for v in ordering):
            raise ValidationError(
                {
                    "ordering": [
                        gettext("At most %(values)s values of %(characters)s characters.")
                        % {"values": QUERY_VALUES_MAX, "characters": QUERY_TEXT_MAX}
                    ]
                }
            )
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        oversized = oversized_values(filterset, request.query_params)
        if oversized:
            raise ValidationError(oversized)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        refused = unread_values(filterset, request.query_params)
        if refused:
            raise ValidationError(refused)
        return filterset.qs
