"""Serializer fields shared by every app's API."""

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from gaps.models import MAX_ID

# Where ``read_page_values`` leaves a row's related values: {field name: [values]}.
PAGE_VALUES = "_page_values"


class _PageValues(list):
    """Related values read for a whole page, already in their representation."""


class PageValuesManyField(serializers.ManyRelatedField):
    """DRF's many-related field, answering from values read for the whole page when the row
    carries them (``read_page_values``), else by DRF's own path (a single object, a write).

    A prefetch hands each row its related objects through a related manager and a cloned
    queryset (two per row and relation: 100 query clones for a page of 50 gaps, 15 % of the
    list's Python); the page's values instead come from one query of the link table, as plain
    ids or slugs, which is what the field writes anyway (the same list, the same order).
    """

    def get_attribute(self, instance: Any) -> Any:
        read = instance.__dict__.get(PAGE_VALUES)
        if read is not None and self.source in read:
            return _PageValues(read[self.source])
        return super().get_attribute(instance)

    def to_representation(self, iterable: Any) -> list[Any]:
        if type(iterable) is _PageValues:
            return list(iterable)
        return super().to_representation(iterable)


class PageValuesMixin:
    """``many=True`` builds a ``PageValuesManyField`` (DRF's ``RelatedField.many_init``)."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> PageValuesManyField:
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({key: kwargs[key] for key in kwargs if key in MANY_RELATION_KWARGS})
        return PageValuesManyField(**list_kwargs)


def read_page_values(rows: Sequence[Model], name: str, *, value: str = "pk") -> None:
    """Each row's related ``value`` (``"pk"``, or a column such as ``"slug"``) through the
    many-to-many field ``name``, for the whole page in one query of the link table, in the
    related model's ordering (what a prefetch of the relation returns), where
    ``PageValuesManyField`` reads them."""
    if not rows:
        return
    field = type(rows[0])._meta.get_field(name)
    through = field.remote_field.through  # type: ignore[union-attr]  # a many-to-many field
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
    related = field.related_model._meta  # type: ignore[union-attr]
    terms = [str(term) for term in related.ordering or ()]
    if not {term.lstrip("-") for term in terms} & {"pk", related.pk.attname}:
        terms.append(related.pk.attname)  # a tie-breaker: a prefetch leaves ties unordered
    ordering = [
        f"-{target}__{term[1:]}" if term.startswith("-") else f"{target}__{term}" for term in terms
    ]
    read = f"{target}_id" if value == "pk" else f"{target}__{value}"
    by_row: dict[Any, list[Any]] = {row.pk: [] for row in rows}
    pairs = (
        through._default_manager.filter(**{f"{source}_id__in": list(by_row)})
        .order_by(*ordering)
        .values_list(f"{source}_id", read)
    )
    for row_pk, related_value in pairs:
        by_row[row_pk].append(related_value)
    for row in rows:
        row.__dict__.setdefault(PAGE_VALUES, {})[name] = by_row[row.pk]


class IdRelatedField(PageValuesMixin, serializers.PrimaryKeyRelatedField):
    """A related object by id, where an id is a whole number an id column can hold.

    DRF's field hands any JSON number to the database lookup: ``1e400`` (infinity once parsed)
    crashed the request with OverflowError, and ``1.5`` silently meant object 1. An id is a
    JSON integer, as the schema says: ``"7"`` is refused like ``7.0``.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class SlugListedField(PageValuesMixin, serializers.SlugRelatedField):
    """DRF's ``SlugRelatedField``, whose ``many=True`` reads values read per page."""


class SlugRefField(serializers.SlugRelatedField):
    """A related object by slug or username, checked as text before any query is made.

    DRF's field sends whatever arrives to the lookup: a NUL byte reached PostgreSQL, which
    refuses it with a ``DataError`` (a 500), and a number or an object became its ``str()``.
    """

    default_error_messages = {
        "null_characters": "Null characters are not allowed.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


# What a JSON body must carry for each kind of field; DRF coerces more (``"5"`` → 5, ``1`` →
# ``"1"``, ``"yes"`` → True, an object's keys → a list), which the schema does not admit. The
# message is the field's own (DRF's wording) under the key named here.
_JSON_TYPES: list[tuple[type[serializers.Field], tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), "invalid"),
    (serializers.CharField, (str,), "invalid"),
    (serializers.DateTimeField, (str,), "invalid"),
    (serializers.DateField, (str,), "invalid"),
    (serializers.DecimalField, (str, int, float), "invalid"),
    (serializers.IntegerField, (int,), "invalid"),
    (serializers.PrimaryKeyRelatedField, (int,), "incorrect_type"),
    (serializers.ListField, (list,), "not_a_list"),
    (serializers.ManyRelatedField, (list,), "not_a_list"),
]


def json_type_error(field: serializers.Field, value) -> str | None:
    """Why ``value`` is not of the JSON type the schema gives ``field``, or None when it is.

    ``null`` is left to the field (``allow_null`` decides); booleans are never numbers.
    """
    if value is None:
        return None
    for field_class, types, key in _JSON_TYPES:
        if not isinstance(field, field_class):
            continue
        if isinstance(value, types) and not (isinstance(value, bool) and bool not in types):
            return None
        message = field.error_messages.get(key) or "Wrong type."
        kind = type(value).__name__
        return message.format(data_type=kind, input_type=kind, format="ISO 8601")
    return None
