from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed webhooks (JSON, Slack, Teams) for the domain's events, with a delivery log."""

    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # The creator of a subscription switched off after a day of failures hears of it in
        # their daily digest too (besides the e-mail sent at once).
        from gaps.digests import register_recipients, register_section

        from .notifications import switched_off_recipients, switched_off_section

        register_section("webhooks", switched_off_section)
        register_recipients("webhooks", switched_off_recipients)
