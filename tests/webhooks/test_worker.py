"""A gap logged in the browser reaches a real receiver through a real Celery worker."""

import json

import pytest
from django.urls import reverse

from tests.insights.test_worker import wait_for
from webhooks import signing
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_worker_fans_out_and_delivers_signed(
    celery_worker, client, cx_user, billing_role, receiver, subscribe
):
    subscription = subscribe(["gap.created"], secret="worker-secret")
    client.force_login(cx_user)

    response = client.post(
        reverse("gaps:create"),
        {
            "title": "Refunds take three weeks",
            "expectation": "Refund within a week",
            "delivery": "Three weeks",
            "category": "process",
            "causing_role": billing_role.pk,
            "severity": 3,
        },
    )

    assert response.status_code == 302, response.content[:2000]
    # Eager mode is off: only the worker process can have posted and recorded this.
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(
            subscription=subscription, status="delivered"
        ).first()
    )
    (request,) = receiver.requests
    assert signing.verify("worker-secret", request.body, request.headers["X-Cxalign-Signature"])
    assert json.loads(request.body)["id"] == str(delivery.pk)
    assert delivery.response_code == 200
