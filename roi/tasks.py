"""Celery tasks of the roi app: one-line wrappers around services."""

from celery import shared_task

from . import services


@shared_task(name="roi.tasks.rollup_nightly")
def rollup_nightly() -> int:
    """The nightly rollup. A failure is recorded by ``services.rollup_run`` (a failed
    ``RollupRun``) and raised again here, so Celery marks the task failed."""
    return services.rollup_nightly().daily_rows
