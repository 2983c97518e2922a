"""Tailoring by level: money for executives and directors, gaps for managers, words below."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insights.models import FeedItem
from insights.tailoring import TailoringContext, gap_monthly_costs, preview, tailor
from roi.costs import gap_unit_costs
from roi.models import CostModel
from tests.factories import GapFactory, OccurrenceFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
MIDNIGHT = datetime.combine(TODAY, time.min, tzinfo=timezone.get_fixed_timezone(0))


def occurrences(gap, days_ago: list[int]) -> None:
    for days in days_ago:
        OccurrenceFactory(gap=gap, occurred_at=MIDNIGHT - timedelta(days=days, hours=1))


@pytest.fixture
def costly(org):
    """Billing's gap: unit 12 + 30 = 42.00; 5 occurrences this month, 2 the month before.
    Logistics' gap: unit 10.00; 3 this month, none before."""
    billing = GapFactory(
        title="Three partial invoices",
        causing_role=org.billing_manager,
        cost_to_serve=Decimal("12.00"),
        revenue_at_risk=Decimal("30.00"),
        journey_stage="get",
        severity=4,
        themes=[org.invoice_clarity],
    )
    occurrences(billing, [0, 3, 9, 20, 29, 31, 45])
    occurrences(billing, [70])  # older than both windows: counts in neither
    logistics = GapFactory(
        title="Parcels arrive late",
        causing_role=org.dispatcher,
        cost_to_serve=Decimal("10.00"),
        revenue_at_risk=Decimal("0.00"),
        expectation="Delivery on the promised day.",
        delivery="Two days late, without notice.",
    )
    occurrences(logistics, [1, 2, 3])
    return billing, logistics


def test_monthly_costs_are_occurrences_times_unit_cost(costly, django_assert_num_queries):
    billing, logistics = costly
    with django_assert_num_queries(2):  # occurrence counts, the cost model in force
        costs = gap_monthly_costs([billing, logistics], TODAY)
    assert costs[billing.pk].unit_cost == Decimal("42.00")
    assert (costs[billing.pk].occurrences, costs[billing.pk].previous_occurrences) == (5, 2)
    assert costs[billing.pk].current == Decimal("210.00")
    assert costs[billing.pk].previous == Decimal("84.00")
    assert costs[logistics.pk].current == Decimal("30.00")


def test_executives_see_their_teams_money_and_trend(org, costly, make_insight):
    billing, logistics = costly
    insight = make_insight(related_gaps=[billing, logistics])
    context = TailoringContext.load(insight, TODAY)
    reading = tailor(context, level="executive", team=org.billing)
    assert reading.monthly_cost == Decimal("210.00")  # Billing's gap only
    assert reading.previous_monthly_cost == Decimal("84.00")
    text = reading.as_text()
    assert "your teams' 1 gap in the last 30 days: EUR 210.00" in text
    assert "up 150 % on the month before (EUR 84.00)" in text
    assert "5 occurrences × 42.00 = EUR 210.00 a month" in text
    # A director of a team with no linked gap sees all linked gaps' money.
    whole = tailor(context, level="director", team=None)
    assert whole.monthly_cost == Decimal("240.00")


def test_managers_see_their_teams_open_gaps_and_the_process_step(org, costly, make_insight):
    billing, _ = costly
    on_theme = GapFactory(
        title="Credit notes unexplained",
        causing_role=org.billing_manager,
        themes=[org.invoice_clarity],
        severity=2,
    )
    GapFactory(
        title="Closed already",
        causing_role=org.billing_manager,
        status="prevented",
        prevented_on=TODAY,
        themes=[org.invoice_clarity],
    )
    insight = make_insight(themes=[org.invoice_clarity], related_gaps=[billing])
    reading = tailor(TailoringContext.load(insight), level="manager", team=org.billing)
    assert [g.title for g in reading.gaps] == ["Three partial invoices", on_theme.title]
    text = reading.as_text()
    assert "Billing's open gaps on these themes: 2." in text
    assert "process step Get (receiving)" in text
    assert "Closed already" not in text
    assert "210.00" not in text  # no money at this level


def test_individual_contributors_see_words_expectation_and_what_to_do(org, costly, make_insight):
    _, logistics = costly
    insight = make_insight(
        evidence="“I waited in all day and nobody came.”\n\n“No text, no email, nothing.”",
        recommendation="Text the customer the moment a delivery slips.",
        related_gaps=[logistics],
    )
    reading = tailor(TailoringContext.load(insight), level="partner", team=org.logistics)
    assert reading.lines[:3] == [
        "In customers' words:",
        "- “I waited in all day and nobody came.”",
        "- “No text, no email, nothing.”",
    ]
    text = reading.as_text()
    assert "They expect: Delivery on the promised day. They get: Two days late" in text
    assert "What to do differently: Text the customer the moment a delivery slips." in text
    assert "30.00" not in text


def test_the_same_insight_reads_differently_in_each_feed(org, costly, make_insight, publish):
    billing, logistics = costly
    insight = publish(
        make_insight(evidence="“Which invoice do I pay?”", related_gaps=[billing, logistics])
    )
    from insights import services

    services.routing_rule_create(
        actor=None,
        name="Billing all levels",
        team=org.billing,
        target_levels=["executive", "manager", "individual_contributor"],
    )
    services.insight_route(insight=insight)
    summaries = dict(
        FeedItem.objects.filter(insight=insight).values_list("role__name", "tailored_summary")
    )
    assert "210.00" in summaries["CFO"]
    assert "open gaps on these themes" in summaries["Billing Ops Manager"]
    assert "“Which invoice do I pay?”" in summaries["Invoicing Specialist"]
    assert "Two days late" in summaries["Dispatcher"]
    assert len(set(summaries.values())) == len(summaries)


def test_blank_money_fields_take_the_cost_model_defaults_like_roi(org, make_insight):
    """The figures are the ROI app's: touchpoint cost to serve + the cost model's revenue."""
    CostModel.objects.create(
        effective_from=TODAY - timedelta(days=400),
        currency="GBP",
        revenue_at_risk_per_occurrence=Decimal("20.00"),
    )
    gap = GapFactory(causing_role=org.billing_manager)  # touchpoint: 8.00 per contact
    occurrences(gap, [1, 2, 3, 4])
    assert gap_unit_costs([gap], TODAY) == {gap.pk: Decimal("28.00")}
    reading = tailor(
        TailoringContext.load(make_insight(related_gaps=[gap]), TODAY),
        level="director",
        team=org.billing,
    )
    assert reading.monthly_cost == Decimal("112.00")
    assert "in the last 30 days: GBP 112.00 (new this month)" in reading.as_text()


def test_preview_shows_the_three_readings(costly, make_insight):
    billing, _ = costly
    readings = dict(preview(make_insight(related_gaps=[billing])))
    assert set(readings) == {
        "Executives and directors",
        "Managers",
        "Individual contributors and partners",
    }
    assert readings["Executives and directors"].monthly_cost == Decimal("210.00")


def test_no_gaps_no_money(make_insight):
    reading = dict(preview(make_insight()))["Executives and directors"]
    assert reading.lines == ["No gaps are linked yet, so there is no cost to show."]
