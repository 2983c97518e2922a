from django.apps import AppConfig


class GapsConfig(AppConfig):
    """Organisation (teams, roles, touchpoints, themes), gaps, their history and occurrences."""

    name = "gaps"
    verbose_name = "Gaps"

    def ready(self) -> None:
        # The daily digest tells people of escalations and recurring gaps of roles they own.
        from .digests import register_section
        from .escalation import escalation_digest_section

        register_section("escalations", escalation_digest_section)
