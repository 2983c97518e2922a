"""Celery tasks of the gaps app: one-line wrappers around services."""

from celery import shared_task

from . import digests, escalation


@shared_task(name="gaps.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return digests.digests_send()


@shared_task(name="gaps.tasks.escalate_overdue_gaps")
def escalate_overdue_gaps() -> int:
    return escalation.gaps_escalate_overdue().escalations
