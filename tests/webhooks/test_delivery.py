"""Delivery to a real local receiver: signature, headers, retries, timeouts, switch-off."""

import itertools
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from gaps.digests import digest_build
from outbox.models import OutboxMessage
from webhooks import services, signing
from webhooks.events import FAN_OUT_TASK
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db


def test_a_gap_created_is_posted_signed_with_the_subscription_secret(receiver, subscribe, log_gap):
    subscription = subscribe(["gap.created"], secret="s3cret-for-the-test")

    gap = log_gap()

    (request,) = receiver.requests
    assert signing.verify(
        "s3cret-for-the-test", request.body, request.headers["X-Cxalign-Signature"]
    )
    assert not signing.verify(
        "another-secret", request.body, request.headers["X-Cxalign-Signature"]
    )
    body = json.loads(request.body)
    assert request.path == "/hooks/cxalign"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Cxalign-Event"] == "gap.created"
    assert request.headers["X-Cxalign-Delivery"] == body["id"]
    assert body["event"] == "gap.created"
    assert body["created_at"].endswith("Z")
    assert body["data"]["id"] == gap.pk
    assert body["data"]["title"] == "Invoices arrive in three parts"
    assert body["data"]["status"] == "open"
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert str(delivery.pk) == body["id"]
    assert (delivery.status, delivery.response_code, delivery.attempt) == ("delivered", 200, 1)
    assert delivery.duration_ms is not None


def test_a_signature_older_than_five_minutes_is_refused():
    body = b'{"id": "x"}'
    header = signing.sign("secret", body, now=1_000_000)
    assert signing.verify("secret", body, header, now=1_000_000 + 299)
    assert not signing.verify("secret", body, header, now=1_000_000 + 301)
    assert not signing.verify("secret", body + b" ", header, now=1_000_000)
    assert not signing.verify("secret", body, "t=abc,v1=00", now=1_000_000)


def test_a_failing_receiver_is_retried_with_the_same_delivery_id(receiver, subscribe, log_gap):
    subscribe(["gap.created"])
    receiver.status = 500

    log_gap()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempt) == ("pending", 500, 1)
    first_retry = delivery.next_attempt_at
    assert first_retry - delivery.created_at >= timedelta(minutes=1)
    # Not due yet: nothing is sent.
    assert (
        services.delivery_attempt(delivery_id=delivery.pk, now=first_retry - timedelta(1)) is None
    )
    assert services.deliveries_due(now=first_retry) == [str(delivery.pk)]

    receiver.status = 204
    services.delivery_attempt(delivery_id=delivery.pk, now=first_retry)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempt) == ("delivered", 204, 2)
    first, second = receiver.requests
    assert first.headers["X-Cxalign-Delivery"] == second.headers["X-Cxalign-Delivery"]
    assert first.body == second.body


def test_retries_back_off_exponentially_then_the_delivery_fails(receiver, subscribe, log_gap):
    subscription = subscribe(["gap.created"])
    receiver.status = 503
    log_gap()
    delivery = WebhookDelivery.objects.get()
    waits = [delivery.created_at]
    while delivery.status == DeliveryStatus.PENDING:
        due = delivery.next_attempt_at
        waits.append(due)
        services.delivery_attempt(delivery_id=delivery.pk, now=due)
        delivery.refresh_from_db()
        # Keep the subscription from being switched off: this test is about one delivery.
        type(subscription).objects.filter(pk=subscription.pk).update(failing_since=None)

    gaps = [later - earlier for earlier, later in itertools.pairwise(waits)]
    assert [round(gap.total_seconds() / 60) for gap in gaps] == [1, 5, 30, 120, 360, 720]
    assert (delivery.status, delivery.attempt) == ("failed", 7)
    assert len(receiver.requests) == 7


def test_a_hanging_receiver_times_out_and_is_retried(receiver, subscribe, log_gap, settings):
    settings.CXALIGN_WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe(["gap.created"])
    receiver.hang = True

    log_gap()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.response_code is None
    assert "No answer within 0.3 s" in delivery.error
    assert delivery.next_attempt_at > delivery.created_at
    assert len(receiver.requests) == 1


