"""``seed_demo`` adds believable insights and rules, fills every demo owner's feed, and is
idempotent."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from gaps.models import Theme
from insights.models import FeedItem, Insight, RoutingRule
from tests.factories import GapFactory


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (rolled back at the end)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            # One gap, as the gaps demo may bring: insights on its theme by its team link it.
            from demo import organisation as gaps_demo

            roles = gaps_demo.seed()["roles"]
            GapFactory(
                title="Partial invoices every month",
                causing_role=roles[("Billing", "Billing Operations Manager")],
                themes=[Theme.objects.get(name="Invoice clarity")],
                severity=4,
            )
            out = StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def snapshot() -> dict:
    return {
        "insights": sorted(Insight.objects.values_list("title", "status", "published_at")),
        "rules": RoutingRule.objects.count(),
        "items": sorted(FeedItem.objects.values_list("role_id", "insight_id", "state", "reason")),
    }


@pytest.mark.django_db
def test_demo_insights_are_varied_and_mostly_published(seeded):
    insights = Insight.objects.all()
    assert 55 <= insights.count() <= 70
    assert set(insights.values_list("kind", flat=True)) == {"expectation", "experience"}
    assert len(set(insights.values_list("region", flat=True))) >= 5
    assert len(set(insights.values_list("segment", flat=True))) >= 5
    assert len(set(insights.values_list("source", flat=True))) == 6
    assert insights.filter(status="published").count() >= 50
    assert insights.filter(status="archived").exists()
    assert insights.filter(status="draft").exists()
    assert all(i.quotes and i.recommendation for i in insights)
    assert RoutingRule.objects.count() >= 10
    assert "Insights:" in seeded


@pytest.mark.django_db
def test_every_demo_role_owner_has_a_feed(seeded):
    owners = User.objects.filter(groups__name="role_owner", owned_roles__isnull=False).distinct()
    assert owners.count() >= 30
    empty = [u.username for u in owners if not FeedItem.objects.filter(role__owners=u).exists()]
    assert empty == []
    # Archived insights are in no feed; feeds show a mix of states.
    assert not FeedItem.objects.filter(insight__status="archived").exists()
    assert set(FeedItem.objects.values_list("state", flat=True)) >= {"new", "read", "acting"}


@pytest.mark.django_db
def test_seeding_twice_changes_nothing(seeded):
    before = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == before


@pytest.mark.django_db
def test_demo_insights_link_existing_gaps_by_theme_and_team(seeded):
    insight = Insight.objects.get(title="Small businesses expect one invoice a month")
    linked = list(insight.related_gaps.select_related("causing_team").prefetch_related("themes"))
    # The gaps demo history brings more Billing gaps on the theme; every link shares both.
    assert "Partial invoices every month" in [g.title for g in linked]
    assert {g.causing_team.name for g in linked} == {"Billing"}
    assert all("Invoice clarity" in {t.name for t in g.themes.all()} for g in linked)
    item = FeedItem.objects.get(insight=insight, role__name="Billing Operations Manager")
    assert item.reason.startswith("Your role causes gap #")
    assert "Partial invoices every month" in item.tailored_summary
    # Insights on other themes are not linked to it.
    planted = Insight.objects.filter(related_gaps__title="Partial invoices every month")
    assert not planted.exclude(themes__name="Invoice clarity").exists()
