"""Full-text search: PostgreSQL's ranked search there, a word-by-word fallback elsewhere."""

import pytest
from django.db import connection

from insights import selectors
from insights.models import Insight

pytestmark = pytest.mark.django_db


@pytest.fixture
def insights(make_insight):
    return {
        "invoices": make_insight(
            title="Invoices confuse small businesses",
            finding="Owners cannot tell which invoice to pay.",
            evidence="“Three invoices in one month, all with different codes.”",
        ),
        "delivery": make_insight(
            title="Late deliveries without notice",
            finding="Customers waited at home for parcels that never came.",
            evidence="“I took a day off for a delivery that was not coming.”",
        ),
        "refunds": make_insight(
            title="Refund takes weeks",
            finding="Refunds take three weeks; customers expect days.",
        ),
    }


def titles(query: str, search=selectors.insight_search) -> list[str]:
    return [i.title for i in search(Insight.objects.all(), query)]


def test_search_finds_words_in_title_finding_and_evidence(insights):
    assert titles("invoice") == ["Invoices confuse small businesses"]
    assert titles("parcels") == ["Late deliveries without notice"]
    assert titles("waited home") == ["Late deliveries without notice"]
    assert titles("nothing like this") == []
    assert len(titles("")) == 3


def test_fallback_matches_every_word_anywhere(insights):
    search = selectors.insight_search_icontains
    assert titles("refund weeks", search) == ["Refund takes weeks"]
    assert titles("refund parcels", search) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_postgres_search_stems_and_ranks_title_first(insights, make_insight):
    make_insight(title="Payment reminders", finding="Reminders arrive before the invoice.")
    # Stemming: "invoicing" finds "invoice"/"invoices"; the title match ranks first.
    assert titles("invoicing") == ["Invoices confuse small businesses", "Payment reminders"]
    assert titles('"took a day off"') == ["Late deliveries without notice"]
    assert titles("refund -weeks") == []
