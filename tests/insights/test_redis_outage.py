"""Redis stopped and restarted under a real worker: nothing answers 500, no task is lost.

Runs its own ``redis-server`` (port 6396, or a free one) so that stopping it touches no shared
service; the test process and a real Celery worker process both use it as their broker.
"""

import shutil
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from insights.models import FeedItem, RoutingRule
from outbox.models import OutboxMessage
from outbox.services import outbox_drain
from tests.conftest import (
    database_url_for_worker,
    free_port,
    need_service,
    restore_sending,
    send_to_worker,
    start_celery_worker,
    stop_process,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FAULT_PORT = 6396


class RedisServer:
    """A throwaway ``redis-server`` of this test: no persistence, started and stopped at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv.
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server on port {self.port} did not answer")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def port_is_free(port: int) -> bool:
    try:
        redis.Redis(port=port, socket_connect_timeout=0.2).ping()
    except redis.ConnectionError:
        return True
    return False


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        need_service("no redis-server binary to start a Redis of the test's own")
    server = RedisServer(FAULT_PORT if port_is_free(FAULT_PORT) else free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker_on_own_redis(own_redis, settings):
    """A real worker and this process's Celery app (and cache) on the test's own Redis."""
    from cxalign.celery import app

    queue = f"cxalign-outage-{uuid.uuid4().hex[:8]}"
    worker = start_celery_worker(
        database_url=database_url_for_worker(), redis_url=own_redis.url, queue=queue
    )
    settings.CACHES = {
        "default": {
            "BACKEND": "cxalign.cache.ForgivingRedisCache",
            "LOCATION": own_redis.url,
        }
    }
    saved = send_to_worker(app, queue=queue, broker_url=own_redis.url)
    yield own_redis
    restore_sending(app, saved)
    stop_process(worker)


def wait_for(condition, timeout: float = 30.0):
    """Poll until the worker's commit is visible (it runs in another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not run the held-back tasks in time")


def test_redis_down_loses_no_task_and_answers_no_500(
    worker_on_own_redis, client, cx_user, owner_user, org, billing_gap, make_insight
):
    redis_server = worker_on_own_redis
    by_form = make_insight(title="By form", related_gaps=[billing_gap])
    by_api = make_insight(title="By API", related_gaps=[billing_gap])
    api = APIClient()
    api.force_authenticate(cx_user)
    client.force_login(cx_user)

    redis_server.stop()
    answers = {
        "publish form": client.post(reverse("insights:publish", args=[by_form.pk])).status_code,
        "publish api": api.post(f"/api/v1/insights/{by_api.pk}/publish/").status_code,
        "rule api": api.post(
            "/api/v1/routing-rules/",
            {"name": "All to dispatch", "target_roles": [org.dispatcher.pk]},
            format="json",
        ).status_code,
        "rule form": client.post(
            reverse("insights:rule_create"),
            {"name": "All to couriers", "target_roles": [org.courier.pk], "active": "on"},
        ).status_code,
    }
    for name in ("insights:list", "insights:rules", "gaps:list"):
        answers[name] = client.get(reverse(name)).status_code
    answers["insight page"] = client.get(by_api.get_absolute_url()).status_code
    answers["roi"] = client.get("/roi/").status_code
    assert answers == {
        "publish form": 302,
        "publish api": 202,
        "rule api": 201,
        "rule form": 302,
        "insights:list": 200,
        "insights:rules": 200,
        "gaps:list": 200,
        "insight page": 200,
        "roi": 200,
    }
    client.force_login(owner_user)
    assert client.get(reverse("insights:feed", args=[org.invoicing.pk])).status_code == 200
    assert RoutingRule.objects.count() == 2
    held = OutboxMessage.objects.filter(sent_at=None)
    assert held.count() == 3  # Two routings and one (de-duplicated) re-route.
    assert not FeedItem.objects.exists()

    redis_server.start()  # Empty: whatever was queued before the outage is gone too.
    result = outbox_drain(now=timezone.now() + timedelta(minutes=1))
    assert (result.sent, result.failed) == (3, 0)
    expected = {
        (title, role)
        for title in ("By form", "By API")
        for role in ("Billing Ops Manager", "Dispatcher", "Courier")
    }
    wait_for(lambda: set(FeedItem.objects.values_list("insight__title", "role__name")) == expected)
    wait_for(lambda: not OutboxMessage.objects.filter(started_at=None).exists())
