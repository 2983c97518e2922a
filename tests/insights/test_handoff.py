"""Publishing and rule edits hand their routing to the outbox: a broker outage loses nothing,
and a burst of rule edits re-routes once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from insights import services
from insights.models import FeedItem, RoutingRule
from outbox.models import OutboxMessage
from outbox.services import outbox_drain, outbox_mark_started

pytestmark = pytest.mark.django_db

AFTER_GRACE = timedelta(seconds=60)


def drain_now() -> int:
    """The periodic drain, as it runs once the grace for on-commit hand-offs has passed."""
    return outbox_drain(now=timezone.now() + AFTER_GRACE).sent


def test_with_the_broker_down_api_and_form_answer_and_the_drain_routes_later(
    broker_down, client, cx_user, org, billing_gap, make_insight, django_capture_on_commit_callbacks
):
    by_api = make_insight(title="By API", related_gaps=[billing_gap])
    by_form = make_insight(title="By form", related_gaps=[billing_gap])
    api = APIClient()
    api.force_authenticate(cx_user)
    client.force_login(cx_user)
    with django_capture_on_commit_callbacks(execute=True):
        published = api.post(f"/api/v1/insights/{by_api.pk}/publish/")
        posted = client.post(reverse("insights:publish", args=[by_form.pk]))
        rule = api.post(
            "/api/v1/routing-rules/",
            {"name": "All to dispatch", "target_roles": [org.dispatcher.pk]},
            format="json",
        )
        form_rule = client.post(
            reverse("insights:rule_create"),
            {"name": "All to couriers", "target_roles": [org.courier.pk], "active": "on"},
        )
    assert (published.status_code, posted.status_code) == (202, 302)
    assert (rule.status_code, form_rule.status_code) == (201, 302)
    assert RoutingRule.objects.count() == 2
    assert not FeedItem.objects.exists()  # Nothing ran: the broker is down.
    pending = OutboxMessage.objects.filter(started_at=None, sent_at=None)
    assert sorted(pending.values_list("task", flat=True)) == [
        services.ROUTE_TASK,
        services.ROUTE_TASK,
        services.REROUTE_ALL_TASK,  # Two rule saves, one re-route.
    ]
    assert all("Connection refused" in m.last_error for m in pending)

    broker_down(None)  # Back up (eager: the drain runs the tasks in this process).
    assert drain_now() == 3
    reached = set(FeedItem.objects.values_list("insight__title", "role__name"))
    assert reached == {
        (title, role)
        for title in ("By API", "By form")
        for role in ("Billing Ops Manager", "Dispatcher", "Courier")
    }


def test_a_burst_of_rule_edits_queues_one_reroute_that_sees_the_last_edit(
    broker_down, cx_user, org, make_insight, publish, django_capture_on_commit_callbacks
):
    broker_down(None)
    insight = publish(make_insight())
    broker_down("redis://127.0.0.1:1/0")  # Nothing listens on port 1.
    rule = services.routing_rule_create(actor=cx_user, name="Edited", target_roles=[org.dispatcher])
    targets = [org.dispatcher, org.courier, org.invoicing, org.billing_exec, org.courier]
    for role in targets:
        with django_capture_on_commit_callbacks(execute=True):
            services.routing_rule_update(rule=rule, actor=cx_user, target_roles=[role])
    reroutes = OutboxMessage.objects.filter(task=services.REROUTE_ALL_TASK)
    assert reroutes.count() == 1
    assert reroutes.get().dedupe_key == services.REROUTE_ALL_KEY

    broker_down(None)
    assert drain_now() == 1
    assert list(FeedItem.objects.filter(insight=insight).values_list("role", flat=True)) == [
        org.courier.pk
    ]
    # The re-route started: the next edit asks for a re-route of its own.
    broker_down("redis://127.0.0.1:1/0")
    with django_capture_on_commit_callbacks(execute=True):
        services.routing_rule_update(rule=rule, actor=cx_user, target_roles=[org.dispatcher])
    assert reroutes.count() == 2
    assert reroutes.filter(started_at=None).count() == 1


def test_publishing_twice_before_routing_starts_routes_once(
    broker_down, cx_user, make_insight, django_capture_on_commit_callbacks
):
    insight = make_insight()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.insight_publish(insight=insight, actor=cx_user)
    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == (services.ROUTE_TASK, [insight.pk])
    outbox_mark_started(task_id=message.task_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.insight_publish(insight=insight, actor=cx_user)
    assert OutboxMessage.objects.count() == 2


def test_a_reroute_goes_to_its_own_queue_publishing_to_the_default_one(settings):
    from cxalign.celery import app

    router = app.amqp.Router()
    reroute = router.route({}, services.REROUTE_ALL_TASK)
    route = router.route({}, services.ROUTE_TASK)
    assert reroute["queue"].name == settings.CELERY_REROUTE_QUEUE
    assert route["queue"].name == app.conf.task_default_queue
