from django.apps import AppConfig


class RoiConfig(AppConfig):
    """Cost model, savings calculations, nightly rollups, dashboard and recognition."""

    name = "roi"
    verbose_name = "ROI"

    def ready(self) -> None:
        # The daily digest tells the CX team and administrators of a failed or stale rollup.
        from gaps.digests import register_recipients, register_section

        from .digest import rollup_digest_recipients, rollup_digest_section

        register_recipients("roi-rollup", rollup_digest_recipients)
        register_section("roi-rollup", rollup_digest_section)
