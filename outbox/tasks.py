"""Celery tasks of the outbox: one-line wrappers around services."""

from celery import shared_task

from . import services


@shared_task(name="outbox.tasks.drain_outbox", ignore_result=True)
def drain_outbox() -> dict:
    return vars(services.outbox_drain())
