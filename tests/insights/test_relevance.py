"""Relevance and match strength as docs/insights.md explains them, figure by figure.

relevance = 0.35 × severity ÷ 5 (worst of the role's team's linked gaps, else all linked gaps)
          + 0.25 × min(1, log10(1 + their monthly cost) ÷ 4)
          + 0.25 × match strength (causing role 1.0; a rule 0.4 + 0.15 per condition it names)
          + 0.15 × recency (1 when published, 0 after 90 days), to three decimals.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insights import routing, services
from insights.models import FeedItem, Insight
from insights.tailoring import TailoringContext
from tests.factories import GapFactory, OccurrenceFactory, RoleFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()


def costing(role, *, severity: int, monthly: str, **fields):
    """A gap of ``role`` costing ``monthly`` in the last 30 days (one occurrence at that cost)."""
    gap = GapFactory(
        causing_role=role,
        severity=severity,
        cost_to_serve=Decimal(monthly),
        revenue_at_risk=Decimal(0),
        **fields,
    )
    OccurrenceFactory(gap=gap, occurred_at=timezone.now() - timedelta(days=2))
    return gap


def published(make_insight, gaps, *, days_ago: float) -> Insight:
    insight = make_insight(related_gaps=gaps)
    Insight.objects.filter(pk=insight.pk).update(
        status=Insight.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=days_ago),
    )
    insight.refresh_from_db()
    return insight


def scores(insight: Insight, rules=()) -> dict[str, Decimal]:
    """Role name → relevance for every role the insight reaches."""
    context = TailoringContext.load(insight, TODAY)
    roles = routing.all_roles()
    targets = routing.insight_targets(insight, context.gaps, list(rules), roles)
    return {t.role.name: routing.relevance(context, t) for t in targets.values()}


def test_the_worst_costliest_own_gap_published_45_days_ago(org, make_insight):
    # 0.35 × 5/5 + 0.25 × log10(10,000)/4 + 0.25 × 1.0 + 0.15 × 0.5 = 0.925
    gap = costing(org.billing_manager, severity=5, monthly="9999.00")
    insight = published(make_insight, [gap], days_ago=45)
    assert scores(insight) == {"Billing Ops Manager": Decimal("0.925")}


@pytest.mark.parametrize(
    ("monthly", "expected"),
    [
        ("99.00", "0.800"),  # log10(100)/4 = 0.5 of the cost weight
        ("0.00", "0.675"),  # no cost, no cost weight
        ("999999.00", "0.925"),  # beyond 10,000 a month the cost weight is full, no more
    ],
)
def test_monthly_cost_counts_on_a_log_scale(org, make_insight, monthly, expected):
    gap = costing(org.billing_manager, severity=5, monthly=monthly)
    insight = published(make_insight, [gap], days_ago=45)
    assert scores(insight)["Billing Ops Manager"] == Decimal(expected)


@pytest.mark.parametrize(("severity", "expected"), [(1, "0.645"), (3, "0.785")])
def test_severity_counts_in_fifths(org, make_insight, severity, expected):
    gap = costing(org.billing_manager, severity=severity, monthly="9999.00")
    insight = published(make_insight, [gap], days_ago=45)
    assert scores(insight)["Billing Ops Manager"] == Decimal(expected)


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (0, "1.000"),  # fresh: every weight full
        (90, "0.850"),  # a quarter old: recency has faded to nothing
        (400, "0.850"),  # and never below nothing
    ],
)
def test_recency_fades_over_ninety_days(org, make_insight, days_ago, expected):
    gap = costing(org.billing_manager, severity=5, monthly="9999.00")
    insight = published(make_insight, [gap], days_ago=days_ago)
    assert scores(insight)["Billing Ops Manager"] == Decimal(expected)


def test_an_unpublished_insight_counts_as_fresh(org, make_insight):
    gap = costing(org.billing_manager, severity=5, monthly="9999.00")
    insight = make_insight(related_gaps=[gap])  # a draft: no publication date yet
    assert scores(insight)["Billing Ops Manager"] == Decimal("1.000")


def test_a_role_scores_on_its_own_teams_gaps_others_on_all(org, cx_user, make_insight):
    mild_billing = costing(org.billing_manager, severity=2, monthly="0.00")
    severe_logistics = costing(org.dispatcher, severity=5, monthly="9999.00")
    insight = published(make_insight, [mild_billing, severe_logistics], days_ago=45)
    outside = RoleFactory(name="Counsel", team=TeamFactory(name="Legal"))
    bare = routing.RuleSpec(name="Everyone in Legal", target_role_ids=frozenset({outside.pk}))
    assert scores(insight, [bare]) == {
        # Billing's own gap only: 0.35 × 2/5 + 0 + 0.25 + 0.075
        "Billing Ops Manager": Decimal("0.465"),
        # Logistics' own gap only: 0.35 + 0.25 + 0.25 + 0.075
        "Dispatcher": Decimal("0.925"),
        # A team causing neither scores on both (worst severity, summed cost), bare rule 0.4.
        "Counsel": Decimal("0.775"),
    }


def test_an_insight_without_gaps_scores_on_match_and_recency_alone(org, make_insight):
    insight = published(make_insight, [], days_ago=45)
    bare = routing.RuleSpec(name="All couriers", target_role_ids=frozenset({org.courier.pk}))
    # No severity, no cost: 0.25 × 0.4 + 0.15 × 0.5
    assert scores(insight, [bare]) == {"Courier": Decimal("0.175")}


def test_summed_cost_of_the_teams_gaps(org, make_insight):
    # Two Billing gaps of 4,999.50 a month each: 9,999 together, the full cost weight.
    gaps = [costing(org.billing_manager, severity=5, monthly="4999.50") for _ in range(2)]
    insight = published(make_insight, gaps, days_ago=45)
    assert scores(insight)["Billing Ops Manager"] == Decimal("0.925")


@pytest.mark.parametrize(
    ("conditions", "strength"),
    [
        ({}, 0.4),
        ({"theme_ids": frozenset({1})}, 0.55),
        ({"theme_ids": frozenset({1}), "gap_category": "process"}, 0.7),
        ({"gap_category": "process", "region": "DACH", "kind": "experience"}, 0.85),
        (
            {
                "theme_ids": frozenset({1}),
                "gap_category": "process",
                "region": "DACH",
                "kind": "expectation",
            },
            1.0,
        ),
    ],
)
def test_a_rule_grows_stronger_with_each_condition_it_names(conditions, strength):
    # Targets are not conditions: they say whom, not when.
    spec = routing.RuleSpec(name="r", team_id=3, target_levels=("manager",), **conditions)
    assert spec.strength == pytest.approx(strength)


def test_causing_a_linked_gap_is_the_strongest_match(org, make_insight):
    gap = costing(org.billing_manager, severity=3, monthly="0.00")
    insight = published(make_insight, [gap], days_ago=45)
    narrow = routing.RuleSpec(
        name="Process gaps to Billing managers",
        gap_category="process",
        target_role_ids=frozenset({org.billing_manager.pk, org.invoicing.pk}),
    )
    context = TailoringContext.load(insight, TODAY)
    targets = routing.insight_targets(insight, context.gaps, [narrow], routing.all_roles())
    manager, specialist = targets[org.billing_manager.pk], targets[org.invoicing.pk]
    assert (manager.strength, manager.rule_id) == (1.0, None)
    assert manager.reason == (
        f'Your role causes gap #{gap.pk} "{gap.title}"; '
        'also Rule "Process gaps to Billing managers" (process gap)'
    )
    assert specialist.strength == pytest.approx(0.55)
    # Same team, same gaps: the causing role ranks above the rule's target by 0.25 × 0.45.
    assert routing.relevance(context, manager) - routing.relevance(context, specialist) == Decimal(
        "0.113"
    )


def test_a_reason_is_cut_to_what_a_feed_item_holds(org, make_insight):
    rules = [routing.RuleSpec(name="y" * 300, target_role_ids=frozenset({org.courier.pk}))]
    insight = published(make_insight, [], days_ago=1)
    targets = routing.insight_targets(insight, [], rules, routing.all_roles())
    reason = targets[org.courier.pk].reason
    assert reason == 'Rule "' + "y" * 293 + "…"
    assert len(reason) == 300


def test_the_rule_preview_counts_published_insights_only(org, make_insight, publish):
    def on_theme(title: str) -> Insight:
        return make_insight(title=title, themes=[org.invoice_clarity])

    on_theme("A draft")
    archived = publish(on_theme("Archived"))
    Insight.objects.filter(pk=archived.pk).update(status=Insight.Status.ARCHIVED)
    older = publish(on_theme("Older"))
    newer = publish(on_theme("Newer"))
    Insight.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=3))
    publish(make_insight(title="Off the theme", themes=[org.delivery_time]))
    spec = routing.RuleSpec(name="Invoices", theme_ids=frozenset({org.invoice_clarity.pk}))
    count, shown = routing.matching_insights(spec)
    assert count == 2
    assert [i.title for i in shown] == ["Newer", "Older"]
    count, shown = routing.matching_insights(spec, limit=1)
    assert (count, [i.pk for i in shown]) == (2, [newer.pk])


def test_an_unsaved_rule_reads_its_conditions_and_targets(org):
    spec = routing.RuleSpec.from_data(
        {
            "name": "",
            "themes": [org.invoice_clarity],
            "gap_category": "policy",
            "region": "  Nordics ",
            "kind": "experience",
            "team": org.billing,
            "target_levels": ["manager"],
            "target_roles": [org.courier],
        }
    )
    assert spec == routing.RuleSpec(
        name="this rule",
        theme_ids=frozenset({org.invoice_clarity.pk}),
        gap_category="policy",
        region="Nordics",
        kind="experience",
        team_id=org.billing.pk,
        target_levels=("manager",),
        target_role_ids=frozenset({org.courier.pk}),
    )
    assert [r.name for r in spec.targets(routing.all_roles())] == [
        "Billing Ops Manager",
        "Courier",
    ]
    assert routing.RuleSpec.from_data({}) == routing.RuleSpec(name="this rule")


def test_saved_rules_are_read_with_their_conditions_targets_and_id(
    org, cx_user, django_assert_num_queries
):
    made = [
        services.routing_rule_create(
            actor=cx_user,
            name=f"Rule {n}",
            themes=[org.invoice_clarity, org.delivery_time],
            gap_category="process",
            region=" DACH ",
            kind="experience",
            team=org.billing,
            target_levels=["manager"],
            target_roles=[org.courier, org.dispatcher],
        )
        for n in range(3)
    ]
    services.routing_rule_create(
        actor=cx_user, name="Off", target_roles=[org.courier], active=False
    )
    with django_assert_num_queries(3):  # rules, their themes, their target roles
        specs = routing.active_rule_specs()
    assert [spec.rule_id for spec in specs] == [rule.pk for rule in made]
    assert specs[0] == routing.RuleSpec(
        name="Rule 0",
        theme_ids=frozenset({org.invoice_clarity.pk, org.delivery_time.pk}),
        gap_category="process",
        region="DACH",
        kind="experience",
        team_id=org.billing.pk,
        target_levels=("manager",),
        target_role_ids=frozenset({org.courier.pk, org.dispatcher.pk}),
        rule_id=made[0].pk,
    )


def test_a_feed_item_names_the_rule_that_put_it_there(org, cx_user, make_insight, publish):
    added = services.routing_rule_create(
        actor=cx_user, name="To the courier", target_roles=[org.courier]
    )
    insight = publish(make_insight())
    assert FeedItem.objects.get(insight=insight, role=org.courier).rule == added


def test_an_unsaved_rule_keeps_the_name_it_is_given():
    assert routing.RuleSpec.from_data({"name": "Invoices"}).name == "Invoices"


def test_the_rule_preview_checks_every_condition_and_shows_ten(
    org, make_insight, publish, django_assert_max_num_queries
):
    policy_gap = GapFactory(causing_role=org.courier, category="policy")
    for n in range(12):
        publish(
            make_insight(
                title=f"Match {n}",
                region="Nordics",
                kind=Insight.Kind.EXPERIENCE,
                related_gaps=[policy_gap],
                themes=[org.delivery_time],
            )
        )
    publish(make_insight(title="Other region", region="DACH", kind=Insight.Kind.EXPERIENCE))
    publish(make_insight(title="Other kind", region="Nordics", kind=Insight.Kind.EXPECTATION))
    spec = routing.RuleSpec(
        name="Nordic policy experiences", gap_category="policy", region="nordics", kind="experience"
    )
    with django_assert_max_num_queries(3):  # insights, their themes, their gaps' categories
        count, shown = routing.matching_insights(spec)
    assert count == 12
    assert len(shown) == 10
    assert {i.title for i in shown} <= {f"Match {n}" for n in range(12)}


def test_roles_are_read_with_their_teams(org, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert {role.team.name for role in routing.all_roles()} == {"Billing", "Logistics"}


def test_every_matching_rule_is_offered_and_the_strongest_wins(org, make_insight):
    insight = published(make_insight, [], days_ago=1)
    Insight.objects.filter(pk=insight.pk).update(region="DACH")
    insight.refresh_from_db()
    courier = frozenset({org.courier.pk})
    rules = [
        routing.RuleSpec(name="A bare", target_role_ids=courier, rule_id=1),
        routing.RuleSpec(name="B elsewhere", region="Nordics", target_role_ids=courier, rule_id=2),
        routing.RuleSpec(
            name="C strong", kind="expectation", region="dach", target_role_ids=courier, rule_id=3
        ),
        routing.RuleSpec(
            name="D as strong",
            kind="expectation",
            region="DACH",
            target_role_ids=courier,
            rule_id=4,
        ),
    ]
    target = routing.insight_targets(insight, [], rules, routing.all_roles())[org.courier.pk]
    # B fails its region and is skipped, not the end: C, stronger than A, wins; D only ties.
    assert (target.strength, target.rule_id) == (pytest.approx(0.7), 3)
    assert target.reason == (
        'Rule "C strong" (region DACH, expectation insight); also Rule "A bare" (every insight); '
        'also Rule "D as strong" (region DACH, expectation insight)'
    )


def test_a_causing_role_keeps_its_reason_against_an_equally_strong_rule(org, make_insight):
    gap = costing(org.billing_manager, severity=3, monthly="0.00", themes=[org.invoice_clarity])
    insight = published(make_insight, [gap], days_ago=1)
    Insight.objects.filter(pk=insight.pk).update(region="DACH")
    insight = Insight.objects.prefetch_related("themes").get(pk=insight.pk)
    insight.themes.add(org.invoice_clarity)
    insight = Insight.objects.prefetch_related("themes").get(pk=insight.pk)
    every_condition = routing.RuleSpec(
        name="Everything",
        theme_ids=frozenset({org.invoice_clarity.pk}),
        gap_category="process",
        region="DACH",
        kind="expectation",
        target_role_ids=frozenset({org.billing_manager.pk}),
        rule_id=9,
    )
    target = routing.insight_targets(insight, [gap], [every_condition], routing.all_roles())[
        org.billing_manager.pk
    ]
    assert (target.strength, target.rule_id) == (1.0, None)
    assert target.reason.startswith(f"Your role causes gap #{gap.pk}")
