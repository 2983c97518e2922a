from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Change reviews, and matching gaps and insights by meaning (uses gaps and insights)."""

    name = "reviews"
    verbose_name = "Change reviews"

    def ready(self) -> None:
        from gaps.digests import register_section

        from . import receivers
        from .digest import overdue_reviews_section

        # Undecided reviews past their launch day, in the one daily digest.
        register_section("overdue_reviews", overdue_reviews_section)
        receivers.connect()
