"""The subscription form of the CX team's pages (validation lives in the services)."""

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from gaps.filtersets import CompactSelectMultiple
from gaps.models import Role, Team

from .models import WebhookEvent, WebhookFormat, WebhookSubscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("Receiver URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=CompactSelectMultiple, label=_("Events")
    )
    format = forms.ChoiceField(choices=WebhookFormat.choices, label=_("Format"))
    secret = forms.CharField(
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank to generate one (shown once) or to keep the current one."),
        label=_("Secret"),
    )
    role = forms.ModelChoiceField(
        queryset=Role.objects.select_related("team").order_by("team__name", "name"),
        required=False,
        help_text=_("Only this role's events (escalations of its gaps, its new feed items)."),
        label=_("Role"),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        help_text=_("Only this team's events."),
        label=_("Team"),
    )

    class Meta:
        model = WebhookSubscription
        # ``secret`` is declared above but not a model field here: a blank one must never
        # be written onto the subscription (the service keeps or generates it).
        fields = ["url", "description", "events", "format", "role", "team", "active"]
        labels = {
            "url": gettext_lazy("Receiver URL"),
            "active": gettext_lazy("Active (deliver events)"),
            "description": _("Description"),
        }