def test_a_day_of_failures_switches_the_subscription_off_and_tells_its_creator(
    receiver, subscribe, log_gap, cx_user
):
    subscription = subscribe(["gap.created"], description="Support desk")
    receiver.status = 500
    log_gap()  # fails once: failing since now
    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.failing_since is not None
    # A day later the retry fails too (time travel: the failure started 25 hours ago).
    type(subscription).objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )
    other = log_gap(title="Another gap")
    assert other.pk

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.disabled_at is not None
    assert "Switched off" in subscription.disabled_reason
    assert not WebhookDelivery.objects.filter(status="pending").exists()
    (message,) = mail.outbox
    assert message.to == [cx_user.email]
    assert "switched off" in message.subject
    (section,) = [
        s
        for s in digest_build(user=cx_user, since=None, now=timezone.now())
        if s.title == "Webhooks switched off"
    ]
    assert "Support desk" in section.lines[0]
    # Switched off: the next gap is not sent at all.
    sent = len(receiver.requests)
    log_gap(title="A third gap")
    assert len(receiver.requests) == sent


def test_failures_for_less_than_a_day_leave_it_on_and_a_success_clears_them(
    receiver, subscribe, log_gap
):
    subscription = subscribe(["gap.created"])
    receiver.status = 500
    type(subscription).objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - timedelta(hours=23)
    )
    log_gap()
    subscription.refresh_from_db()
    assert subscription.active
    receiver.status = 200
    log_gap(title="Next one")
    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.failing_since is None


def test_nothing_is_sent_for_a_rolled_back_change(
    receiver, subscribe, cx_user, billing_role, django_capture_on_commit_callbacks
):
    from gaps import services as gap_services

    subscribe(["gap.created"])

    def log_then_fail() -> None:
        with transaction.atomic():
            gap_services.gap_create(
                actor=cx_user,
                title="Never committed",
                expectation="One invoice",
                delivery="Three",
                category="process",
                causing_role=billing_role,
                severity=3,
            )
            raise RuntimeError("the request failed after logging the gap")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            log_then_fail()

    assert callbacks == []
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_without_subscribers_an_event_costs_no_outbox_message(log_gap, subscribe):
    log_gap()
    assert not OutboxMessage.objects.filter(task=FAN_OUT_TASK).exists()
    subscribe(["insight.published"])  # another event: still nothing for gaps
    log_gap(title="Second")
    assert not OutboxMessage.objects.filter(task=FAN_OUT_TASK).exists()


def test_status_changes_are_sent(
    receiver, subscribe, log_gap, cx_user, django_capture_on_commit_callbacks
):
    from gaps import services as gap_services

    subscribe(["gap.status_changed"])
    gap = log_gap()
    with django_capture_on_commit_callbacks(execute=True):
        gap_services.gap_transition(gap=gap, to="archived", actor=cx_user, note="Duplicate.")
    (request,) = receiver.requests
    body = json.loads(request.body)
    assert (body["event"], body["data"]["status"]) == ("gap.status_changed", "archived")


def test_a_subscription_narrowed_to_a_role_gets_only_that_roles_events(
    receiver, subscribe, log_gap, billing_role
):
    from tests.factories import RoleFactory

    courier = RoleFactory(name="Courier")
    everything = subscribe(["gap.created"])
    billing_only = subscribe(["gap.created"], role=billing_role)
    couriers_only = subscribe(["gap.created"], role=courier)

    log_gap(causing_role=billing_role)

    got = set(WebhookDelivery.objects.values_list("subscription_id", flat=True))
    assert got == {everything.pk, billing_only.pk}
    assert couriers_only.pk not in got


def test_the_test_event_pings_one_subscription(
    receiver, subscribe, cx_user, django_capture_on_commit_callbacks
):
    subscription = subscribe(["rollup.completed"], secret="ping-secret")
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_send_test(subscription=subscription, actor=cx_user)
    (request,) = receiver.requests
    assert request.headers["X-Cxalign-Event"] == "ping"
    assert signing.verify("ping-secret", request.body, request.headers["X-Cxalign-Signature"])
    assert json.loads(request.body)["data"]["subscription"] == subscription.pk


def test_a_fan_out_run_twice_sends_once(receiver, subscribe, log_gap):
    """The outbox delivers at least once: the same emission makes the same deliveries."""
    subscribe(["gap.created"])
    gap = log_gap()
    (message,) = OutboxMessage.objects.filter(task=FAN_OUT_TASK)

    assert services.webhook_fan_out(**message.kwargs) == 1

    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1
    assert message.kwargs["ids"] == [gap.pk]
