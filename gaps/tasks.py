"""Celery tasks of the gaps app: one-line wrappers around services."""

from celery import shared_task

from . import digests


@shared_task(name="gaps.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return digests.digests_send()
