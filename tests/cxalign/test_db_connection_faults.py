"""Fault test: PostgreSQL drops the app's connections, between requests and during one.

The app runs as in production: gunicorn (one sync worker, so one kept connection) with
persistent connections (``CONN_MAX_AGE``) and health checks, on the real PostgreSQL test
database. The test terminates the app's backends with ``pg_terminate_backend`` from its own
connection, picking them by the ``application_name`` only this server uses (so nothing else
on the machine, nor another test database, is touched). Afterwards requests succeed without
a restart; the request whose connection was cut fails cleanly (503) and writes nothing.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from gaps.models import ApiToken, Gap, GapEvent
from tests.conftest import database_url_for_worker
from tests.cxalign.support import logged_gap
from tests.factories import RoleFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(base: str, key: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - our own server on the loopback address.
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def app_server(transactional_db):
    """gunicorn serving the test database with kept connections; yields (url, app name)."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL")
    app_name = f"cxalign-fault-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxalign.test_settings",
        "DATABASE_URL": f"{database_url_for_worker()}?application_name={app_name}",
        "CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter.
        [sys.executable, "-m", "gunicorn", "cxalign.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start")
    yield base, app_name
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _app_backends(app_name: str) -> list[tuple[int, str | None]]:
    """(pid, wait event type) of the server's connections to this test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, wait_event_type FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [app_name],
        )
        return cursor.fetchall()


def _waits_for_a_lock(app_name: str) -> bool:
    return any(wait == "Lock" for _pid, wait in _app_backends(app_name))


def _terminate(app_name: str) -> int:
    """Terminate the server's backends on this test database only; how many were there."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s "
            "AND pid <> pg_backend_pid()",
            [app_name],
        )
        return cursor.fetchone()[0]


def test_requests_succeed_after_the_database_drops_the_apps_connections(app_server):
    base, app_name = app_server
    cx = UserFactory(username="carla", groups=["cx_team"])
    _token, key = ApiToken.issue(user=cx, name="fault", scopes=["gaps:read", "gaps:write"])
    role = RoleFactory(name="Billing Ops", team=TeamFactory(name="Billing"))
    gap = logged_gap(cx, role)
    detail = f"/api/v1/gaps/{gap.pk}/"

    # Between requests: the kept connection is dropped; the next request reconnects.
    assert _call(base, key, detail)[0] == 200
    [(first_pid, _wait)] = _app_backends(app_name)
    assert _terminate(app_name) == 1
    for _ in range(3):
        assert _call(base, key, detail)[0] == 200
    [(second_pid, _wait)] = _app_backends(app_name)
    assert second_pid != first_pid

    # During a request: the transition waits for the gap's row lock, which this test holds;
    # its backend is terminated while it waits.
    events_before = GapEvent.objects.filter(gap=gap).count()
    answer: dict = {}
    with transaction.atomic():
        Gap.objects.select_for_update().get(pk=gap.pk)
        request = threading.Thread(
            target=lambda: answer.update(
                result=_call(base, key, f"{detail}transition/", {"to": "acknowledged"})
            )
        )
        request.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while not (waiting := _waits_for_a_lock(app_name)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting, "the transition never reached the row lock"
        assert _terminate(app_name) == 1
    request.join(timeout=WAIT_SECONDS)
    code, body = answer["result"]
    assert code == 503, body
    assert "retry" in body["detail"]
    # Nothing half-written: no status change, no history line.
    gap.refresh_from_db()
    assert gap.status == Gap.Status.OPEN
    assert GapEvent.objects.filter(gap=gap).count() == events_before

    # The retry succeeds on a fresh connection, without restarting the server.
    code, body = _call(base, key, f"{detail}transition/", {"to": "acknowledged"})
    assert code == 200, body
    assert body["status"] == "acknowledged"
    assert GapEvent.objects.filter(gap=gap).count() == events_before + 1
