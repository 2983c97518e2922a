"""The ROI API: DESIGN.md's shapes, who may read them, filters, pages, CSV, constant queries."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from rest_framework.test import APIClient

from gaps.models import ApiToken, Gap
from roi import services
from roi.api.views import GapSavingsView
from roi.models import CostModel, DailyRollup
from tests.factories import GapFactory, OccurrenceFactory, RoleFactory

from .conftest import T0, TODAY, figures_only

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/roi/summary/"
ROLLUPS = "/api/v1/roi/rollups/"
EXPORT = "/api/v1/roi/rollups/export/"


def token_client(user, scopes) -> APIClient:
    _, key = ApiToken.issue(user=user, name="BI", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_summary_is_the_worked_example_to_the_cent(api, history, pinned_today):
    response = api.get(SUMMARY, {"as_of": TODAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    # DESIGN.md's fields, nothing renamed; then the freshness extension (docs/roi.md).
    assert list(body)[-3:] == ["rolled_through", "computed_at", "stale"]
    assert body["rolled_through"] == (TODAY - timedelta(days=1)).isoformat()
    assert body["stale"] is False
    assert figures_only(body) == {
        "currency": "EUR",
        "measured_savings": "2100.00",
        "estimated_savings": "750.00",
        "investment": "500.00",
        "roi_percent": "470.00",
        "roi_percent_measured": "320.00",
        # A: 100 × 42.00; C: 18 × 15.00 before the cost model change + 2 × 18.00 after it;
        # the archived gap's one occurrence × 15.00.
        "cost_incurred": "4548.00",
        "gaps_closed": 1,
        "gaps_prevented": 1,
    }


def test_summary_without_investment_says_roi_is_not_defined(api, history):
    Gap.objects.filter(pk=history["a"].pk).update(remedy_cost=Decimal("0.00"))
    body = api.get(SUMMARY, {"as_of": TODAY.isoformat()}).json()
    assert body["investment"] == "0.00"
    assert body["roi_percent"] is None
    assert body["roi_percent_measured"] is None


def test_summary_before_anything_happened_is_zero(api, history):
    body = api.get(SUMMARY, {"as_of": "2020-01-01"}).json()
    assert body["measured_savings"] == body["estimated_savings"] == "0.00"
    assert body["gaps_closed"] == body["gaps_prevented"] == 0


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "01/06/2026", "2026-02-30"])
def test_a_bad_as_of_is_a_400_naming_the_field(api, bad):
    response = api.get(SUMMARY, {"as_of": bad})
    assert response.status_code == 400
    assert "as_of" in response.json()
    response = api.get("/api/v1/gaps/1/savings/", {"as_of": bad})
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_gap_savings_route_is_matched_beside_the_gaps_router():
    match = resolve("/api/v1/gaps/12/savings/")
    assert match.func.view_class is GapSavingsView
    assert match.kwargs == {"pk": 12}


def test_gap_savings_of_a_closed_gap_shows_formula_and_inputs(api, history):
    response = api.get(f"/api/v1/gaps/{history['a'].pk}/savings/", {"as_of": "2026-06-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "measured"
    assert body["amount"] == "2100.00"
    assert "baseline_rate" in body["formula"]
    assert body["inputs"]["baseline_occurrences"] == 90
    assert body["inputs"]["post_occurrences"] == 10
    assert body["inputs"]["baseline_rate"] == "30"
    assert body["inputs"]["post_rate"] == "5"
    assert body["inputs"]["months_after"] == "2"
    assert body["inputs"]["unit_cost"] == "42.00"


def test_gap_savings_of_prevented_and_open_gaps(api, history):
    prevented = api.get(f"/api/v1/gaps/{history['b'].pk}/savings/", {"as_of": "2026-06-01"})
    assert prevented.json()["kind"] == "estimated"
    assert prevented.json()["amount"] == "750.00"
    assert prevented.json()["inputs"]["days_since_prevented"] == "45"
    open_gap = api.get(f"/api/v1/gaps/{history['c'].pk}/savings/").json()
    assert open_gap["kind"] == "none"
    assert open_gap["amount"] == "0.00"


def test_gap_savings_of_an_unknown_gap_is_404(api):
    assert api.get("/api/v1/gaps/999999/savings/").status_code == 404


def test_who_reads_roi(history, cx_user, owner_user, integration_user):
    anonymous = APIClient()
    assert anonymous.get(SUMMARY).status_code in (401, 403)
    cx = APIClient()
    cx.force_authenticate(cx_user)
    assert cx.get(SUMMARY).status_code == 200
    owner = APIClient()
    owner.force_authenticate(owner_user)
    assert owner.get(SUMMARY).status_code == 403
    assert owner.get(ROLLUPS).status_code == 403
    scoped = token_client(integration_user, ["roi:read"])
    assert scoped.get(SUMMARY).status_code == 200
    assert scoped.get(ROLLUPS).status_code == 200
    assert scoped.get(f"/api/v1/gaps/{history['a'].pk}/savings/").status_code == 200
    unscoped = token_client(integration_user, ["gaps:read"])
    response = unscoped.get(SUMMARY)
    assert response.status_code == 403
    assert "roi:read" in response.json()["detail"]
    assert unscoped.get(ROLLUPS).status_code == 403


def test_roi_is_read_only(api):
    assert api.post(SUMMARY, {}).status_code in (403, 405)
    assert api.post(ROLLUPS, {}).status_code in (403, 405)


def test_rollups_filter_by_team_role_category_and_dates(api, history):
    services.rollup_nightly(today=TODAY)
    a = history["a"]
    response = api.get(
        ROLLUPS,
        {
            "team": a.causing_team_id,
            "role": a.causing_role_id,
            "category": "process",
            "date_after": a.closed_at.date().isoformat(),
            "date_before": a.closed_at.date().isoformat(),
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1
    row = body["results"][0]
    assert row["team_name"] == "Billing"
    assert row["role_name"] == "Invoicing Specialist"
    assert row["gaps_closed"] == 1
    assert row["remedy_spend"] == "500.00"
    logistics = api.get(ROLLUPS, {"team": history["logistics"].pk, "page_size": 500}).json()
    in_logistics = DailyRollup.objects.filter(team=history["logistics"]).count()
    assert len(logistics["results"]) == in_logistics


def test_rollups_bad_filters_are_400s(api, history):
    response = api.get(ROLLUPS, {"team": "billing", "category": "nonsense", "date_after": "x"})
    assert response.status_code == 400
    assert {"team", "category", "date"} <= set(response.json())


def test_rollups_are_paginated(api, history):
    services.rollup_nightly(today=TODAY)
    body = api.get(ROLLUPS).json()
    assert DailyRollup.objects.count() > 50
    assert len(body["results"]) == 50
    assert body["next"]
    assert body["previous"] is None
    # ?page_size= works as on the other lists, up to 500 a page; beyond is a 400 naming it.
    assert len(api.get(ROLLUPS, {"page_size": 60}).json()["results"]) == 60
    too_many = api.get(ROLLUPS, {"page_size": 100000})
    assert too_many.status_code == 400
    assert "page_size" in too_many.json()


def test_rollups_csv_export(api, history):
    services.rollup_nightly(today=TODAY)
    response = api.get(EXPORT, {"team": history["billing"].pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["date", "team", "role", "category"]
    assert len(rows) - 1 == DailyRollup.objects.filter(team=history["billing"]).count()
    assert {row[1] for row in rows[1:]} == {"Billing"}
    measured = sum(Decimal(row[rows[0].index("measured_savings")]) for row in rows[1:])
    assert measured == Decimal("2100.00")


def grow(history, gaps: int) -> None:
    """More teams, roles, gaps and occurrences: more rollup rows to read."""
    for n in range(gaps):
        role = RoleFactory()
        gap = GapFactory(
            causing_role=role,
            status=Gap.Status.CLOSED,
            closed_at=T0 - timedelta(days=20 + n),
            root_cause="Fixed.",
            detected_on=TODAY - timedelta(days=90),
        )
        for day in range(6):
            OccurrenceFactory(gap=gap, occurred_at=gap.closed_at - timedelta(days=day * 7 + 1))


def test_api_query_counts_do_not_grow_with_the_data(
    api, history, pinned_today, django_assert_max_num_queries
):
    services.rollup_nightly(today=TODAY)
    urls = [
        (SUMMARY, {"as_of": TODAY.isoformat()}),
        (ROLLUPS, {"page_size": 200}),
        (f"/api/v1/gaps/{history['a'].pk}/savings/", {}),
    ]
    counts = {}
    for url, params in urls:
        with django_assert_max_num_queries(12) as captured:
            assert api.get(url, params).status_code == 200
        counts[url] = len(captured.captured_queries)
    grow(history, 8)
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    for url, params in urls:
        with django_assert_max_num_queries(counts[url]):
            assert api.get(url, params).status_code == 200
    streamed = api.get(EXPORT)
    with django_assert_max_num_queries(3):
        rows = b"".join(streamed.streaming_content).decode().splitlines()
    assert len(rows) == DailyRollup.objects.count() + 1


def test_rollups_csv_export_does_not_hand_spreadsheets_formulas(api, history):
    history["billing"].name = '=HYPERLINK("http://evil.example","Billing")'
    history["billing"].save()
    history["invoicing"].name = "@SUM(1+1)"
    history["invoicing"].save()
    services.rollup_nightly(today=TODAY)
    response = api.get(EXPORT, {"team": history["billing"].pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) > 1
    assert {row[1] for row in rows[1:]} == {'\'=HYPERLINK("http://evil.example","Billing")'}
    assert {row[2] for row in rows[1:]} == {"'@SUM(1+1)"}


def test_summary_queries_do_not_grow_with_cost_model_versions(
    api, history, pinned_today, django_assert_max_num_queries
):
    params = {"as_of": TODAY.isoformat()}
    api.get(SUMMARY, params)  # rolls up (eager mode): the rollup is due
    reset_queries()  # a full query log (9,000 entries) would capture nothing
    with CaptureQueriesContext(connection) as before:
        assert api.get(SUMMARY, params).json()["cost_incurred"] == "4548.00"
    small = len(before.captured_queries)
    for days in (250, 200, 150, 100):  # the first version's costs again: same figures
        CostModel.objects.create(
            effective_from=TODAY - timedelta(days=days),
            cost_per_contact=Decimal("5.00"),
            revenue_at_risk_per_occurrence=Decimal("10.00"),
        )
    # New cost model versions make the rollup due: this read rolls up again (eager mode).
    assert api.get(SUMMARY, params).json()["cost_incurred"] == "4548.00"
    reset_queries()
    with django_assert_max_num_queries(small):
        assert api.get(SUMMARY, params).json()["cost_incurred"] == "4548.00"
