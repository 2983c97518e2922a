from django.apps import AppConfig


class GapsConfig(AppConfig):
    """Organisation (teams, roles, touchpoints, themes), gaps, their history and occurrences."""

    name = "gaps"
    verbose_name = "Gaps"
