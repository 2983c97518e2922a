"""Typed access to a form's choice fields.

``form.fields`` is typed as holding plain ``Field`` objects; a form that narrows a choice
field's queryset asks for it here, which checks what the type checker cannot.
"""

from collections.abc import Mapping

from django import forms


def model_choice(fields: Mapping[str, forms.Field], name: str) -> forms.ModelChoiceField:
    """The field ``name``, a (single or multiple) model choice field."""
    field = fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model choice field.")
    return field
