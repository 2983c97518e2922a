from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (the bell) and each person's choice of where each kind reaches them."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Kinds that no other digest section tells (mentions, reviews due) go in the daily
        # digest through this app's section.
        from gaps.digests import register_section

        from . import language  # noqa: F401  (connects the sign-in signal)
        from .digest import notification_section

        register_section("notifications", notification_section)
