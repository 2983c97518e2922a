"""``Idempotency-Key`` on the API's POSTs: replay, conflict, concurrency (real threads on the
real database), scoping per client, what is not kept, and the purge."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cxalign.idempotency.middleware import idempotency_keys_purge
from cxalign.idempotency.models import IdempotencyKey
from gaps.models import Gap
from tests.factories import RoleFactory
from tests.gaps.api_support import token_client

GAPS = "/api/v1/gaps/"


def _gap(role, **fields):
    return {
        "title": "Invoices arrive in three parts",
        "expectation": "One invoice a month",
        "delivery": "Three partial invoices",
        "category": "process",
        "causing_role": role.pk,
        "severity": 3,
        **fields,
    }


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def role(db):
    return RoleFactory(name="Billing Operations Manager")


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer(cx_user, role):
    client = _session(cx_user)

    first = client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Gap.objects.count() == 1
    # Key order and spacing of a JSON body do not make it another request.
    reordered = dict(reversed(list(_gap(role).items())))
    assert (
        client.post(GAPS, reordered, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    )
    assert Gap.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict(cx_user, role):
    client = _session(cx_user)
    client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    other = client.post(GAPS, _gap(role, severity=5), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]
    assert Gap.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_request_is_replayed_too(cx_user, role):
    client = _session(cx_user)
    bad = _gap(role, severity=9)
    first = client.post(GAPS, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    again = client.post(GAPS, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


@pytest.mark.django_db
def test_keys_belong_to_one_client(cx_user, role, integration_user):
    _session(cx_user).post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    token, _ = token_client(integration_user, "gaps:write", "gaps:read")

    other = token.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Gap.objects.count() == 2
    owners = set(IdempotencyKey.objects.values_list("owner", flat=True))
    assert f"user:{cx_user.pk}" in owners
    assert any(owner.startswith("token:") for owner in owners)


@pytest.mark.django_db
def test_answers_about_the_client_are_not_kept(exec_user, role):
    """A 403 (or 401, 429) says who asked, not what the request did: the key stays free."""
    client = _session(exec_user)
    assert (
        client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 403
    )
    assert not IdempotencyKey.objects.exists()
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert bad_token.post(GAPS, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_key_that_is_too_long_is_400(cx_user, role):
    response = _session(cx_user).post(
        GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Gap.objects.exists()


@pytest.mark.django_db
def test_keys_expire_after_a_day(cx_user, role):
    client = _session(cx_user)
    client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    # Past its keeping time the key is new again: the request runs.
    assert (
        client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    )
    assert Gap.objects.count() == 2
    client.post(GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="other")
    IdempotencyKey.objects.filter(key="other").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["old"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_object(cx_user, role):
    """Real threads, each with its own database connection, released at once."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL")
    clients = [_session(cx_user) for _ in range(4)]
    start = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def send(n: int) -> None:
        try:
            start.wait()
            answers[n] = clients[n].post(
                GAPS, _gap(role), format="json", HTTP_IDEMPOTENCY_KEY="race"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Gap.objects.count() == 1
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.content for answer in answers}) == 1
    assert sum(1 for answer in answers if answer.has_header("Idempotent-Replayed")) == 3


@pytest.mark.django_db
def test_the_schema_documents_the_header_and_its_conflict(cx_user):
    client = _session(cx_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/gaps/", "/api/v1/occurrences/", "/api/v1/webhooks/{id}/test/"):
        post = schema["paths"][path]["post"]
        names = [(p["in"], p["name"]) for p in post["parameters"]]
        assert ("header", "Idempotency-Key") in names, path
        assert "409" in post["responses"], path
    listing = schema["paths"]["/api/v1/gaps/"]["get"]["parameters"]
    assert all(p["name"] != "Idempotency-Key" for p in listing)
