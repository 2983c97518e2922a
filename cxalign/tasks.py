"""Project-level tasks that belong to no single app."""

from celery import shared_task


@shared_task(name="cxalign.ping")
def ping(payload: str) -> str:
    """Echo a payload back; proves a worker is alive and runs this project's code."""
    return f"pong:{payload}"
