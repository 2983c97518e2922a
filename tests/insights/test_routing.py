"""Routing: by each rule condition, always to the causing roles of related gaps, idempotent."""

import pytest

from gaps.models import Role
from insights import services
from insights.models import FeedItem, Insight
from tests.factories import GapFactory

pytestmark = pytest.mark.django_db


def feed(insight: Insight) -> dict[str, str]:
    """Role name → reason, for every item the insight has."""
    return dict(FeedItem.objects.filter(insight=insight).values_list("role__name", "reason"))


def rule(cx_user, **fields):
    fields.setdefault("name", "Test rule")
    return services.routing_rule_create(actor=cx_user, **fields)


def test_related_gaps_always_reach_their_causing_roles(org, billing_gap, make_insight, publish):
    insight = publish(make_insight(related_gaps=[billing_gap]))
    assert feed(insight) == {
        "Billing Ops Manager": f'Your role causes gap #{billing_gap.pk} "{billing_gap.title}"'
    }


def test_a_draft_reaches_nobody(org, billing_gap, make_insight):
    insight = make_insight(related_gaps=[billing_gap])
    services.insight_route(insight=insight)
    assert feed(insight) == {}


def test_rule_by_theme(org, cx_user, make_insight, publish):
    rule(
        cx_user,
        name="Invoices to Billing ICs",
        themes=[org.invoice_clarity],
        target_levels=["individual_contributor"],
        team=org.billing,
    )
    hit = publish(make_insight(themes=[org.invoice_clarity]))
    miss = publish(make_insight(title="Late parcels", themes=[org.delivery_time]))
    assert feed(hit) == {"Invoicing Specialist": 'Rule "Invoices to Billing ICs" (theme)'}
    assert feed(miss) == {}


def test_rule_by_gap_category(org, cx_user, billing_gap, make_insight, publish):
    rule(
        cx_user,
        name="Process gaps to dispatch",
        gap_category="process",
        target_roles=[org.dispatcher],
    )
    policy_gap = GapFactory(causing_role=org.courier, category="policy")
    hit = publish(make_insight(related_gaps=[billing_gap]))
    miss = publish(make_insight(related_gaps=[policy_gap]))
    assert feed(hit)["Dispatcher"] == 'Rule "Process gaps to dispatch" (process gap)'
    assert "Dispatcher" not in feed(miss)
    assert set(feed(miss)) == {"Courier"}


def test_rule_by_region_ignores_case(org, cx_user, make_insight, publish):
    rule(cx_user, name="Nordics", region="Nordics", target_roles=[org.billing_director])
    hit = publish(make_insight(region="nordics"))
    miss = publish(make_insight(region="DACH"))
    assert feed(hit) == {"Finance Director": 'Rule "Nordics" (region nordics)'}
    assert feed(miss) == {}


def test_rule_by_kind(org, cx_user, make_insight, publish):
    rule(cx_user, name="Experiences to the CFO", kind="experience", target_roles=[org.billing_exec])
    hit = publish(make_insight(kind=Insight.Kind.EXPERIENCE))
    miss = publish(make_insight(kind=Insight.Kind.EXPECTATION))
    assert set(feed(hit)) == {"CFO"}
    assert feed(miss) == {}


def test_rule_by_team_and_level(org, cx_user, make_insight, publish):
    rule(cx_user, name="Logistics managers", team=org.logistics, target_levels=["manager"])
    rule(cx_user, name="Every partner", target_levels=["partner"])
    insight = publish(make_insight())
    assert feed(insight) == {
        "Warehouse Manager": 'Rule "Logistics managers" (every insight)',
        "Courier": 'Rule "Every partner" (every insight)',
    }


def test_all_conditions_of_a_rule_must_hold(org, cx_user, make_insight, publish):
    rule(cx_user, themes=[org.delivery_time], region="DACH", target_roles=[org.dispatcher])
    assert feed(publish(make_insight(themes=[org.delivery_time], region="Nordics"))) == {}
    assert set(feed(publish(make_insight(themes=[org.delivery_time], region="DACH")))) == {
        "Dispatcher"
    }


def test_inactive_rules_route_nothing(org, cx_user, make_insight, publish):
    rule(cx_user, target_roles=[org.dispatcher], active=False)
    assert feed(publish(make_insight())) == {}


def test_the_strongest_reason_wins_and_others_are_named(
    org, cx_user, billing_gap, make_insight, publish
):
    rule(cx_user, name="Billing managers", team=org.billing, target_levels=["manager"])
    insight = publish(make_insight(related_gaps=[billing_gap]))
    item = FeedItem.objects.get(insight=insight, role=org.billing_manager)
    assert item.reason.startswith("Your role causes gap")
    # The other reason is named, not counted.
    assert item.reason.endswith('; also Rule "Billing managers" (every insight)')
    assert item.rule is None


def test_rerouting_and_republishing_never_duplicate(
    org, cx_user, billing_gap, make_insight, publish
):
    rule(cx_user, themes=[org.invoice_clarity], target_levels=["manager"])
    insight = publish(make_insight(themes=[org.invoice_clarity], related_gaps=[billing_gap]))
    first = set(FeedItem.objects.filter(insight=insight).values_list("pk", "role_id"))
    assert len(first) == 2  # Billing Ops Manager (gap and rule) and Warehouse Manager (rule)
    result = services.insight_route(insight=insight)
    assert (result.created, result.updated, result.removed) == (0, 2, 0)
    publish(insight)
    services.insights_route_published()
    assert set(FeedItem.objects.filter(insight=insight).values_list("pk", "role_id")) == first


