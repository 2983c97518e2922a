"""Services reject bad input with messages per field, and move feed items along."""

import pytest
from django.core.exceptions import ValidationError

from insights import services
from insights.models import FeedItem, Insight

pytestmark = pytest.mark.django_db


def test_publishing_an_empty_insight_says_what_is_missing(make_insight, cx_user):
    insight = make_insight()
    Insight.objects.filter(pk=insight.pk).update(finding="  ", title="")
    insight.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.insight_publish(insight=insight, actor=cx_user)
    assert caught.value.message_dict == {
        "title": ["An insight needs a title before it can be published."],
        "finding": ["Say what customers told us: the finding is empty."],
    }
    insight.refresh_from_db()
    assert insight.status == "draft"


def test_creating_without_required_fields_fails_per_field(cx_user):
    with pytest.raises(ValidationError) as caught:
        services.insight_create(actor=cx_user, title="", finding="", kind="opinion")
    assert set(caught.value.message_dict) == {"title", "finding", "kind"}
    assert not Insight.objects.exists()


def test_publishing_sets_the_date_once(make_insight, publish):
    insight = publish(make_insight())
    first = insight.published_at
    assert insight.status == "published"
    assert first is not None
    assert publish(insight).published_at == first


def test_a_rule_without_target_is_refused(org, cx_user):
    with pytest.raises(ValidationError) as caught:
        services.routing_rule_create(actor=cx_user, name="Nowhere", themes=[org.delivery_time])
    assert caught.value.message_dict == {
        "target_roles": ["A rule needs a target: pick roles, levels, or both."]
    }


def test_a_rule_with_a_team_needs_levels_and_known_levels(org, cx_user):
    with pytest.raises(ValidationError) as caught:
        services.routing_rule_create(
            actor=cx_user, name="Odd", team=org.billing, target_roles=[org.invoicing]
        )
    assert "team" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.routing_rule_create(actor=cx_user, name="Odd", target_levels=["intern"])
    assert caught.value.message_dict["target_levels"] == ["Unknown level(s): intern."]


def test_updating_an_unknown_field_is_refused(make_insight, cx_user):
    with pytest.raises(ValidationError) as caught:
        services.insight_update(insight=make_insight(), actor=cx_user, status="published")
    assert caught.value.message_dict == {"status": ["This field cannot be changed here."]}


@pytest.fixture
def item(org, billing_gap, make_insight, publish) -> FeedItem:
    publish(make_insight(related_gaps=[billing_gap]))
    return FeedItem.objects.get()


def test_feed_item_goes_new_read_acting_done(item, owner_user):
    for state in ("read", "acting", "done"):
        services.feed_item_set_state(item=item, state=state, actor=owner_user)
        item.refresh_from_db()
        assert item.state == state
    assert item.state_changed_by == owner_user


def test_dismissal_needs_a_reason(item, owner_user):
    with pytest.raises(ValidationError) as caught:
        services.feed_item_set_state(item=item, state="dismissed", actor=owner_user)
    assert caught.value.message_dict == {"dismissal_reason": ["Say why you dismiss it."]}
    services.feed_item_set_state(
        item=item, state="dismissed", actor=owner_user, dismissal_reason="Not our process."
    )
    item.refresh_from_db()
    assert (item.state, item.dismissal_reason) == ("dismissed", "Not our process.")
    services.feed_item_set_state(item=item, state="read", actor=owner_user)
    item.refresh_from_db()
    assert (item.state, item.dismissal_reason) == ("read", "")


def test_illegal_feed_moves_are_refused(item, owner_user):
    services.feed_item_set_state(item=item, state="acting", actor=owner_user)
    with pytest.raises(ValidationError) as caught:
        services.feed_item_set_state(item=item, state="new", actor=owner_user)
    assert caught.value.message_dict == {
        "state": ["An item that is acting on it cannot become new."]
    }
    with pytest.raises(ValidationError):
        services.feed_item_set_state(item=item, state="finished", actor=owner_user)
