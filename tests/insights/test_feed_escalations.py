"""Escalations appear in the feed of the role they were escalated to, beside its insights."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gaps.escalation import gaps_escalate_overdue
from gaps.models import Gap
from tests.factories import GapFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_gap(org):
    """A Billing gap nobody acknowledged in time: it escalates to Billing's manager role."""
    today = timezone.localdate()
    gap = GapFactory(
        title="Refunds wait for a second signature",
        causing_role=org.invoicing,
        severity=4,
        detected_on=today - timedelta(days=20),
        acknowledge_due_on=today - timedelta(days=3),
        remedy_due_on=today + timedelta(days=30),
    )
    gaps_escalate_overdue()
    return gap


def test_escalated_gap_is_listed_in_the_feed_of_the_role_it_reached(
    client, owner_user, org, overdue_gap
):
    client.force_login(owner_user)
    page = client.get(reverse("insights:feed", args=[org.billing_manager.pk]))
    assert [e.gap for e in page.context["escalations"]] == [overdue_gap]
    body = page.content.decode()
    assert "Escalated to you" in body
    assert "Refunds wait for a second signature" in body
    # The escalation reached the manager role, not the invoicing role's feed.
    other = client.get(reverse("insights:feed", args=[org.invoicing.pk]))
    assert other.context["escalations"] == []


def test_resolved_gaps_leave_the_escalation_list(client, owner_user, org, overdue_gap):
    Gap.objects.filter(pk=overdue_gap.pk).update(
        status=Gap.Status.CLOSED, closed_at=timezone.now(), root_cause="Single signature now."
    )
    client.force_login(owner_user)
    page = client.get(reverse("insights:feed", args=[org.billing_manager.pk]))
    assert page.context["escalations"] == []
    assert "Escalated to you" not in page.content.decode()


def test_other_owners_do_not_see_escalations_addressed_to_someone_else(
    client, other_owner, org, overdue_gap
):
    client.force_login(other_owner)
    page = client.get(reverse("insights:feed", args=[org.logistics_manager.pk]))
    assert page.context["escalations"] == []
