"""Sign-in lockout, token failure throttling, CSP, no-store and session expiry (issue 8, #6)."""

import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gaps.models import ApiToken
from tests.cxalign.test_settings import STRONG_KEY, run_django
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
PASSWORD = "secret-pass-123"


def sign_in(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


# --- sign-in lockout ------------------------------------------------------------------------


def test_wrong_passwords_lock_the_sign_in_with_a_clear_message(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="lou", groups=["executive"])

    for _ in range(2):
        response = sign_in(client, "lou", "wrong")
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()
    locked = sign_in(client, "lou", "wrong")
    # The right password is refused too while locked, with the same message beside the form.
    right = sign_in(client, "lou", PASSWORD)

    for response in (locked, right):
        assert response.status_code == 429
        page = response.content.decode()
        assert "Too many failed sign-ins" in page
        assert "locked for 15 minutes" in page
        assert 'role="alert"' in page
        assert 'name="username"' in page  # the form is still there
    assert "_auth_user_id" not in client.session


def test_another_user_or_address_is_not_locked_by_someone_elses_failures(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="lou", groups=["executive"])
    UserFactory(username="max", groups=["executive"])
    for _ in range(3):
        sign_in(client, "lou", "wrong")
    assert sign_in(client, "max", PASSWORD).status_code == 302
    other_address = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(other_address, "lou", PASSWORD).status_code == 302


def test_an_administrator_unlocks_a_locked_sign_in_in_the_admin(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="lou", groups=["executive"])
    for _ in range(2):
        sign_in(client, "lou", "wrong")
    assert sign_in(client, "lou", PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="lou")

    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "lou" in listing.content.decode()
    unlocked = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert unlocked.status_code == 302

    assert not AccessAttempt.objects.filter(username="lou").exists()
    assert sign_in(client, "lou", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_too(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(2):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_cool_off_limit_and_idle_timeout_come_from_the_environment():
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.AXES_COOLOFF_TIME.total_seconds(),"
        " settings.AXES_FAILURE_LIMIT, settings.SESSION_COOKIE_AGE,"
        " settings.SESSION_RENEW_SECONDS]))"
    )
    result = run_django(
        code,
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        AXES_COOLOFF_MINUTES="45",
        AXES_FAILURE_LIMIT="7",
        SESSION_IDLE_TIMEOUT_SECONDS="3600",
        SESSION_RENEW_SECONDS="60",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [45 * 60, 7, 3600, 60]
    default = run_django(code, DEBUG="0", SECRET_KEY=STRONG_KEY)
    assert json.loads(default.stdout) == [15 * 60, 5, 8 * 60 * 60, 5 * 60]


# --- token failures -------------------------------------------------------------------------


def test_repeated_bad_tokens_from_one_client_are_throttled_with_a_json_429(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token_failures": "5/min"},
    }
    cache.delete_many(["throttle_token_failures_203.0.113.9", "throttle_token_failures_127.0.0.1"])
    user = UserFactory(username="desk", groups=["integration"])
    _token, key = ApiToken.issue(user=user, name="desk", scopes=["gaps:read"])
    guesser = APIClient(REMOTE_ADDR="203.0.113.9")
    guesser.credentials(HTTP_AUTHORIZATION="Token not-the-key")

    codes = [guesser.get("/api/v1/gaps/").status_code for _ in range(7)]

    assert codes == [401] * 5 + [429] * 2
    response = guesser.get("/api/v1/gaps/")
    assert response["Content-Type"] == "application/json"
    assert "bad token" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    # Another client with a good token is not slowed down.
    honest = APIClient(REMOTE_ADDR="127.0.0.1")
    honest.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [honest.get("/api/v1/gaps/").status_code for _ in range(7)] == [200] * 7
    cache.delete("throttle_token_failures_203.0.113.9")


# --- headers: CSP, no-store, session renewal ------------------------------------------------


def test_every_page_carries_a_strict_content_security_policy(client):
    client.force_login(UserFactory(username="carla", groups=["cx_team"]))
    for url in ("/gaps/", "/insights/", "/roi/", LOGIN, "/api/docs/", "/admin/"):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert "unsafe" not in policy, url
        assert directives["frame-ancestors"] == "'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
STYLE = re.compile(r"""<style|\sstyle\s*=""", re.IGNORECASE)


def test_no_template_carries_inline_script_handler_or_style():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert len(templates) > 20
    for path in templates:
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), path
        assert not HANDLER.search(text), path
        assert not STYLE.search(text), path


def test_signed_in_pages_and_api_answers_are_never_stored(client):
    user = UserFactory(username="carla", groups=["cx_team"])
    anonymous_api = APIClient().get("/api/v1/gaps/")
    client.force_login(user)
    for response in (client.get("/gaps/"), client.get("/roi/"), client.get("/api/v1/gaps/")):
        assert "no-store" in response["Cache-Control"]
    assert "no-store" in anonymous_api["Cache-Control"]


def test_requests_renew_the_session_so_it_ends_after_idle_time(client, settings):
    client.force_login(UserFactory(username="carla", groups=["cx_team"]))
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=1))

    # Signed in just now: the session was stamped at sign-in and is not written again yet.
    assert client.get("/gaps/").status_code == 200
    near = Session.objects.get(pk=session.pk).expire_date
    assert near < timezone.now() + timedelta(minutes=2)

    # Once SESSION_RENEW_SECONDS have passed since the last renewal, a request renews it.
    stamped = client.session
    stamped["_renewed_at"] = int(time.time()) - settings.SESSION_RENEW_SECONDS - 1
    stamped.save()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/gaps/").status_code == 200

    renewed = Session.objects.get(pk=session.pk).expire_date
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((renewed - expected).total_seconds()) < 300
    # Past its expiry a session signs nobody in.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/gaps/").status_code == 302
