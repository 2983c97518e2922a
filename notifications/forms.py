"""The preferences form: one choice of delivery per kind of notification."""

from django import forms

from .models import Delivery, NotificationKind


class PreferencesForm(forms.Form):
    """A radio group per kind; initial values are the person's current choices."""

    def __init__(self, *args, current: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current[kind.value],
                widget=forms.RadioSelect,
            )
