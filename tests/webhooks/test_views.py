"""The CX team's webhook pages: list, create (secret shown once), edit, log, test button."""

import pytest
from django.urls import reverse

from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def _form(receiver, **fields):
    return {
        "url": receiver.url,
        "description": "Support desk",
        "events": ["gap.created", "feed_item.created"],
        "format": "slack",
        "secret": "",
        "role": "",
        "team": "",
        "active": "on",
        **fields,
    }


def test_the_cx_team_creates_a_subscription_and_sees_its_secret_once(client, cx_user, receiver):
    client.force_login(cx_user)

    response = client.post(reverse("webhooks:create"), _form(receiver))

    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == subscription.get_absolute_url()
    assert subscription.events == ["gap.created", "feed_item.created"]
    assert subscription.format == "slack"
    page = client.get(subscription.get_absolute_url()).content.decode()
    assert subscription.secret in page
    again = client.get(subscription.get_absolute_url()).content.decode()
    assert subscription.secret not in again


def test_errors_show_beside_the_field(client, cx_user, receiver):
    client.force_login(cx_user)
    response = client.post(
        reverse("webhooks:create"), _form(receiver, url="http://hooks.example.com/x")
    )
    assert response.status_code == 200
    assert "plain http is allowed only to 127.0.0.1" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_editing_keeps_the_secret_unless_a_new_one_is_given(client, cx_user, receiver):
    subscription = services.subscription_create(
        actor=cx_user, url=receiver.url, events=["gap.created"], secret="kept-secret"
    )
    client.force_login(cx_user)
    url = reverse("webhooks:edit", args=[subscription.pk])

    response = client.post(url, _form(receiver, description="Renamed", active=""))

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.description, subscription.active) == ("Renamed", False)
    assert subscription.secret == "kept-secret"
    client.post(url, _form(receiver, secret="new-secret"))
    subscription.refresh_from_db()
    assert (subscription.secret, subscription.active) == ("new-secret", True)


def test_the_log_shows_response_codes_and_the_test_button_pings(
    client, cx_user, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    subscription = services.subscription_create(
        actor=cx_user, url=receiver.url, events=["gap.created"]
    )
    client.force_login(cx_user)
    receiver.status = 418
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:test", args=[subscription.pk]))
    assert response.status_code == 302
    assert len(receiver.requests) == 1
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event="gap.created", payload={}, status="failed")
        for _ in range(5)
    )

    with django_assert_max_num_queries(12):
        page = client.get(subscription.get_absolute_url()).content.decode()

    assert 'class="response-code">418<' in page
    assert page.count("<tr>") == 1 + 6
    listing = client.get(reverse("webhooks:list")).content.decode()
    assert receiver.url in listing


@pytest.mark.parametrize("who", ["owner_user", "exec_user", "integration_user"])
def test_only_the_cx_team_reaches_the_pages(client, request, who, cx_user, receiver):
    subscription = services.subscription_create(
        actor=cx_user, url=receiver.url, events=["gap.created"]
    )
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("webhooks:list"),
        reverse("webhooks:create"),
        subscription.get_absolute_url(),
        reverse("webhooks:edit", args=[subscription.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("webhooks:test", args=[subscription.pk])).status_code == 403
