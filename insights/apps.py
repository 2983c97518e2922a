from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Customer insights, routing rules and each role's tailored feed."""

    name = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # The one daily digest (gaps.digests) carries a section of new feed items.
        from gaps.digests import register_section

        from .digest import feed_section

        register_section("feed", feed_section)
