"""Publishing routes the insight in a real Celery worker process (PostgreSQL + Redis)."""

import time

import pytest
from django.urls import reverse

from insights import services
from insights.models import FeedItem
from outbox.models import OutboxMessage

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 60.0):
    """Poll the database until the worker's commit is visible (it runs in another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("the worker did not route the insight in time")


def test_cx_team_publishes_and_the_worker_fills_the_right_feeds(
    celery_worker, client, cx_user, org, billing_gap, make_insight
):
    services.routing_rule_create(
        actor=cx_user,
        name="Invoices to Billing ICs",
        themes=[org.invoice_clarity],
        team=org.billing,
        target_levels=["individual_contributor"],
    )
    # The rule's re-route runs on its own queue; once it has started, the (solo) worker can only
    # route the insight after it, so no task is left running when the test's tables are wiped.
    wait_for(lambda: not OutboxMessage.objects.filter(started_at=None).exists())
    insight = make_insight(themes=[org.invoice_clarity], related_gaps=[billing_gap])
    client.force_login(cx_user)
    response = client.post(reverse("insights:publish", args=[insight.pk]))
    assert response.status_code == 302
    # Eager mode is off: only the worker process can have written these rows.
    items = wait_for(
        lambda: (
            dict(FeedItem.objects.filter(insight=insight).values_list("role__name", "reason"))
            if FeedItem.objects.filter(insight=insight).count() == 2
            else None
        )
    )
    assert items == {
        "Billing Ops Manager": f'Your role causes gap #{billing_gap.pk} "{billing_gap.title}"',
        "Invoicing Specialist": 'Rule "Invoices to Billing ICs" (theme)',
    }
    assert not FeedItem.objects.filter(role=org.logistics_manager).exists()
