"""Every write of the webhooks app: subscriptions, the fan-out of events, delivery attempts.

Pages, the API and Celery tasks call these. Validation raises Django's ``ValidationError``
with per-field messages (forms show them beside the field, the API answers 400).
"""

import ipaddress
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import messages, notifications, signing, transport
from .events import forget_wanted_events
from .models import (
    PING,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    new_secret,
)
from .permissions import check_may_manage_webhooks
from .renderers import Rendered, render_data, render_objects

logger = logging.getLogger(__name__)

SUBSCRIPTION_FIELDS = ("url", "events", "format", "active", "description", "role", "team")
# Wait before each retry after a failed attempt (DESIGN.md: about 1 min, 5 min, 30 min, 2 h,
# 6 h, 12 h); after the last one the delivery has failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
# A subscription failing this long without one success is switched off.
SWITCH_OFF_AFTER = timedelta(days=1)
LOOPBACK_NAMES = frozenset({"localhost"})


def url_errors(url: str) -> dict[str, str]:
    """A receiver is reached over HTTPS; plain HTTP only to this machine (tests, a local relay)."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return {}
    if parts.scheme == "http" and host:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host in LOOPBACK_NAMES
        if loopback:
            return {}
        return {"url": "Use https:// (plain http is allowed only to 127.0.0.1 or localhost)."}
    return {"url": "Give the receiver's full https:// address."}


def _validate(subscription: WebhookSubscription) -> None:
    errors = dict(url_errors(subscription.url))
    events = subscription.events
    if not isinstance(events, list) or not events:
        errors["events"] = "Choose at least one event."
    else:
        unknown = sorted({str(e) for e in events} - set(WebhookEvent.values))
        if unknown:
            errors["events"] = f"Unknown event(s): {', '.join(unknown)}."
        else:
            subscription.events = [e for e in WebhookEvent.values if e in events]
    if subscription.role_id and subscription.team_id:
        errors["team"] = "Narrow to a role or to a team, not both."
    if errors:
        raise ValidationError(errors)
    subscription.full_clean(exclude=["events"])


def _changed() -> None:
    forget_wanted_events()
    transaction.on_commit(forget_wanted_events)


@transaction.atomic
def subscription_create(*, actor: User, secret: str = "", **fields: Any) -> WebhookSubscription:
    """A new subscription; a blank ``secret`` is generated (the caller shows it once)."""
    check_may_manage_webhooks(actor)
    subscription = WebhookSubscription(
        created_by=actor if actor.is_authenticated else None,
        secret=(secret or "").strip() or new_secret(),
        **{name: value for name, value in fields.items() if name in SUBSCRIPTION_FIELDS},
    )
    _validate(subscription)
    subscription.save()
    _changed()
    return subscription


@transaction.atomic
def subscription_update(
    *, subscription: WebhookSubscription, actor: User, secret: str = "", **changes: Any
) -> WebhookSubscription:
    """Change a subscription; a non-blank ``secret`` replaces the old one. Switching it on
    again clears the failure record (its creator asked for another chance)."""
    check_may_manage_webhooks(actor)
    was_active = subscription.active
    for name, value in changes.items():
        if name in SUBSCRIPTION_FIELDS:
            setattr(subscription, name, value)
    if (secret or "").strip():
        subscription.secret = secret.strip()
    if subscription.active and not was_active:
        subscription.failing_since = None
        subscription.disabled_at = None
        subscription.disabled_reason = ""
    _validate(subscription)
    subscription.save()
    _changed()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription, actor: User) -> None:
    check_may_manage_webhooks(actor)
    subscription.delete()
    _changed()


def _hand_over(delivery_ids: Sequence[str]) -> None:
    """Queue the first attempts once the deliveries are committed. A lost hand-off (broker
    down) is no loss: ``deliveries_due`` finds the rows a minute later."""
    if not delivery_ids:
        return
    from celery import current_app

    from .tasks import deliver  # tasks.py imports this module

    def send() -> None:
        for delivery_id in delivery_ids:
            try:
                deliver.apply_async(args=[delivery_id], ignore_result=True, retry=False)
            except Exception as exc:
                if current_app.conf.task_always_eager:
                    raise
                logger.warning("Webhook delivery %s left to the next scan: %r", delivery_id, exc)
                return

    transaction.on_commit(send)


def _deliveries_for(
    event: str,
    rendered: Iterable[Rendered],
    subscriptions: Sequence[WebhookSubscription],
    *,
    emission: str | None = None,
) -> list[WebhookDelivery]:
    """One delivery per (object, subscription) that wants it. With an ``emission`` id the
    deliveries' ids derive from it, so building them again for one emission gives the same
    rows (and the insert ignores them)."""
    now = timezone.now()
    rows = []
    for item in rendered:
        for subscription in subscriptions:
            if subscription.role_id and subscription.role_id not in item.role_ids:
                continue
            if subscription.team_id and subscription.team_id not in item.team_ids:
                continue
            delivery = WebhookDelivery(
                subscription=subscription, event=event, created_at=now, next_attempt_at=now
            )
            if emission:
                delivery.id = uuid.uuid5(uuid.UUID(emission), f"{subscription.pk}:{item.key}")
            delivery.payload = messages.body_for(
                format=subscription.format,
                delivery_id=str(delivery.id),
                event=event,
                created_at=now,
                rendered=item,
            )
            rows.append(delivery)
    return rows


@transaction.atomic
def webhook_fan_out(
    *,
    event: str,
    model: str | None = None,
    ids: Sequence[int] = (),
    data: dict | None = None,
    role_id: int | None = None,
    team_id: int | None = None,
    emission: str | None = None,
) -> int:
    """One delivery per subscription wanting ``event`` per object; the number built.

    Objects are read back now (the change they record has committed) and rendered as the
    API's detail endpoint shows them; the body stored is what every attempt sends. Run again
    for one ``emission`` (the outbox delivers at least once) it adds no delivery.
    """
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(active=True).order_by("pk") if s.wants(event)
    ]
    if not subscriptions:
        return 0
    if model is not None:
        rendered = render_objects(model, ids)
    else:
        rendered = [render_data(data or {}, role_id=role_id, team_id=team_id)]
    rows = _deliveries_for(event, rendered, subscriptions, emission=emission)
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    _hand_over([str(row.pk) for row in rows])
    return len(rows)


@transaction.atomic
def webhook_send_test(*, subscription: WebhookSubscription, actor: User) -> WebhookDelivery:
    """A ``ping`` to one subscription (active or not): "send test event"."""
    check_may_manage_webhooks(actor)
    rendered = Rendered(
        data={
            "subscription": subscription.pk,
            "message": "Test event from cxalign: this endpoint receives its webhooks.",
            "sent_by": actor.get_username() if actor.is_authenticated else "",
        },
        path=subscription.get_absolute_url(),
        title=subscription.description or subscription.url,
        facts=(("Sent by", actor.get_username() if actor.is_authenticated else "cxalign"),),
    )
    (delivery,) = _deliveries_for(PING, [rendered], [subscription])
    delivery.save(force_insert=True)
    _hand_over([str(delivery.pk)])
    return delivery


def delivery_headers(delivery: WebhookDelivery, body: bytes, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "cxalign-webhooks/1",
        "X-Cxalign-Event": delivery.event,
        "X-Cxalign-Delivery": str(delivery.pk),
        "X-Cxalign-Signature": signing.sign(secret, body),
    }


def delivery_attempt(*, delivery_id: str, now: datetime | None = None) -> WebhookDelivery | None:
    """Attempt one due delivery; ``None`` when it is not due (done, or another worker has it).

    The row is claimed by one conditional ``UPDATE`` (its next attempt pushed past the
    timeout), so a retry scan and a first hand-off never post twice at once; no transaction
    is held open while the receiver is waited for.
    """
    now = now or timezone.now()
    timeout = settings.CXALIGN_WEBHOOK_TIMEOUT_SECONDS
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(attempt=F("attempt") + 1, next_attempt_at=now + timedelta(seconds=timeout + 60))
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active and delivery.event != PING:
        _finish(delivery, status=DeliveryStatus.FAILED, error="The subscription is switched off.")
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    outcome = transport.post(
        subscription.url,
        body,
        delivery_headers(delivery, body, subscription.secret),
        timeout=timeout,
    )
    # Retries are scheduled from the attempt's start: the schedule does not drift by timeouts.
    _record(delivery, outcome, now=now)
    return delivery


def _finish(delivery: WebhookDelivery, **fields: Any) -> None:
    fields.setdefault("next_attempt_at", None)
    for name, value in fields.items():
        setattr(delivery, name, value)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


@transaction.atomic
def _record(delivery: WebhookDelivery, outcome: transport.Outcome, *, now: datetime) -> None:
    """Store the attempt's outcome; schedule a retry, or give up; switch the subscription off
    after a day of failures."""
    common = {
        "response_code": outcome.status,
        "duration_ms": outcome.duration_ms,
        "error": outcome.error or ("" if outcome.delivered else f"Answered {outcome.status}."),
    }
    subscription = delivery.subscription
    if outcome.delivered:
        _finish(delivery, status=DeliveryStatus.DELIVERED, delivered_at=now, **common)
        WebhookSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=False).update(
            failing_since=None
        )
        return
    if delivery.attempt <= len(RETRY_DELAYS):
        _finish(
            delivery,
            next_attempt_at=now + RETRY_DELAYS[delivery.attempt - 1],
            **common,
        )
    else:
        _finish(delivery, status=DeliveryStatus.FAILED, **common)
    if delivery.event == PING:
        return  # a test of a new or repaired endpoint says nothing of the live ones
    WebhookSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    subscription.refresh_from_db(fields=["failing_since", "active"])
    failing_since = subscription.failing_since or now  # set just above when it was empty
    if subscription.active and failing_since <= now - SWITCH_OFF_AFTER:
        subscription_switch_off(subscription=subscription, now=now)


def subscription_switch_off(*, subscription: WebhookSubscription, now: datetime) -> None:
    """Stop a subscription that failed for a day; fail its pending deliveries; tell its creator."""
    reason = (
        f"Switched off on {now:%Y-%m-%d %H:%M} UTC: every delivery failed since "
        f"{subscription.failing_since:%Y-%m-%d %H:%M} UTC."
    )
    switched = WebhookSubscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason
    )
    if not switched:
        return
    subscription.active, subscription.disabled_at = False, now
    subscription.disabled_reason = reason
    WebhookDelivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, error=reason[:500]
    )
    _changed()
    transaction.on_commit(partial(notifications.tell_switched_off, subscription.pk))


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Ids of pending deliveries whose next attempt has come (retries, lost hand-offs)."""
    now = now or timezone.now()
    return [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]


def deliveries_purge(*, now: datetime | None = None) -> int:
    """Delete finished deliveries older than ``CXALIGN_WEBHOOK_KEEP_DAYS``."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CXALIGN_WEBHOOK_KEEP_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(
        ~Q(status=DeliveryStatus.PENDING), created_at__lt=cutoff
    ).delete()
    return deleted
