"""Ten clients push the same bulk batch at once through the real HTTP stack (issue 8, finding 4).

The batch must be stored once, and the answers' ``created`` must add up to exactly the rows
stored: each request reports what *it* inserted. Runs on whatever database the suite uses; the
race it guards against needs concurrent connections, so it means most on PostgreSQL (CI).
"""

import json
import random
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gaps.models import ApiToken, Occurrence
from gaps.models.gaps import GapStatus as S
from tests.conftest import need_service

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 10
ROWS = 1_000


def post_json(url: str, key: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server, http on loopback.
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - as above.
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:  # a 500 must fail the assertions, not the thread
        return error.code, {"error": error.read()[:300].decode(errors="replace")}


def push_at_once(url: str, key: str, bodies: list[bytes]) -> list[tuple[int, dict]]:
    """Every client waits at a barrier, then each sends its body on its own connection."""
    start = threading.Barrier(len(bodies))

    def client(body: bytes) -> tuple[int, dict]:
        start.wait(timeout=30)
        return post_json(url, key, body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(client, bodies))


@pytest.mark.parametrize("order", ["same", "shuffled"])
def test_ten_identical_batches_at_once_count_each_row_once(
    live_server, integration_user, make_gap, order
):
    """``shuffled``: each client lists the same items in its own order, as retries and
    re-batching integrations do; the counts hold whatever the order. (The service also inserts
    rows sorted so that two overlapping inserts cannot deadlock; this test cannot force that
    overlap, the live server's threads share one interpreter, so it does not prove it.)"""
    if connection.vendor != "postgresql":
        need_service("concurrent batches need concurrent connections (PostgreSQL)")
    closed_at = timezone.now() - timedelta(days=20)
    gaps = [make_gap(title=f"Gap {n}") for n in range(4)]
    # A closed gap among them: the recurring check runs in every request, and flags it once.
    gaps.append(make_gap(title="Closed", status=S.CLOSED, closed_at=closed_at, root_cause="Old."))
    _, key = ApiToken.issue(user=integration_user, name="desk", scopes=["occurrences:write"])
    batch = [
        {
            "gap": gaps[n % len(gaps)].pk,
            "occurred_at": (closed_at + timedelta(minutes=n)).isoformat(),
            "source": "zendesk",
            "external_id": f"T-{n}",
        }
        for n in range(ROWS)
    ]
    bodies = []
    for client in range(CLIENTS):
        items = list(batch)
        if order == "shuffled":
            random.Random(client).shuffle(items)  # noqa: S311 - a test order, not a secret
        bodies.append(json.dumps(items).encode())

    answers = push_at_once(f"{live_server.url}/api/v1/occurrences/", key, bodies)

    assert {status for status, _ in answers} <= {200, 201}, answers
    assert sum(body["created"] for _, body in answers) == ROWS
    assert all(body["created"] + body["duplicates"] == ROWS for _, body in answers)
    assert Occurrence.objects.count() == ROWS
    closed = gaps[-1]
    closed.refresh_from_db()
    assert closed.recurring
    assert closed.events.filter(kind="recurring").count() == 1
