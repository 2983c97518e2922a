"""Fixtures shared by the whole suite: users by group, and the real services (Redis, Celery).

Tests that need Redis or a Celery worker are skipped with a reason where no Redis is
configured, and fail instead when ``CXALIGN_REQUIRE_SERVICES=1`` (CI sets it), so a broken CI
service can never pass as a skip.
"""

import copy
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from gaps import permissions
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("CXALIGN_REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip for want of a service, or fail where services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, but CXALIGN_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Each test its own cache key space: Redis outlives a test's rolled-back database.

    Lists cache their counts (``gaps.pagination``); a count another test or run left behind
    would be correct (keys carry the tables' versions) but would make query counts depend
    on test order. A fresh key prefix, not a flush: xdist workers share the Redis database.
    """
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = uuid.uuid4().hex
    settings.CACHES = caches
    # What a long-running process holds: the cached set of events webhooks listen to (none in a
    # fresh database), so that domain writes cost the queries they cost in production, not a
    # first look-up per test. Subscriptions made through webhooks.services drop it.
    from django.core.cache import cache

    from webhooks.events import WANTED_EVENTS_KEY, WANTED_EVENTS_SECONDS

    cache.set(WANTED_EVENTS_KEY, [], WANTED_EVENTS_SECONDS)


@pytest.fixture
def cx_user(db):
    return UserFactory(username="carla", groups=[permissions.CX_TEAM])


@pytest.fixture
def owner_user(db):
    return UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])


@pytest.fixture
def other_owner(db):
    return UserFactory(username="olga", groups=[permissions.ROLE_OWNER])


@pytest.fixture
def exec_user(db):
    return UserFactory(username="eleni", groups=[permissions.EXECUTIVE])


@pytest.fixture
def integration_user(db):
    return UserFactory(username="desk", groups=[permissions.INTEGRATION])


@pytest.fixture
def group(db):
    """Look up one of the groups the data migration made."""
    return lambda name: Group.objects.get(name=name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = settings.REDIS_URL
    if not url:
        need_service("REDIS_URL is not set: no Redis to talk to")
    return url


def database_url_for_worker() -> str:
    """The test database as a URL, so a worker process reads and writes what the test sees."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        need_service("a Celery worker process needs a shared database (PostgreSQL)")
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def start_celery_worker(*, database_url: str, redis_url: str, queue: str) -> subprocess.Popen:
    """A real ``celery worker`` process serving ``queue`` and its re-route queue."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxalign.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_REROUTE_QUEUE": f"{queue}-reroute",
    }
    return subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter.
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cxalign",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            f"{queue},{queue}-reroute",
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a process this suite started, and reap it."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(redis_url, django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the real Redis, on a queue of this test session."""
    with django_db_blocker.unblock():
        database_url = database_url_for_worker()
    queue = f"cxalign-test-{uuid.uuid4().hex[:8]}"
    process = start_celery_worker(database_url=database_url, redis_url=redis_url, queue=queue)
    yield queue
    stop_process(process)


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db):
    """Send this test's tasks to the real worker: eager mode off, the session's queue on.

    Uses ``transactional_db`` so that the worker, on its own connection, sees committed rows.
    """
    from cxalign.celery import app

    # Keys carry the CELERY_ namespace: the app reads its configuration from Django settings.
    saved = send_to_worker(app, queue=celery_worker_process)
    yield app
    restore_sending(app, saved)


def send_to_worker(app, *, queue: str, broker_url: str | None = None) -> tuple:
    """Eager mode off; tasks to ``queue`` (re-routes to its re-route queue), optionally through
    another broker. Returns what ``restore_sending`` puts back."""
    saved = (
        app.conf.task_always_eager,
        app.conf.task_default_queue,
        app.conf.task_routes,
        app.conf.broker_url,
    )
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    app.conf["CELERY_TASK_DEFAULT_QUEUE"] = queue
    app.conf["CELERY_TASK_ROUTES"] = {name: {"queue": f"{queue}-reroute"} for name in saved[2]}
    _reset_router(app)
    if broker_url is not None:
        use_broker(app, broker_url)
    return saved


def restore_sending(app, saved: tuple) -> None:
    (
        app.conf["CELERY_TASK_ALWAYS_EAGER"],
        app.conf["CELERY_TASK_DEFAULT_QUEUE"],
        app.conf["CELERY_TASK_ROUTES"],
        broker_url,
    ) = saved
    _reset_router(app)
    if broker_url != app.conf.broker_url:
        use_broker(app, broker_url)


def _reset_router(app) -> None:
    """Make the app route by its current ``task_routes`` (it caches the router on first use)."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def free_port() -> int:
    """A port nothing listens on (bound for a moment by the OS, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_broker(app, url: str) -> None:
    """Send through ``url`` from now on: drop the pools the app made for the previous URL."""
    app.conf["CELERY_BROKER_URL"] = url
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def celery_broker():
    """``celery_broker(url)``: eager mode off and the app publishing to ``url``; restored after.

    ``celery_broker(None)`` switches eager mode back on (the test's "worker" is then the test
    process itself, e.g. for a drain after the outage).
    """
    from cxalign.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)

    def _point(url: str | None) -> None:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = url is None
        use_broker(app, url or saved[1])

    yield _point
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = saved[0]
    use_broker(app, saved[1])


@pytest.fixture
def broker_down(celery_broker):
    """Eager mode off and a broker URL on which nothing listens: every hand-off fails."""
    celery_broker(f"redis://127.0.0.1:{free_port()}/0")
    return celery_broker


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser build)."""
    if not Path(CHROMIUM).exists():
        need_service(f"no Chromium at {CHROMIUM} (Debian package 'chromium')")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser page; ``page.base_url`` is the live server's address."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    """Sign in through the real sign-in page: ``sign_in(user)`` (password of UserFactory)."""

    def _sign_in(user, password: str = "secret-pass-123"):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return _sign_in
