"""``get_<field>_display()`` without rebuilding the field's choices on every call.

Django's ``Model._get_FIELD_display`` builds a dict of the field's choices on each call,
hashing every lazy label (which translates it) to do so: a feed page of 25 cards asked it
about 120 times, a tenth of the page's time. The models whose labels pages show take this
mixin: the ``{value: label}`` dict is built once per field (labels stay lazy, so each call
still answers in the active language), the answer is Django's to the character.
"""

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

LABELS = "_cxalign_choice_labels"


def _labels(field: models.Field) -> dict[Any, Any]:
    labels = field.__dict__.get(LABELS)
    if labels is None:
        labels = {make_hashable(value): label for value, label in field.flatchoices}
        field.__dict__[LABELS] = labels
    return labels


class ChoiceLabelsMixin:
    """Mixed into a model before ``models.Model``: its ``get_<field>_display()`` read a
    dict built once per field (see the module)."""

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
