"""Celery tasks of the reviews app: one-line wrappers around services."""

from celery import shared_task

from . import services


@shared_task(name="reviews.tasks.embed_text")
def embed_text(kind: str, object_id: int) -> bool:
    return services.embedding_refresh(kind=kind, object_id=object_id)


@shared_task(name="reviews.tasks.notify_reviews_due")
def notify_reviews_due() -> int:
    return services.reviews_notify_due()
