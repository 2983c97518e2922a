"""Serializer fields shared by every app's API."""

from rest_framework import serializers

from gaps.models import MAX_ID


class IdRelatedField(serializers.PrimaryKeyRelatedField):
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
