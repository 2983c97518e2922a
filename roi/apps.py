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

        # The dashboard's content is cached until a row it shows beside the rollups changes.
        from django.db.models.signals import post_delete, post_save

        from gaps.models import Gap, Team

        from .board_cache import board_changed
        from .models import CostModel

        for model in (Gap, Team, CostModel):
            for signal in (post_save, post_delete):
                uid = f"roi-board-{model.__name__}"
                signal.connect(board_changed, sender=model, dispatch_uid=uid)
