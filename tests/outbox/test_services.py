"""The outbox: a committed change always gets its task; a rolled-back one never does."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from outbox.models import OutboxMessage
from outbox.services import enqueue, outbox_drain, outbox_mark_started

pytestmark = pytest.mark.django_db

PING = "cxalign.ping"
AFTER_GRACE = timedelta(seconds=60)


def commit_enqueue(capture, *args, **kwargs) -> OutboxMessage:
    """Enqueue as a request does, running the on-commit hand-off; the row as stored after it."""
    with capture(execute=True):
        message = enqueue(*args, **kwargs)
    message.refresh_from_db()
    return message


def failed_change() -> None:
    with transaction.atomic():
        enqueue(PING, args=["lost"])
        raise RuntimeError("the change failed")


def test_a_rolled_back_change_leaves_no_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        failed_change()
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_in_eager_mode_the_task_runs_on_commit(django_capture_on_commit_callbacks):
    message = commit_enqueue(django_capture_on_commit_callbacks, PING, args=["hello"])
    assert (message.task, message.args, message.attempts) == (PING, ["hello"], 1)
    assert message.sent_at is not None
    assert message.started_at is not None  # The task ran, and marked its message.
    assert message.last_error == ""


def test_broker_down_is_logged_on_the_row_never_raised(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    message = commit_enqueue(django_capture_on_commit_callbacks, PING, args=["x"])
    assert message.sent_at is None
    assert message.started_at is None
    assert message.attempts == 1
    assert "Connection refused" in message.last_error
    assert f"Outbox message {message.pk} (cxalign.ping) not sent" in caplog.text


def test_the_drain_sends_what_the_outage_held_back(broker_down, django_capture_on_commit_callbacks):
    held = [commit_enqueue(django_capture_on_commit_callbacks, PING, args=[n]) for n in range(3)]
    assert outbox_drain(now=timezone.now() + AFTER_GRACE).failed == 1  # Still down.
    broker_down(None)  # The broker is back (eager: the drain runs the tasks here).
    result = outbox_drain(now=timezone.now() + AFTER_GRACE)
    assert (result.sent, result.failed) == (3, 0)
    assert not OutboxMessage.objects.filter(pk__in=[m.pk for m in held], started_at=None).exists()
    assert outbox_drain(now=timezone.now() + AFTER_GRACE).sent == 0  # Sent once, not again.


def test_a_message_the_task_no_longer_accepts_holds_up_no_other(celery_broker, redis_url):
    celery_broker(redis_url)  # A live broker: only the bad message fails.
    bad = OutboxMessage.objects.create(task=PING, args=[], created_at=timezone.now() - AFTER_GRACE)
    good = OutboxMessage.objects.create(task=PING, args=["x"])
    result = outbox_drain(now=timezone.now() + AFTER_GRACE, batch_size=1)
    assert (result.sent, result.rejected, result.failed) == (1, 1, 0)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert "missing 1 required positional argument" in bad.last_error
    assert bad.sent_at is None
    assert good.sent_at is not None


def test_the_drain_stops_at_the_first_broker_error(broker_down):
    rows = OutboxMessage.objects.bulk_create(OutboxMessage(task=PING, args=["x"]) for _ in range(3))
    result = outbox_drain(now=timezone.now() + AFTER_GRACE)
    assert (result.sent, result.failed) == (0, 1)
    attempts = list(OutboxMessage.objects.order_by("pk").values_list("attempts", flat=True))
    assert attempts == [1, 0, 0]
    assert rows[0].pk == OutboxMessage.objects.order_by("pk").first().pk


def test_the_drain_leaves_a_fresh_message_to_its_on_commit_hand_off():
    OutboxMessage.objects.create(task=PING, args=["x"])
    assert outbox_drain().sent == 0
    assert outbox_drain(now=timezone.now() + AFTER_GRACE).sent == 1


def test_the_drain_resends_a_message_sent_long_ago_but_never_started():
    now = timezone.now()
    two_hours_ago = now - timedelta(hours=2)
    lost = OutboxMessage.objects.create(
        task=PING, args=["x"], sent_at=two_hours_ago, attempts=1, created_at=two_hours_ago
    )
    recent = OutboxMessage.objects.create(task=PING, args=["x"], sent_at=now, attempts=1)
    assert outbox_drain(now=now).sent == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.attempts, lost.started_at is not None) == (2, True)
    assert (recent.attempts, recent.started_at) == (1, None)


@override_settings(CXALIGN_OUTBOX_KEEP_DAYS=7)
def test_the_drain_purges_messages_started_before_the_keeping_time():
    now = timezone.now()
    old = OutboxMessage.objects.create(task=PING, started_at=now - timedelta(days=8))
    kept = OutboxMessage.objects.create(task=PING, started_at=now - timedelta(days=6))
    assert outbox_drain(now=now).purged == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [kept.pk]
    assert old.pk != kept.pk


def test_one_pending_message_per_key(broker_down, django_capture_on_commit_callbacks):
    first = commit_enqueue(django_capture_on_commit_callbacks, PING, args=["x"], dedupe_key="k")
    again = commit_enqueue(django_capture_on_commit_callbacks, PING, args=["x"], dedupe_key="k")
    other = commit_enqueue(django_capture_on_commit_callbacks, PING, args=["x"], dedupe_key="o")
    assert again.pk == first.pk
    assert other.pk != first.pk
    # Once its task has started, the key is free: a later change asks for a run of its own.
    outbox_mark_started(task_id=first.task_id)
    later = commit_enqueue(django_capture_on_commit_callbacks, PING, args=["x"], dedupe_key="k")
    assert later.pk != first.pk
    assert OutboxMessage.objects.filter(dedupe_key="k").count() == 2


def test_messages_without_a_key_are_never_merged(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(PING, args=["a"])
        enqueue(PING, args=["a"])
    assert OutboxMessage.objects.filter(started_at__isnull=False).count() == 2


def test_mark_started_ignores_tasks_that_are_not_the_outbox_s(django_capture_on_commit_callbacks):
    message = OutboxMessage.objects.create(task=PING)
    outbox_mark_started(task_id="3f1c0a4e-not-ours")
    outbox_mark_started(task_id=None)
    message.refresh_from_db()
    assert message.started_at is None


def test_drain_command_reports_and_fails_while_the_broker_is_down(broker_down, capsys):
    OutboxMessage.objects.create(task=PING, args=["x"], created_at=timezone.now() - AFTER_GRACE)
    with pytest.raises(SystemExit) as exited:
        call_command("drain_outbox")
    assert exited.value.code == 1
    assert "sent 0, failed 1" in capsys.readouterr().out
    broker_down(None)
    call_command("drain_outbox")
    assert "sent 1, failed 0" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_run_cannot_start_until_the_change_that_joined_it_commits():
    """A change that reuses a pending message holds it: the run starts after, and sees it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    message = OutboxMessage.objects.create(task=PING, dedupe_key="k", sent_at=timezone.now())
    joined, release = threading.Event(), threading.Event()

    def change() -> None:
        try:
            with transaction.atomic():
                assert enqueue(PING, dedupe_key="k").pk == message.pk
                joined.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=change)
    thread.start()
    assert joined.wait(30)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            with pytest.raises(OperationalError, match="lock timeout"):
                outbox_mark_started(task_id=message.task_id)
    finally:
        release.set()
        thread.join(30)
    outbox_mark_started(task_id=message.task_id)
    message.refresh_from_db()
    assert message.started_at is not None
