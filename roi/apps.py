from django.apps import AppConfig


class RoiConfig(AppConfig):
    """Cost model, savings calculations, nightly rollups, dashboard and recognition."""

    name = "roi"
    verbose_name = "ROI"
