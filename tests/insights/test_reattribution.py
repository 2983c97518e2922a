"""Feeds follow a gap re-attributed to another role: the nightly re-route moves the item."""

import pytest

from gaps import services as gap_services
from gaps.models import Gap
from insights import tasks
from insights.models import FeedItem

pytestmark = pytest.mark.django_db


def test_nightly_reroute_follows_a_reattributed_gap(
    org, billing_gap, make_insight, publish, owner_user, cx_user
):
    insight = publish(make_insight(related_gaps=[billing_gap]))
    assert FeedItem.objects.filter(insight=insight, role=org.billing_manager).exists()

    gap_services.gap_transition(
        gap=billing_gap, to=Gap.Status.DISPUTED, actor=owner_user, note="The warehouse, not us."
    )
    gap_services.gap_transition(
        gap=billing_gap,
        to=Gap.Status.OPEN,
        actor=cx_user,
        note="Re-attributed after checking the cases.",
        causing_role=org.logistics_manager,
    )
    tasks.route_published_insights()

    roles = set(FeedItem.objects.filter(insight=insight).values_list("role", flat=True))
    assert org.logistics_manager.pk in roles
    assert org.billing_manager.pk not in roles
