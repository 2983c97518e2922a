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

        # The project's sessions: sign-in starts the idle timeout (cxalign.middleware).
        from django.contrib.auth.signals import user_logged_in

        from cxalign.auth import stamp_session_on_sign_in

        user_logged_in.connect(stamp_session_on_sign_in, dispatch_uid="cxalign-session-stamp")

        # Filter forms cache the organisation's choices until one of these rows changes.
        from django.db.models.signals import post_delete, post_save

        from .models import Role, Team, Theme, Touchpoint
        from .org_choices import org_changed

        for model in (Team, Role, Touchpoint, Theme):
            for signal in (post_save, post_delete):
                uid = f"org-choices-{model.__name__}"
                signal.connect(org_changed, sender=model, dispatch_uid=uid)
