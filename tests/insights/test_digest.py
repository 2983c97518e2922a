"""The feed section of the one daily digest: new items, one message a day, none when quiet."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gaps.digests import digests_send, registered_sections
from insights import services
from insights.digest import feed_section
from insights.models import FeedItem
from tests.factories import GapFactory

pytestmark = pytest.mark.django_db


def test_the_feed_section_is_registered():
    assert registered_sections()["feed"] is feed_section


def test_one_digest_a_day_with_new_items_and_none_when_quiet(
    org, owner_user, billing_gap, make_insight, publish, mailoutbox
):
    today = timezone.localdate()
    publish(make_insight(title="One invoice a month", related_gaps=[billing_gap]))

    assert digests_send(day=today) == 1
    (mail,) = mailoutbox
    assert mail.to == [owner_user.email]
    assert "New in your feed (1)" in mail.body
    assert (
        f"Billing Ops Manager: One invoice a month — Your role causes gap #{billing_gap.pk}"
        in mail.body
    )

    # Another item the same day waits for tomorrow: at most one message per person per day.
    publish(make_insight(title="Credit notes confuse", related_gaps=[billing_gap]))
    assert digests_send(day=today) == 0

    tomorrow = today + timedelta(days=1)
    assert digests_send(day=tomorrow) == 1
    assert "Credit notes confuse" in mailoutbox[1].body
    assert "One invoice a month" not in mailoutbox[1].body  # told once, not twice

    # Nothing new the day after: no message at all.
    assert digests_send(day=tomorrow + timedelta(days=1)) == 0
    assert len(mailoutbox) == 2


def test_items_already_read_or_of_others_are_not_listed(
    org, owner_user, other_owner, make_insight, publish
):
    publish(
        make_insight(
            title="Warehouse", related_gaps=[GapFactory(causing_role=org.logistics_manager)]
        )
    )
    now = timezone.now()
    assert feed_section(owner_user, None, now) is None
    section = feed_section(other_owner, None, now)
    assert section.count == 1
    assert section.lines[0].startswith("Warehouse Manager: Warehouse")
    assert feed_section(other_owner, now, now + timedelta(seconds=1)) is None
    item = FeedItem.objects.get()
    services.feed_item_set_state(item=item, state="read", actor=other_owner)
    assert feed_section(other_owner, None, now) is None
