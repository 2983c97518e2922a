"""Cursor pages of the growing lists stay exact while rows are inserted between requests.

Each list is walked a page at a time while new rows arrive that tie with the cursor's row on
the first ordering column (the same moment, day or relevance): a cursor that kept only that
column and an offset would show rows twice or skip them; a keyset cursor shows every row that
existed when the walk began exactly once, in order.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gaps.models import GapEvent, Occurrence
from insights.models import FeedItem, Insight, InsightStatus
from roi.models import DailyRollup
from tests.factories import GapFactory, RoleFactory, TeamFactory, UserFactory
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _identity(row: dict) -> int | tuple:
    """A row's id, or a rollup row's key (rollups show no id)."""
    return row["id"] if "id" in row else (row["date"], row["team"], row["role"])


def walk(client, url: str, *, page_size: int, between) -> list[int | tuple]:
    """Every row's identity over all pages, calling ``between()`` after each page."""
    seen, next_url, pages = [], f"{url}?page_size={page_size}", 0
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        seen += [_identity(row) for row in body["results"]]
        next_url = body["next"]
        pages += 1
        between(pages)
    return seen


def test_occurrences_by_cursor_under_inserts(cx_user, django_assert_max_num_queries):
    gap = GapFactory()
    rows = [
        Occurrence.objects.create(gap=gap, occurred_at=MOMENT, source="desk", external_id=f"o{n}")
        for n in range(25)
    ]

    def insert(page: int) -> None:
        for n in range(3):  # the same moment: they tie with every row already listed
            Occurrence.objects.create(
                gap=gap, occurred_at=MOMENT, source="desk", external_id=f"new{page}-{n}"
            )

    seen = walk(client_for(cx_user), "/api/v1/occurrences/", page_size=7, between=insert)
    original = sorted((row.pk for row in rows), reverse=True)
    assert [pk for pk in seen if pk in set(original)] == original
    assert len(seen) == len(set(seen))
    with django_assert_max_num_queries(3):
        client_for(cx_user).get("/api/v1/occurrences/?page_size=7")


def test_history_by_cursor_under_inserts(cx_user):
    gap = GapFactory()
    events = [
        GapEvent.objects.create(gap=gap, kind=GapEvent.Kind.UPDATE, at=MOMENT) for _ in range(12)
    ]

    def insert(_page: int) -> None:
        GapEvent.objects.create(gap=gap, kind=GapEvent.Kind.UPDATE, at=MOMENT)

    seen = walk(client_for(cx_user), f"/api/v1/gaps/{gap.pk}/history/", page_size=5, between=insert)
    # Oldest first: what arrives later joins the end and is listed once, after the originals.
    every = sorted(GapEvent.objects.filter(gap=gap).values_list("pk", flat=True))
    assert seen == every[: len(seen)]
    assert {event.pk for event in events} <= set(seen)


def test_feed_items_by_cursor_under_inserts():
    owner = UserFactory(username="feeder", groups=["role_owner"])
    role = RoleFactory()
    role.owners.add(owner)

    def item() -> FeedItem:
        # One item per insight and role; every insight published at the same moment.
        insight = Insight.objects.create(
            title="Finding",
            finding="Customers said so.",
            kind="expectation",
            status=InsightStatus.PUBLISHED,
            published_at=MOMENT,
        )
        return FeedItem.objects.create(
            role=role, insight=insight, reason="rule", relevance=Decimal("0.5")
        )

    items = [item() for _ in range(11)]

    def insert(_page: int) -> None:
        item()

    seen = walk(client_for(owner), "/api/v1/feed-items/", page_size=4, between=insert)
    original = sorted((item.pk for item in items), reverse=True)
    assert [pk for pk in seen if pk in set(original)] == original
    assert len(seen) == len(set(seen))


def test_rollups_by_cursor_under_inserts(exec_user):
    day = date(2026, 3, 1)
    team = TeamFactory(name="M Team")
    roles = [RoleFactory(team=team, name=f"M Role {n:02}") for n in range(9)]
    for role in roles:
        DailyRollup.objects.create(
            date=day, team=team, role=role, category="process", computed_at=MOMENT
        )
    early_team = TeamFactory(name="A Team")  # sorts before every listed row of the same day

    def insert(page: int) -> None:
        role = RoleFactory(team=early_team, name=f"A Role {page}")
        DailyRollup.objects.create(
            date=day, team=early_team, role=role, category="process", computed_at=MOMENT
        )

    seen = walk(client_for(exec_user), "/api/v1/roi/rollups/", page_size=4, between=insert)
    original = [(day.isoformat(), team.pk, role.pk) for role in roles]
    assert [row for row in seen if row in set(original)] == original
    assert len(seen) == len(set(seen))


def test_previous_leads_back_to_the_same_page(cx_user):
    gap = GapFactory()
    for n in range(9):
        Occurrence.objects.create(gap=gap, occurred_at=MOMENT, source="desk", external_id=f"p{n}")
    client = client_for(cx_user)
    first = client.get("/api/v1/occurrences/?page_size=4").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]
    assert client.get("/api/v1/occurrences/?cursor=not-a-cursor").status_code == 404
