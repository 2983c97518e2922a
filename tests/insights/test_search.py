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


# --- The stored, indexed search vector (issue 13) ---------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored tsvector is PostgreSQL's"
)


def _matches(word: str) -> list[str]:
    """Titles whose *stored* vector matches ``word`` (no vector computed at query time)."""
    from django.contrib.postgres.search import SearchQuery

    search = SearchQuery(word, config="english")
    return sorted(Insight.objects.filter(search_vector=search).values_list("title", flat=True))


@postgres_only
def test_the_vector_follows_every_write_path(make_insight, cx_user):
    from insights import services

    insight = make_insight(
        title="Invoices confuse owners", finding="Owners cannot tell what to pay.", segment="SMB"
    )
    assert _matches("invoice") == ["Invoices confuse owners"]
    assert _matches("smb") == ["Invoices confuse owners"]
    services.insight_update(insight=insight, actor=cx_user, title="Parcels arrive late")
    assert _matches("invoice") == []
    assert _matches("parcel") == ["Parcels arrive late"]
    # A bulk update (as demo data and imports do) bypasses save(): the database still keeps it.
    Insight.objects.filter(pk=insight.pk).update(evidence="“My refund took a month.”")
    assert _matches("refund") == ["Parcels arrive late"]
    Insight.objects.bulk_create(
        [Insight(title="Chatbot loops", finding="No one.", kind="experience")]
    )
    assert _matches("chatbot") == ["Chatbot loops"]


@postgres_only
def test_search_ranks_by_weight_title_finding_evidence_segment(make_insight):
    make_insight(title="About owners", finding="x", segment="Invoice-heavy accounts")
    make_insight(title="About payments", finding="x", evidence="“The invoice was wrong.”")
    make_insight(title="About reminders", finding="The invoice comes late.")
    make_insight(title="Invoice totals", finding="x")
    assert titles("invoice") == [
        "Invoice totals",
        "About reminders",
        "About payments",
        "About owners",
    ]


@postgres_only
def test_search_uses_the_stored_column_and_the_gin_index(make_insight):
    from django.test.utils import CaptureQueriesContext

    make_insight(title="Invoices confuse owners")
    with CaptureQueriesContext(connection) as queries:
        assert titles("invoice") == ["Invoices confuse owners"]
    [sql] = [query["sql"] for query in queries.captured_queries]
    assert '"insights_insight"."search_vector" @@' in sql
    assert "to_tsvector" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'insight_search_gin'")
        assert "USING gin (search_vector)" in cursor.fetchone()[0]


@pytest.mark.parametrize("url", ["/api/v1/insights/?q=invoice", "/insights/?q=invoice"])
def test_search_lists_run_the_same_queries_at_two_sizes(
    client, cx_user, make_insight, url, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    from gaps.models import Theme
    from notifications.selectors import unread_count

    themes = [Theme.objects.create(name=f"T{n}", slug=f"t{n}") for n in range(2)]

    def fill(n: int, start: int) -> None:
        for i in range(start, start + n):
            make_insight(title=f"Invoice issue {i}", finding="Invoices again.", themes=themes)
            make_insight(title=f"Parcel issue {i}", finding="Late again.")

    client.force_login(cx_user)
    fill(2, 0)
    unread_count(cx_user)  # the bell's number is cached per person: its first read aside
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    fill(30, 2)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    if url.startswith("/api/"):
        body = response.json()
        assert body["count"] == 32
        assert len(body["results"]) == 32
        assert body["results"][0]["title"].startswith("Invoice issue")
    else:
        assert len(response.context["page"].object_list) == 25
        assert response.context["page"].paginator.count == 32
    # Asked again, the list's count and its page of ranked ids are reused: two queries fewer,
    # never a COUNT, nothing ranked; the page's rows are still read.
    with CaptureQueriesContext(connection) as again:
        repeated = client.get(url)
    assert len(again.captured_queries) == len(small.captured_queries) - 2
    assert not any("COUNT(" in query["sql"] for query in again.captured_queries)
    assert not any("ts_rank" in query["sql"] for query in again.captured_queries)
    if url.startswith("/api/"):
        assert repeated.json() == body
    # A write moves the version: the next request ranks again and sees the new insight.
    make_insight(title="Invoice issue, the newest", finding="Invoices again.", themes=themes)
    with CaptureQueriesContext(connection) as after_write:
        fresh = client.get(url)
    assert any("ts_rank" in query["sql"] for query in after_write.captured_queries)
    if url.startswith("/api/"):
        assert fresh.json()["count"] == 33
