"""Celery task of idempotent requests: a one-line wrapper around the purge."""

from celery import shared_task

from .middleware import idempotency_keys_purge


@shared_task(name="cxalign.idempotency.tasks.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()
