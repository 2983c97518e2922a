"""Events from the domain services: published insights, feed items in bulk, escalations,
rollups, and ``emit`` with a ready payload (for features that build their own)."""

import json

import pytest
from django.utils import timezone

from insights import services as insight_services
from outbox.models import OutboxMessage
from tests.factories import GapFactory, RoleFactory, TeamFactory
from webhooks.events import FAN_OUT_TASK, emit
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed_org(db):
    """A team with three roles at different levels and a gap on its manager role."""
    team = TeamFactory(name="Billing")
    roles = [
        RoleFactory(name="CFO", team=team, level="executive"),
        RoleFactory(name="Billing Ops Manager", team=team, level="manager"),
        RoleFactory(name="Invoicing Specialist", team=team, level="individual_contributor"),
    ]
    return team, roles


def _publish(cx_user, capture, **fields):
    insight = insight_services.insight_create(
        actor=cx_user,
        title="One invoice a month",
        finding="Customers reconcile one.",
        kind="expectation",
        **fields,
    )
    with capture(execute=True):
        insight_services.insight_publish(insight=insight, actor=cx_user)
    return insight


def test_insight_published_is_sent_once(
    receiver, subscribe, cx_user, django_capture_on_commit_callbacks
):
    subscribe(["insight.published"])
    insight = _publish(cx_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        insight_services.insight_publish(insight=insight, actor=cx_user)  # re-routes only

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert (body["event"], body["data"]["id"], body["data"]["status"]) == (
        "insight.published",
        insight.pk,
        "published",
    )


def test_feed_items_routed_in_bulk_are_one_outbox_message(
    routed_org, receiver, subscribe, cx_user, django_capture_on_commit_callbacks
):
    team, roles = routed_org
    gaps = [GapFactory(causing_role=role, causing_team=team) for role in roles]
    subscribe(["feed_item.created"])

    insight = _publish(cx_user, django_capture_on_commit_callbacks, related_gaps=gaps)

    messages = OutboxMessage.objects.filter(task=FAN_OUT_TASK)
    (message,) = messages
    item_ids = set(insight.feed_items.values_list("pk", flat=True))
    assert len(item_ids) == 3
    assert set(message.kwargs["ids"]) == item_ids
    assert WebhookDelivery.objects.filter(event="feed_item.created").count() == 3
    role_names = {json.loads(r.body)["data"]["role_name"] for r in receiver.requests}
    assert role_names == {role.name for role in roles}

    # Routing again creates no item, so sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        insight_services.insights_route(insight_ids=[insight.pk])
    assert OutboxMessage.objects.filter(task=FAN_OUT_TASK).count() == 1


def test_a_roles_channel_gets_only_that_roles_feed_items(
    routed_org, receiver, subscribe, cx_user, django_capture_on_commit_callbacks
):
    team, roles = routed_org
    gaps = [GapFactory(causing_role=role, causing_team=team) for role in roles]
    channel = subscribe(["feed_item.created"], role=roles[2], format="slack")

    _publish(cx_user, django_capture_on_commit_callbacks, related_gaps=gaps)

    (delivery,) = WebhookDelivery.objects.filter(subscription=channel)
    assert "Invoicing Specialist" in delivery.payload["text"]


def test_escalated_gaps_of_one_run_are_one_message_to_the_managers_channel(
    routed_org, receiver, subscribe, django_capture_on_commit_callbacks
):
    from gaps.escalation import gaps_escalate_overdue
    from tests.factories import UserFactory

    team, roles = routed_org
    cfo, manager, specialist = roles
    manager.owners.add(UserFactory(username="manager"))
    overdue = [
        GapFactory(
            causing_role=specialist,
            causing_team=team,
            severity=5,
            acknowledge_due_on=timezone.localdate() - timezone.timedelta(days=3),
        )
        for _ in range(2)
    ]
    managers_channel = subscribe(["gap.escalated"], role=manager, format="slack")
    cfo_channel = subscribe(["gap.escalated"], role=cfo, format="slack")

    with django_capture_on_commit_callbacks(execute=True):
        gaps_escalate_overdue()

    (message,) = OutboxMessage.objects.filter(task=FAN_OUT_TASK)
    assert message.kwargs["event"] == "gap.escalated"
    assert sorted(message.kwargs["ids"]) == sorted(gap.pk for gap in overdue)
    # Escalated to the manager role (not caused by it): its channel hears of both.
    assert WebhookDelivery.objects.filter(subscription=managers_channel).count() == 2
    assert not WebhookDelivery.objects.filter(subscription=cfo_channel).exists()
    assert all(r.body.startswith(b'{"text":"Overdue gap escalated') for r in receiver.requests)


def test_emit_takes_a_ready_payload_for_other_features(
    receiver, subscribe, billing_role, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://cx.example.com"
    everything = subscribe(["change_review.assessed"], format="slack")
    billing = subscribe(["change_review.assessed"], role=billing_role)
    other = subscribe(["change_review.assessed"], role=RoleFactory(name="Courier"))

    with django_capture_on_commit_callbacks(execute=True):
        emit(
            "change_review.assessed",
            {"id": 7, "title": "New invoice layout", "path": "/change-reviews/7/", "matches": 3},
            role_id=billing_role.pk,
        )

    got = {d.subscription_id: d.payload for d in WebhookDelivery.objects.all()}
    assert set(got) == {everything.pk, billing.pk}
    assert other.pk not in got
    assert got[billing.pk]["data"] == {"id": 7, "title": "New invoice layout", "matches": 3}
    assert (
        "<https://cx.example.com/change-reviews/7/|New invoice layout>"
        in got[everything.pk]["text"]
    )


def test_a_completed_rollup_is_sent(receiver, subscribe, django_capture_on_commit_callbacks):
    from roi.services import rollup_run

    subscribe(["rollup.completed"])
    GapFactory()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        rollup_run(first=today - timezone.timedelta(days=1), last=today)

    (request,) = receiver.requests
    data = json.loads(request.body)["data"]
    assert data["last_day"] == today.isoformat()
    assert "path" not in data
