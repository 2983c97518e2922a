"""``/api/v1/webhooks/``: who manages subscriptions, the secret shown once, the test ping and
the cursor-paginated delivery log."""

import pytest
from rest_framework.test import APIClient

from tests.gaps.api_support import token_client
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/"


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _body(receiver, **fields):
    return {"url": receiver.url, "events": ["gap.created", "gap.escalated"], **fields}


def test_the_cx_team_subscribes_and_sees_the_generated_secret_once(cx_user, receiver):
    client = _session(cx_user)

    created = client.post(URL, _body(receiver, description="Support desk"), format="json")

    assert created.status_code == 201, created.json()
    secret = created.json()["secret"]
    assert len(secret) >= 32
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == secret
    assert subscription.created_by == cx_user
    again = client.get(f"{URL}{subscription.pk}/").json()
    assert "secret" not in again
    assert again["events"] == ["gap.created", "gap.escalated"]
    assert again["format"] == "json"
    assert again["created_by"] == cx_user.username
    assert "secret" not in client.get(URL).json()["results"][0]


def test_a_given_secret_is_kept_and_never_shown(cx_user, receiver):
    client = _session(cx_user)
    created = client.post(URL, _body(receiver, secret="my-own-secret-value"), format="json")
    assert created.status_code == 201
    assert WebhookSubscription.objects.get().secret == "my-own-secret-value"
    changed = client.patch(
        f"{URL}{created.json()['id']}/", {"description": "Renamed"}, format="json"
    )
    assert changed.status_code == 200
    assert "secret" not in changed.json()
    assert WebhookSubscription.objects.get().secret == "my-own-secret-value"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "http://hooks.example.com/x"}, "url"),
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["gap.deleted"]}, "events"),
        ({"events": "gap.created"}, "events"),
        ({"format": "discord"}, "format"),
        ({"role": 999999}, "role"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_subscriptions_are_400_beside_the_field(cx_user, receiver, fields, field):
    response = _session(cx_user).post(URL, _body(receiver, **fields), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_https_anywhere_and_http_only_to_loopback(cx_user):
    assert services.url_errors("https://hooks.slack.com/services/T/B/X") == {}
    assert services.url_errors("http://127.0.0.1:9000/x") == {}
    assert services.url_errors("http://[::1]:9000/x") == {}
    assert services.url_errors("http://localhost/x") == {}
    assert "url" in services.url_errors("http://10.0.0.5/x")


def test_an_integration_with_the_scope_manages_webhooks(integration_user, receiver):
    client, _ = token_client(integration_user, "webhooks:write")
    created = client.post(URL, _body(receiver), format="json")
    assert created.status_code == 201
    assert client.get(URL).status_code == 200
    assert client.delete(f"{URL}{created.json()['id']}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_token_without_the_scope_is_refused(integration_user, cx_user, receiver, method):
    client, _ = token_client(cx_user, "gaps:read", "gaps:write", "insights:write")
    response = getattr(client, method)(URL, _body(receiver), format="json")
    assert response.status_code == 403
    assert "webhooks:write" in response.json()["detail"]


@pytest.mark.parametrize("who", ["owner_user", "exec_user"])
def test_role_owners_and_executives_are_refused(who, request, receiver):
    user = request.getfixturevalue(who)
    client = _session(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _body(receiver), format="json").status_code == 403
    token, _ = token_client(user, "webhooks:write")
    assert token.get(URL).status_code == 403


def test_anonymous_is_401(receiver):
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().post(URL, _body(receiver), format="json").status_code in (401, 403)


def test_send_test_event_pings_the_receiver(cx_user, receiver, django_capture_on_commit_callbacks):
    client = _session(cx_user)
    subscription = services.subscription_create(
        actor=cx_user, url=receiver.url, events=["gap.created"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{subscription.pk}/test/")

    assert response.status_code == 202
    body = response.json()
    assert body["event"] == "ping"
    (request,) = receiver.requests
    assert request.headers["X-Cxalign-Delivery"] == body["id"]
    delivery = WebhookDelivery.objects.get(pk=body["id"])
    assert (delivery.status, delivery.response_code, delivery.attempt) == ("delivered", 200, 1)


def test_deliveries_are_cursor_paginated_newest_first(
    cx_user, receiver, django_assert_max_num_queries
):
    client = _session(cx_user)
    subscription = services.subscription_create(
        actor=cx_user, url=receiver.url, events=["gap.created"]
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event="gap.created", payload={"n": n})
        for n in range(7)
    )

    with django_assert_max_num_queries(8):
        first = client.get(f"{URL}{subscription.pk}/deliveries/?page_size=5").json()
    assert set(first) == {"next", "previous", "results"}
    assert len(first["results"]) == 5
    assert set(first["results"][0]) == {
        "id",
        "event",
        "attempt",
        "status",
        "response_code",
        "duration_ms",
        "next_attempt_at",
        "created_at",
    }
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    seen = [d["id"] for d in first["results"] + second["results"]]
    assert len(set(seen)) == 7


def test_the_subscription_list_has_a_fixed_number_of_queries(
    cx_user, receiver, django_assert_max_num_queries
):
    for n in range(6):
        services.subscription_create(
            actor=cx_user, url=receiver.url, events=["gap.created"], description=f"#{n}"
        )
    client = _session(cx_user)
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert response.json()["count"] == 6


@pytest.mark.parametrize("page_size", ["abc", "0", "501", "2.5"])
def test_the_delivery_log_refuses_a_page_size_out_of_type_or_bounds(cx_user, receiver, page_size):
    subscription = services.subscription_create(
        actor=cx_user, url=receiver.url, events=["gap.created"]
    )
    answer = _session(cx_user).get(f"{URL}{subscription.pk}/deliveries/?page_size={page_size}")
    assert answer.status_code == 400
    assert "page_size" in answer.json()


@pytest.mark.parametrize("who", ["owner_user", "exec_user"])
def test_the_services_refuse_non_managers(request, receiver, who):
    from django.core.exceptions import PermissionDenied

    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied, match="Only the CX team manages webhooks"):
        services.subscription_create(actor=actor, url=receiver.url, events=["gap.created"])
