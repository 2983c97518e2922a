"""The load scenario of ``make load``: cxalign's three kinds of user and an integration.

Run by ``bench/load.py`` (headless) against gunicorn on the bench dataset; the environment
names what the dataset holds: ``BENCH_SEED`` (the API keys derive from it), ``BENCH_ROLES`` (role
``n`` is owned by ``owner<n>``), ``BENCH_GAPS`` (gap ids run from 1).

- CX team member (weight 4): lists and filters gaps (page and API), opens a gap, creates a gap
  and moves it through a transition.
- Role owner (weight 3): reads the feed of a role they own, marks an item, reads the gaps their
  roles caused.
- Executive (weight 2): the dashboard, the executive summary, the recognition board.
- Integration (weight 1): pushes occurrences in bulk, reads the insight list.

Pages use a session signed in through the form; the production profile marks the session cookie
``Secure``, which ``requests`` would not send over the plain HTTP of a local gunicorn, so the
cookie is sent as a header of its own. Writes go through the API with each user's token.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dataset import PASSWORD, token_key

SEED = int(os.environ.get("BENCH_SEED", "13"))
ROLES = int(os.environ.get("BENCH_ROLES", "20"))
GAPS = int(os.environ.get("BENCH_GAPS", "1000"))
NEXT_STATE = {
    "new": "read",
    "read": "acting",
    "acting": "done",
    "done": "read",
    "dismissed": "read",
}
SAMPLES = os.environ.get("BENCH_SAMPLES")  # where every request's (name, ms, failed) goes
_owners = itertools.count(1)
_pushes = itertools.count(1)
_samples: list[tuple[str, float, bool]] = []


@events.request.add_listener
def _record(request_type, name, response_time, exception, **_kwargs) -> None:
    """Every request, so that ``bench/load.py`` can state percentiles with and without sign-in."""
    _samples.append((f"{request_type} {name}", response_time, exception is not None))


@events.quitting.add_listener
def _write_samples(**_kwargs) -> None:
    if SAMPLES:
        Path(SAMPLES).write_text(json.dumps(_samples))


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        self.sign_in(self.username)

    def sign_in(self, username: str) -> None:
        """The sign-in form, then the session cookie as a header (see the module docstring)."""
        page = self.client.get("/accounts/login/", name="sign in (form)")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        answer = self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Cookie": f"csrftoken={page.cookies.get('csrftoken', '')}"},
            allow_redirects=False,
            name="sign in (post)",
        )
        session = answer.cookies.get("sessionid")
        if answer.status_code != 302 or not session:
            raise RuntimeError(f"sign-in as {username} failed: HTTP {answer.status_code}")
        self.session_header = {"Cookie": f"sessionid={session}"}
        self.token_header = {"Authorization": f"Token {token_key(SEED, username)}"}

    def page(self, path: str, name: str | None = None):
        return self.client.get(path, headers=self.session_header, name=name or path)

    def api(self, method: str, path: str, name: str | None = None, **kwargs):
        return self.client.request(
            method, path, headers=self.token_header, name=name or path, **kwargs
        )


class CxTeamMember(SignedIn):
    weight = 4
    username = "cx"

    @task(4)
    def list_gaps(self) -> None:
        status = random.choice(["open", "acknowledged", "in_remedy"])
        self.page(f"/gaps/?status={status}", name="/gaps/?status=…")

    @task(3)
    def filter_gaps_api(self) -> None:
        category = random.choice(["product", "service", "policy", "process", "attitude"])
        self.api(
            "GET",
            f"/api/v1/gaps/?status=open&category={category}",
            name="/api/v1/gaps/?status=open&category=…",
        )

    @task(3)
    def open_gap(self) -> None:
        self.page(f"/gaps/{random.randint(1, GAPS)}/", name="/gaps/[id]/")

    @task(1)
    def create_and_transition(self) -> None:
        created = self.api(
            "POST",
            "/api/v1/gaps/",
            json={
                "title": "Parcel tracking link expires before delivery",
                "expectation": "A tracking link that works until the parcel arrives.",
                "delivery": "The link expires after three days.",
                "category": "process",
                "causing_role": random.randint(1, ROLES),
                "severity": random.randint(1, 5),
            },
        )
        if created.status_code == 201:
            gap = created.json()["id"]
            self.api(
                "POST",
                f"/api/v1/gaps/{gap}/transition/",
                json={"to": "acknowledged", "note": "Accepted in the load test."},
                name="/api/v1/gaps/[id]/transition/",
            )


class RoleOwner(SignedIn):
    weight = 3

    def on_start(self) -> None:
        self.role = (next(_owners) - 1) % ROLES + 1
        self.sign_in(f"owner{self.role}")

    @task(3)
    def feed(self) -> None:
        self.page(f"/insights/feed/{self.role}/", name="/insights/feed/[role]/")

    @task(2)
    def mark_item(self) -> None:
        listed = self.api(
            "GET", f"/api/v1/feed-items/?role={self.role}", name="/api/v1/feed-items/?role=…"
        )
        if listed.status_code != 200:
            return
        items = listed.json().get("results", [])
        if items:
            item = random.choice(items)
            self.api(
                "PATCH",
                f"/api/v1/feed-items/{item['id']}/",
                json={"state": NEXT_STATE.get(item["state"], "read")},
                name="/api/v1/feed-items/[id]/",
            )

    @task(2)
    def my_gaps(self) -> None:
        self.page("/gaps/mine/")


class Executive(SignedIn):
    weight = 2
    username = "exec"

    @task(3)
    def dashboard(self) -> None:
        self.page("/roi/")

    @task(1)
    def summary(self) -> None:
        self.page("/roi/summary/")

    @task(1)
    def recognition(self) -> None:
        self.page("/roi/recognition/")


class Integration(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Token {token_key(SEED, 'integration')}"}

    @task(2)
    def push_occurrences(self) -> None:
        push = next(_pushes)
        now = datetime.now(UTC)
        body = [
            {
                "gap": random.randint(1, GAPS),
                "occurred_at": (now - timedelta(minutes=random.randint(1, 30_000))).isoformat(),
                "source": "load-test",
                "external_id": f"{os.getpid()}-{push}-{i}",
            }
            for i in range(200)
        ]
        self.client.post(
            "/api/v1/occurrences/",
            json=body,
            headers=self.headers,
            name="/api/v1/occurrences/ ×200",
        )

    @task(1)
    def insights(self) -> None:
        self.client.get("/api/v1/insights/?status=published", headers=self.headers)
