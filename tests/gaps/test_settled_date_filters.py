"""The gap list's closed and prevented date filters (web and API): whole UTC days, both bounds
included, as the rollup dates a gap; bad values are a per-field 400, never a 500."""

from datetime import UTC, date, datetime, timedelta

import pytest

from gaps.models import Gap
from tests.factories import GapFactory
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/gaps/"
APRIL_END = datetime(2026, 4, 30, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def settled():
    def closed(title, at):
        return GapFactory(
            title=title, status=Gap.Status.CLOSED, closed_at=at, root_cause="Found and fixed."
        )

    def prevented(title, on):
        return GapFactory(
            title=title,
            status=Gap.Status.PREVENTED,
            prevented_on=on,
            expected_monthly_occurrences=3,
        )

    closed("Closed at April's last moment", APRIL_END)
    closed("Closed at May's first moment", APRIL_END + timedelta(microseconds=1))
    prevented("Prevented on April's last day", date(2026, 4, 30))
    prevented("Prevented on May's first day", date(2026, 5, 1))
    GapFactory(title="Still open")


def titles(user, query: str) -> set[str]:
    response = client_for(user).get(URL + query)
    assert response.status_code == 200, response.json()
    return {gap["title"] for gap in response.json()["results"]}


def test_closed_days_are_utc_days_with_both_bounds_included(cx_user, settled):
    april = "?closed_after=2026-04-01&closed_before=2026-04-30"
    assert titles(cx_user, april) == {"Closed at April's last moment"}
    assert titles(cx_user, "?closed_after=2026-05-01") == {"Closed at May's first moment"}
    assert titles(cx_user, "?closed_before=2026-05-01") == {
        "Closed at April's last moment",
        "Closed at May's first moment",
    }


def test_prevented_days_include_both_bounds(cx_user, settled):
    assert titles(cx_user, "?prevented_after=2026-04-30&prevented_before=2026-04-30") == {
        "Prevented on April's last day"
    }
    assert titles(cx_user, "?prevented_after=2026-05-01") == {"Prevented on May's first day"}


def test_the_last_day_a_date_holds_bounds_nothing_and_does_not_overflow(cx_user, settled):
    assert titles(cx_user, "?closed_before=9999-12-31") == {
        "Closed at April's last moment",
        "Closed at May's first moment",
    }
    assert titles(cx_user, "?closed_after=9999-12-31&prevented_after=9999-12-31") == set()


@pytest.mark.parametrize(
    "name", ["closed_after", "closed_before", "prevented_after", "prevented_before"]
)
def test_a_bad_day_is_a_400_naming_the_filter(cx_user, name):
    response = client_for(cx_user).get(f"{URL}?{name}=2026-02-30&severity_min=high")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {name, "severity_min"}
    assert "valid date" in " ".join(body[name])


def test_the_page_filters_alike_and_shows_date_pickers(client, cx_user, settled):
    client.force_login(cx_user)
    response = client.get("/gaps/?closed_after=2026-04-01&closed_before=2026-04-30")
    assert response.status_code == 200
    assert [gap.title for gap in response.context["page"]] == ["Closed at April's last moment"]
    assert 'type="date" name="closed_after"' in response.content.decode()
    bad = client.get("/gaps/?prevented_before=someday")
    assert bad.status_code == 400
    assert not list(bad.context["page"])
