"""``emit``: what the domain services call when something a webhook may want happened.

Emitting costs the caller nothing when no active subscription listens to the event (the set
of wanted events is cached and dropped whenever a subscription changes). Otherwise one outbox
message is written in the caller's transaction (``outbox.services.enqueue``): a rolled-back
change sends nothing, and the fan-out to subscriptions (payloads, delivery rows, HTTP) runs in
a Celery task once it commits. A batch (feed items routed in bulk, gaps escalated by the
hourly job) is one message, whatever its size. Each message carries an ``emission`` id from
which the deliveries' ids derive, so a fan-out the outbox runs twice creates no second delivery.

This module imports no other app, so that ``gaps`` can call it and still know nothing of
``insights`` or ``roi``: objects travel as (model label, ids) and are read back by the task.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Model

from outbox.services import enqueue

FAN_OUT_TASK = "webhooks.tasks.fan_out"
WANTED_EVENTS_KEY = "webhooks:wanted-events"
# A safety net only: every subscription change drops the cached set at once.
WANTED_EVENTS_SECONDS = 300


def wanted_events() -> frozenset[str]:
    """Events at least one active subscription listens to (cached)."""
    cached = cache.get(WANTED_EVENTS_KEY)
    if cached is None:
        from .models import WebhookSubscription

        cached = sorted(
            {
                event
                for events in WebhookSubscription.objects.filter(active=True).values_list(
                    "events", flat=True
                )
                for event in events
            }
        )
        cache.set(WANTED_EVENTS_KEY, cached, WANTED_EVENTS_SECONDS)
    return frozenset(cached)


def forget_wanted_events() -> None:
    """Called by every write to subscriptions, in the writer's transaction and after it."""
    cache.delete(WANTED_EVENTS_KEY)


def emit(
    event: str,
    obj_or_data: Model | dict[str, Any],
    *,
    role_id: int | None = None,
    team_id: int | None = None,
) -> None:
    """Queue ``event`` for every subscription that wants it, once the caller commits.

    ``obj_or_data`` is a model instance (its payload is what the API's detail endpoint shows,
    read when the task runs) or a ready JSON-serialisable dict (``data`` as is). With a dict,
    ``role_id``/``team_id`` say which role or team the event concerns, for subscriptions
    narrowed to one; a model's own role and team are found by the task.
    """
    if isinstance(obj_or_data, Model):
        emit_many(event, obj_or_data._meta.label_lower, [obj_or_data.pk])
        return
    if event not in wanted_events():
        return
    enqueue(
        FAN_OUT_TASK,
        kwargs={
            "event": event,
            "data": obj_or_data,
            "role_id": role_id,
            "team_id": team_id,
            "emission": str(uuid.uuid4()),
        },
    )


def emit_many(event: str, model: str, ids: Iterable[int]) -> None:
    """``emit`` for many objects of one model (``"gaps.gap"``): one outbox message."""
    if event not in wanted_events():
        return
    ids = sorted(set(ids))
    if ids:
        enqueue(
            FAN_OUT_TASK,
            kwargs={"event": event, "model": model, "ids": ids, "emission": str(uuid.uuid4())},
        )
