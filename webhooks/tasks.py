"""Celery tasks of the webhooks app: one-line wrappers around services."""

from celery import shared_task

from . import services


@shared_task(name="webhooks.tasks.fan_out", ignore_result=True)
def fan_out(
    event: str,
    model: str | None = None,
    ids: list[int] | None = None,
    data: dict | None = None,
    role_id: int | None = None,
    team_id: int | None = None,
    emission: str | None = None,
) -> int:
    return services.webhook_fan_out(
        event=event,
        model=model,
        ids=ids or (),
        data=data,
        role_id=role_id,
        team_id=team_id,
        emission=emission,
    )


@shared_task(name="webhooks.tasks.deliver", ignore_result=True)
def deliver(delivery_id: str) -> None:
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Hand every due retry to the workers, one task each: a slow receiver holds up one."""
    due = services.deliveries_due()
    for delivery_id in due:
        deliver.delay(delivery_id)
    services.deliveries_purge()
    return len(due)
