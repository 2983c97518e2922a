"""The organisation's choices (teams, roles, touchpoints, themes) of filter forms, cached.

At enterprise size the gap list's filter form offers 400 roles with their teams, 60
touchpoints, 40 teams and the themes: building those model instances on every request cost
more than all of the page's SQL (about a thousand ``Model.__init__`` per request). The
``(id, label)`` pairs are kept in the cache instead, under a *generation* of the organisation
tables that every ``save()`` or ``delete()`` of a team, role, touchpoint or theme replaces
(``org_changed``, connected in ``gaps.apps``), so the next request reads them again.

Writes that bypass ``save()`` (``QuerySet.update``, raw SQL) do not move the generation; the
entries expire after ``ORG_CHOICES_TTL`` seconds, which bounds how long such a change can go
unseen. A lost generation key (cache flushed or evicted) is replaced by a new random one, so
entries cached under the old one are never read again.
"""

import time

from django import forms
from django.core.cache import cache

from cxalign import generations

from .filtersets import CompactSelect

ORG_CHOICES_TTL = 600
CHOICES_KEY = "cxalign:org:choices:{database}:{generation}:{form}:{name}"


def org_generation() -> str:
    """The organisation tables' current generation (a new one if the cache has none)."""
    return generations.current("org")


def org_changed(**kwargs) -> None:
    """Signal receiver: a team, role, touchpoint or theme was saved or deleted."""
    generations.replace("org")


def use_cached_choices(form: forms.Form, names: tuple[str, ...]) -> None:
    """Give the model choice fields ``names`` of ``form`` cached ``(id, label)`` choices.

    Call it once the form is dressed (labels and widgets as the page shows them): the cache
    holds each option's label and its widget's extra attributes (``instance_attrs``).

    Labels are the fields' own (``label_from_instance``) in their querysets' order, so the
    rendered options are what the querysets would give. Validation is untouched: a submitted
    id is still looked up through the field's queryset.
    """
    generation = org_generation()
    database = generations.database()
    fields = {
        CHOICES_KEY.format(
            database=database, generation=generation, form=type(form).__qualname__, name=name
        ): field
        for name in names
        if isinstance(field := form.fields.get(name), forms.ModelChoiceField)
    }
    for key, choices in _choices(fields).items():
        field = fields[key]
        prepared = _prepared.get(key)
        if prepared is None or prepared.source is not choices:
            prepared = Prepared(field, choices)
            _prepared[key] = prepared
        # The prepared pairs themselves, past the choices' setters: django-filter's would wrap
        # them in a model iterator, Django's field and widget setters would each normalise the
        # same list again (about a thousand options a form, on every request).
        field._choices = field.widget._choices = prepared.choices  # type: ignore[attr-defined]
        if prepared.option_extra:
            field.widget.option_extra = prepared.option_extra
        if isinstance(field.widget, CompactSelect):
            field.widget.written, field.widget.written_for = prepared.written, prepared.choices


class Prepared:
    """A cached choice list as a field and its widget take it: the normalised ``(id,
    label)`` pairs, the options' extra attributes and, for a ``CompactSelect``, the options
    as text (``WrittenOptions``), all made once from ``source`` (the list read from the
    cache) and shared by every form of this process that offers it."""

    def __init__(self, field: forms.ModelChoiceField, source: list) -> None:
        self.source = source
        forms.ChoiceField.choices.fset(field, [(pk, label) for pk, label, _extra in source])  # type: ignore[union-attr]  # a property
        self.choices = field.widget.choices
        self.option_extra = {str(pk): extra for pk, _label, extra in source if extra}
        if self.option_extra:
            field.widget.option_extra = self.option_extra
        widget = field.widget
        self.written = widget.written_options() if isinstance(widget, CompactSelect) else None


# This process's copy of the entries last read from the cache, with when they were read: the
# generation is still asked of the shared cache on every request, the lists (hundreds of
# pairs) are not unpickled again while it stands and the entry is younger than the TTL.
_read: dict[str, tuple[float, list]] = {}
# Those lists prepared for the fields and widgets that offer them.
_prepared: dict[str, Prepared] = {}


def _choices(fields: dict[str, forms.ModelChoiceField]) -> dict[str, list]:
    """The choices under each key: this process's copy, else the shared cache (one round trip
    for all), else the fields' querysets (then stored in the cache)."""
    now = time.monotonic()
    found = {
        key: entry[1]
        for key in fields
        if (entry := _read.get(key)) is not None and now - entry[0] < ORG_CHOICES_TTL
    }
    missing = [key for key in fields if key not in found]
    if missing:
        shared = cache.get_many(missing)
        for key in missing:
            choices = shared.get(key)
            if choices is None:
                field = fields[key]
                extra = getattr(field.widget, "instance_attrs", lambda obj: None)
                choices = [
                    (obj.pk, field.label_from_instance(obj), extra(obj))
                    for obj in field.queryset or ()
                ]
                cache.set(key, choices, ORG_CHOICES_TTL)
            found[key] = choices
        if len(_read) > 64:  # old generations' entries are never asked for again
            _read.clear()
            _prepared.clear()
        _read.update((key, (now, found[key])) for key in missing)
    return found
