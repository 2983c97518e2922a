from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Tasks written with the change they follow, sent on commit, re-sent by a drain."""

    name = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        # Bookkeeping, not domain logic: a task started from the outbox marks its message
        # started, which releases the message's de-duplication key (see services.enqueue).
        from celery.signals import task_prerun

        task_prerun.connect(_mark_started, weak=False, dispatch_uid="outbox-mark-started")


def _mark_started(sender=None, task_id: str | None = None, **_) -> None:
    from .services import outbox_mark_started

    outbox_mark_started(task_id=task_id)
