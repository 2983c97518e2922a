"""Hand tasks to Celery through the database, so that a committed change always gets its task.

``enqueue`` writes an ``OutboxMessage`` in the caller's transaction and, once that commits,
hands it to the broker at once. If the broker is down the error is logged and the row waits;
``outbox_drain`` (a periodic task and ``manage.py drain_outbox``) sends it later. A rolled-back
change leaves no row, so no task runs for a change that never happened.

In eager mode (the embedded default: no broker) the task runs in-process on commit, as a
``.delay()`` in ``transaction.on_commit`` did before; its errors propagate as they did then.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# A request hands its message over with one quick retry (a pooled connection gone stale after a
# broker restart); the drain, in the background, lets kombu retry a little longer.
REQUEST_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
DRAIN_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# What an unreachable or failing broker raises through kombu and redis-py.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)
SENT, BROKER_DOWN, REJECTED = "sent", "broker down", "rejected"
TASK_ID = re.compile(r"^outbox-(\d+)-\d+$")


def enqueue(
    task: Task | str,
    *,
    args: list | tuple = (),
    kwargs: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue ``task(*args, **kwargs)`` to run once the caller's transaction commits.

    With a ``dedupe_key``, a message still pending under that key (not started yet) is reused
    and returned instead of a new one: a burst of N changes asking for the same task runs it
    once. The pending row is locked until the caller commits, so a run that starts (and marks
    the row started) waits for this change and therefore sees it; a change arriving after the
    run started queues a new message. Arguments must be JSON-serialisable.
    """
    name = task if isinstance(task, str) else task.name
    with transaction.atomic():
        if not dedupe_key:
            message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=kwargs or {})
        else:
            message, created = _pending_or_new(name, list(args), kwargs or {}, dedupe_key)
            if not created:
                # Its own transaction hands it over on commit (or the drain, if that failed).
                return message
        transaction.on_commit(partial(outbox_send, message_id=message.pk))
    return message


def _pending_or_new(
    name: str, args: list, kwargs: dict, dedupe_key: str
) -> tuple[OutboxMessage, bool]:
    """The pending message under ``dedupe_key``, locked, or a new one; and whether it is new."""
    while True:
        pending = (
            OutboxMessage.objects.select_for_update()
            .filter(dedupe_key=dedupe_key, started_at__isnull=True)
            .first()
        )
        if pending is not None:
            return pending, False
        try:
            # A savepoint: a concurrent caller inserting the same key waits on ours, then fails
            # the unique constraint and finds (and locks) our row on its next turn.
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    task=name, args=args, kwargs=kwargs, dedupe_key=dedupe_key
                )
            return message, True
        except IntegrityError:
            continue


def outbox_send(*, message_id: int) -> bool:
    """Hand one message to the broker now (the on-commit step); False if it must wait."""
    message = OutboxMessage.objects.filter(pk=message_id, started_at__isnull=True).first()
    if message is None:
        return True  # Already started, by the drain's copy.
    return _publish(message, REQUEST_RETRY_POLICY) == SENT


def _publish(message: OutboxMessage, retry_policy: dict) -> str:
    """Send ``message`` to the broker (or run it, eagerly); record the attempt either way.

    Returns ``SENT``, ``BROKER_DOWN`` (stop trying others for now) or ``REJECTED`` (this one
    could not be sent, e.g. its arguments no longer fit the task).

    A broker error is logged and recorded on the row, never raised: the caller's change has
    committed and must not be reported as failed. In eager mode nothing is sent, the task runs
    here and its errors propagate, as they did before the outbox.
    """
    app = current_app
    task = app.tasks.get(message.task)
    if task is None:
        # A web process imports tasks modules only when something imports them; the loader
        # imports every app's tasks.py (and CELERY_IMPORTS), as a worker does at start.
        app.loader.import_default_modules()
        task = app.tasks.get(message.task)
    options = {
        "args": message.args,
        "kwargs": message.kwargs,
        "task_id": message.task_id,
        # No result is read: storing one would only cost a round trip to the result backend.
        "ignore_result": True,
        "retry": True,
        "retry_policy": retry_policy,
    }
    try:
        if task is not None:
            task.apply_async(**options)
        else:  # Registered only in the worker processes: send by name.
            app.send_task(message.task, **options)
    except Exception as exc:
        if app.conf.task_always_eager:
            raise  # No broker to fail: this is the task's own error, as before the outbox.
        logger.warning(
            "Outbox message %s (%s) not sent, the drain will retry: %r",
            message.pk,
            message.task,
            exc,
        )
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=repr(exc)[:2000]
        )
        # Only an unreachable broker stops a drain; a message that cannot be sent (its
        # arguments no longer fit the task) must not hold up the others behind it.
        return BROKER_DOWN if isinstance(exc, BROKER_ERRORS) else REJECTED
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, sent_at=timezone.now(), last_error=""
    )
    return SENT


def outbox_mark_started(*, task_id: str | None) -> None:
    """A task of message ``task_id`` is starting: release its key (no-op for other tasks)."""
    match = TASK_ID.match(task_id or "")
    if match is None:
        return
    OutboxMessage.objects.filter(pk=int(match.group(1)), started_at__isnull=True).update(
        started_at=timezone.now()
    )


@dataclass(frozen=True)
class DrainResult:
    sent: int = 0
    failed: int = 0
    rejected: int = 0
    purged: int = 0


def outbox_drain(*, batch_size: int = 200, now: datetime | None = None) -> DrainResult:
    """Send every message that is due: never sent, or sent long ago and still not started.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` so that drains running at once
    (beat's task, the command) never send the same row twice, and a row locked by a caller
    still committing is left for the next drain. A message is due once it is older than
    ``CXALIGN_OUTBOX_SEND_GRACE_SECONDS`` (its on-commit hand-off had its chance) or, sent but
    not started, older than ``CXALIGN_OUTBOX_RESEND_AFTER_SECONDS`` (the broker may have lost
    it; tasks are idempotent). The first broker error stops the drain: the next one retries.
    Started messages older than ``CXALIGN_OUTBOX_KEEP_DAYS`` are deleted.
    """
    now = now or timezone.now()
    unsent_before = now - timedelta(seconds=settings.CXALIGN_OUTBOX_SEND_GRACE_SECONDS)
    resend_before = now - timedelta(seconds=settings.CXALIGN_OUTBOX_RESEND_AFTER_SECONDS)
    due = Q(sent_at__isnull=True, created_at__lte=unsent_before) | Q(sent_at__lte=resend_before)
    sent = failed = 0
    rejected: list[int] = []
    while failed == 0:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(due, started_at__isnull=True)
                .exclude(pk__in=rejected)  # Tried in this drain already; the next one retries.
                .order_by("created_at", "pk")[:batch_size]
            )
            for message in batch:
                status = _publish(message, DRAIN_RETRY_POLICY)
                if status == BROKER_DOWN:
                    failed += 1
                    break
                if status == REJECTED:
                    rejected.append(message.pk)
                else:
                    sent += 1
        if len(batch) < batch_size:
            break
    purged, _ = OutboxMessage.objects.filter(
        started_at__lt=now - timedelta(days=settings.CXALIGN_OUTBOX_KEEP_DAYS)
    ).delete()
    return DrainResult(sent=sent, failed=failed, rejected=len(rejected), purged=purged)
