"""The preferences form: one choice of delivery per kind of notification, and the language."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Delivery, NotificationKind


class PreferencesForm(forms.Form):
    """A radio group per kind, then the interface language; initial values are the current ones.

    Languages are listed by their own names ("Deutsch", "Français"), as a person who does not
    read the current language still finds theirs.
    """

    def __init__(self, *args, current: dict[str, str], language: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current[kind.value],
                widget=forms.RadioSelect,
            )
        self.fields["language"] = forms.ChoiceField(
            label=_("Interface language"),
            choices=[("", _("As my browser asks")), *settings.LANGUAGES],
            initial=language,
            required=False,
        )

    def delivery_fields(self) -> list[forms.BoundField]:
        return [self[kind.value] for kind in NotificationKind]

    def delivery_choices(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[kind.value] for kind in NotificationKind}