def test_rerouting_keeps_the_state_people_set(org, owner_user, billing_gap, make_insight, publish):
    insight = publish(make_insight(related_gaps=[billing_gap]))
    item = FeedItem.objects.get(insight=insight)
    services.feed_item_set_state(item=item, state="acting", actor=owner_user)
    services.insight_route(insight=insight)
    item.refresh_from_db()
    assert item.state == "acting"


def test_archived_insight_leaves_the_feeds(org, cx_user, billing_gap, make_insight, publish):
    insight = publish(make_insight(related_gaps=[billing_gap]))
    assert FeedItem.objects.filter(insight=insight).count() == 1
    services.insight_archive(insight=insight, actor=cx_user)
    assert FeedItem.objects.filter(insight=insight).count() == 0
    services.insight_route(insight=insight)  # a late routing task changes nothing
    assert FeedItem.objects.filter(insight=insight).count() == 0


def test_rule_changes_reroute_published_insights(
    org, cx_user, owner_user, make_insight, publish, django_capture_on_commit_callbacks
):
    insight = publish(make_insight(themes=[org.invoice_clarity]))
    with django_capture_on_commit_callbacks(execute=True):
        added = rule(
            cx_user, themes=[org.invoice_clarity], target_roles=[org.invoicing, org.dispatcher]
        )
    assert set(feed(insight)) == {"Invoicing Specialist", "Dispatcher"}
    worked_on = FeedItem.objects.get(insight=insight, role=org.invoicing)
    services.feed_item_set_state(item=worked_on, state="read", actor=owner_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.routing_rule_update(rule=added, actor=cx_user, target_roles=[org.courier])
    # The untouched item left; the one someone read stays; the new target got one.
    assert set(feed(insight)) == {"Invoicing Specialist", "Courier"}
    with django_capture_on_commit_callbacks(execute=True):
        services.routing_rule_delete(rule=added, actor=cx_user)
    assert set(feed(insight)) == {"Invoicing Specialist"}


def test_relevance_orders_by_severity_and_match(org, cx_user, make_insight, publish):
    rule(cx_user, target_roles=[org.billing_manager])
    severe = GapFactory(causing_role=org.billing_manager, severity=5)
    mild = GapFactory(causing_role=org.courier, severity=1)
    by_gap = publish(make_insight(title="Severe", related_gaps=[severe]))
    by_rule = publish(make_insight(title="Rule only"))
    mild_one = publish(make_insight(title="Mild", related_gaps=[mild]))
    manager_items = FeedItem.objects.filter(role=org.billing_manager).order_by("-relevance")
    # Its own severe gap first; a mild gap beats a bare rule match (severity counts).
    assert [i.insight.title for i in manager_items] == ["Severe", "Mild", "Rule only"]
    severe_item = FeedItem.objects.get(insight=by_gap)
    courier_item = FeedItem.objects.get(insight=mild_one, role=org.courier)
    rule_item = FeedItem.objects.get(insight=by_rule)
    assert severe_item.relevance > courier_item.relevance > rule_item.relevance


def test_roles_of_every_level_can_be_targeted(org, cx_user, make_insight, publish):
    rule(cx_user, target_levels=list(Role.Level.values))
    insight = publish(make_insight())
    assert FeedItem.objects.filter(insight=insight).count() == Role.objects.count()


def test_an_archived_insight_published_again_returns_to_the_feeds(
    org, cx_user, billing_gap, make_insight, publish
):
    insight = publish(make_insight(related_gaps=[billing_gap]))
    services.insight_archive(insight=insight, actor=cx_user)
    publish(insight)
    assert feed(insight) == {
        "Billing Ops Manager": f'Your role causes gap #{billing_gap.pk} "{billing_gap.title}"'
    }
    assert FeedItem.objects.get(insight=insight).state == "new"


def test_editing_a_published_insight_reroutes_it(
    org, cx_user, billing_gap, make_insight, publish, django_capture_on_commit_callbacks
):
    rule(
        cx_user,
        name="Delivery to dispatch",
        themes=[org.delivery_time],
        target_roles=[org.dispatcher],
    )
    insight = publish(make_insight(related_gaps=[billing_gap]))
    with django_capture_on_commit_callbacks(execute=True):
        services.insight_update(
            insight=insight, actor=cx_user, themes=[org.delivery_time], related_gaps=[]
        )
    assert feed(insight) == {"Dispatcher": 'Rule "Delivery to dispatch" (theme)'}


@pytest.mark.parametrize("length", [299, 300, 301, 340])
def test_a_reason_is_kept_whole_up_to_the_300_characters_a_feed_item_holds(
    org, cx_user, make_insight, publish, length
):
    """A feed item's reason holds 300 characters (``FeedItem.reason``): a reason of up to 300
    is stored whole; a longer one is cut to 299 and an ellipsis, 300 in all."""
    gap = GapFactory(title="T" * 200, causing_role=org.billing_manager, category="process")
    causes = f'Your role causes gap #{gap.pk} "{gap.title}"'
    # The rule's reason follows: '; also Rule "<name>" (every insight)'.
    name = "R" * (length - len(causes) - len('; also Rule "') - len('" (every insight)'))
    rule(cx_user, name=name, team=org.billing, target_levels=["manager"])
    insight = publish(make_insight(related_gaps=[gap]))
    reason = FeedItem.objects.get(insight=insight, role=org.billing_manager).reason
    whole = f'{causes}; also Rule "{name}" (every insight)'
    assert len(whole) == length
    if length <= 300:
        assert reason == whole
    else:
        assert reason == whole[:299] + "…"
        assert len(reason) == 300
