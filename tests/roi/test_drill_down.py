"""Drill-down from the dashboard: each count links to a gap list holding exactly that many
gaps, dated as the rollup dates them (closed: ``closed_at``'s UTC day; prevented:
``prevented_on``), not by when the gaps were detected."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from gaps.models import Gap
from roi import services
from tests.factories import GapFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db

COUNT_LINK = re.compile(
    r'<a href="([^"]+)"(?: data-month="([\d-]+)")? data-count="(\w+)">(\d+)</a>'
)


@pytest.fixture
def board(history, pinned_today, client, exec_user) -> str:
    """The history, plus gaps settled on each side of April's end but detected long before."""
    extra = {"causing_role": history["invoicing"]}
    april_end = datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC)
    for at in (april_end, april_end + timedelta(seconds=1)):
        GapFactory(
            status=Gap.Status.CLOSED,
            closed_at=at,
            root_cause="Fixed.",
            detected_on=date(2025, 12, 3),
            **extra,
        )
    for on in (date(2026, 4, 30), date(2026, 5, 1), date(2026, 5, 1)):
        GapFactory(
            status=Gap.Status.PREVENTED,
            prevented_on=on,
            expected_monthly_occurrences=2,
            detected_on=date(2025, 11, 20),
            **extra,
        )
    services.rollup_nightly(today=TODAY)
    client.force_login(exec_user)
    response = client.get("/roi/?start=2026-01&end=2026-05")
    assert response.status_code == 200
    return response.content.decode()


def listed(client, cx_user, url: str) -> int:
    """How many gaps the gap list holds at ``url`` (what its status chips add up to)."""
    client.force_login(cx_user)
    response = client.get(url)
    assert response.status_code == 200
    return sum(response.context["status_counts"].values())


def test_each_months_closed_and_prevented_count_opens_exactly_those_gaps(board, client, cx_user):
    table = board[board.index('id="settled-months"') :]
    links = COUNT_LINK.findall(table[: table.index("</table>")])
    assert {(month, kind) for _, month, kind, _ in links} >= {
        ("2026-04", "closed"),
        ("2026-05", "prevented"),
    }
    by_month = {(month, kind): int(n) for _, month, kind, n in links}
    assert by_month[("2026-04", "prevented")] >= 1
    assert by_month[("2026-05", "prevented")] >= 2
    assert by_month[("2026-04", "closed")] >= 1
    for url, month, kind, n in links:
        url = html.unescape(url)
        query = parse_qs(urlsplit(url).query)
        assert query["status"] == [kind]
        assert "detected_after" not in query  # dated by the close, not the detection
        assert listed(client, cx_user, url) == int(n), (month, kind, url)


def test_each_teams_counts_open_exactly_the_gaps_behind_them(board, client, cx_user):
    table = board[board.index('id="team-figures"') :]
    links = COUNT_LINK.findall(table[: table.index("</table>")])
    assert links
    assert any(int(n) for *_, n in links)
    for url, _month, kind, n in links:
        assert listed(client, cx_user, html.unescape(url)) == int(n), (kind, url)


def test_each_recognition_rows_counts_open_exactly_the_gaps_behind_them(
    board, client, exec_user, cx_user
):
    client.force_login(exec_user)
    page = client.get("/roi/recognition/", {"year": 2026}).content.decode()
    links = COUNT_LINK.findall(page)
    assert {kind for *_, kind, _ in links} == {"closed", "prevented"}
    assert any(int(n) for *_, n in links)
    for url, _month, kind, n in links:
        query = parse_qs(urlsplit(html.unescape(url)).query)
        assert query[f"{kind}_after"] == ["2026-01-01"]
        assert listed(client, cx_user, html.unescape(url)) == int(n), (kind, url)
