from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Customer insights, routing rules and each role's tailored feed."""

    name = "insights"
    verbose_name = "Insights"
