"""ROI pages: filled from rollups only, constant queries, filters, recognition and CX Day."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roi import calculations as calc
from roi import selectors, services
from roi.models import CostModel, GapSnapshot, MonthlyTeamRollup
from roi.services import OPEN_STATUSES
from tests.factories import GapFactory, OccurrenceFactory

from .conftest import T0, TODAY
from .test_api import grow

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_figures_with_their_formulas(exec_client, rolled):
    response = exec_client.get("/roi/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rollup last ran at" in page
    assert "figures as of 2026-06-01" in page
    assert "EUR 2,100.00" in page
    assert "EUR 750.00" in page
    assert "470.00 %" in page
    assert "320.00 %" in page
    # Every figure opens to its formula and inputs.
    assert page.count('popovertarget="formula-') >= 15
    assert "max(0, baseline_rate − post_rate) × months_after × unit_cost" in page
    # Median days from detection to closing of gap A (closed 140 days after detection).
    assert "140 days" in page
    assert "Delivery slots ignored" in page
    chart = response.context["chart_data"]
    assert chart["months"][-1] == "2026-05"
    assert sum(chart["measured"]) == 2100.0
    assert sum(chart["estimated"]) == 750.0
    assert set(chart["teams"]) == {"Billing", "Logistics"}
    assert chart["open_gaps"] == ["Delivery slots ignored"]
    assert chart["open_cost"] == [270.0]


def test_dashboard_filters_by_team_and_period(exec_client, rolled):
    billing = rolled["billing"].pk
    # The board as the first request computed it (a second one reads its cached content).
    response = exec_client.get("/roi/", {"team": billing})
    assert "ROI dashboard · Billing" in response.content.decode()
    board = response.context["board"]
    assert board.summary.amount("measured_savings") == 2100
    assert board.summary.amount("estimated_savings") == 0
    april = exec_client.get("/roi/", {"start": "2026-04", "end": "2026-04"}).context["board"]
    assert [m.strftime("%Y-%m") for m, _ in april.months] == ["2026-04"]
    assert april.period["measured_savings"].amount < 2100
    assert april.period["quarter_closed"].amount == 1


def test_dashboard_bad_filters_show_errors_beside_the_fields(exec_client, rolled):
    response = exec_client.get("/roi/", {"start": "2026-07", "end": "2026-01", "team": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert "Select a valid choice" in page
    response = exec_client.get("/roi/", {"start": "not-a-month"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_dashboard_before_the_first_rollup_rolls_up_in_eager_mode(
    exec_client, history, pinned_today
):
    page = exec_client.get("/roi/").content.decode()
    assert "has not run yet" not in page
    assert "figures as of 2026-06-01" in page
    assert "EUR 2,100.00" in page


def test_dashboard_before_the_first_rollup_says_so_with_a_broker(exec_client, history, broker_mode):
    page = exec_client.get("/roi/").content.decode()
    assert "has not run yet" in page
    assert broker_mode.queued() == 1


def test_dashboard_reads_rollups_only_and_a_constant_number_of_queries(
    exec_client, rolled, django_assert_max_num_queries
):
    urls = ("/roi/", f"/roi/?team={rolled['billing'].pk}", "/roi/summary/")
    small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert exec_client.get(url).status_code == 200
        small[url] = len(captured.captured_queries)
    grow(rolled, 12)
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            with CaptureQueriesContext(connection) as large:
                assert exec_client.get(url).status_code == 200
        statements = [q["sql"] for q in large.captured_queries]
        # The one statement naming occurrences is the freshness check's newest recorded_at
        # (one backward step on its index).
        scans = [s for s in statements if "gaps_occurrence" in s and "newest_occurrence" not in s]
        assert not scans


def test_executive_summary_is_printable(exec_client, rolled):
    response = exec_client.get("/roi/summary/")
    page = response.content.decode()
    assert "executive summary" in page
    assert "roi/roi.css" in page
    # A print button, handled by the site script (the CSP allows no inline handler).
    assert "data-print" in page
    script = settings.BASE_DIR / "static" / "js" / "cxalign.js"
    assert "window.print()" in script.read_text(encoding="utf-8")
    assert "EUR 2,100.00" in page
    assert "(measured_savings + estimated_savings − investment) ÷ investment × 100" in page
    css = settings.BASE_DIR / "static" / "roi" / "roi.css"
    assert "@media print" in css.read_text(encoding="utf-8")


def test_pages_are_for_executives_cx_and_role_owners(client, rolled, integration_user, owner_user):
    assert client.get("/roi/").status_code == 302
    client.force_login(integration_user)
    for url in ("/roi/", "/roi/summary/", "/roi/recognition/", "/roi/cx-day/2026/"):
        assert client.get(url).status_code == 403
    client.force_login(owner_user)
    assert client.get("/roi/recognition/").status_code == 200


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2024, date(2024, 10, 1)),
        (2025, date(2025, 10, 7)),
        (2026, date(2026, 10, 6)),
        (2027, date(2027, 10, 5)),
        (2030, date(2030, 10, 1)),
    ],
)
def test_cx_day_is_the_first_tuesday_of_october(year, day):
    assert selectors.cx_day(year) == day
    assert day.weekday() == 1


def test_recognition_ranks_roles_and_teams(exec_client, rolled, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = exec_client.get("/roi/recognition/", {"year": 2026})
    board = response.context["board"]
    assert [r.name for r in board.roles_by_savings] == ["Invoicing Specialist", "Dispatcher"]
    assert board.roles_by_savings[0].measured_savings == 2100
    assert [t.name for t in board.teams_by_count] == ["Billing", "Logistics"]
    page = response.content.decode()
    assert "Recognition board 2026" in page
    assert "CX Day 2026 recap" in page
    bad = exec_client.get("/roi/recognition/", {"year": "1066"})
    assert bad.status_code == 200
    assert "field-error" in bad.content.decode()


def test_cx_day_recap_celebrates_the_years_preventers(exec_client, rolled):
    response = exec_client.get("/roi/cx-day/2026/")
    page = response.content.decode()
    assert "Tuesday 6 October 2026" in page
    assert [r.name for r in response.context["board"].preventers] == ["Dispatcher"]
    assert exec_client.get("/roi/cx-day/").url == f"/roi/cx-day/{selectors.today().year}/"
    assert exec_client.get("/roi/cx-day/1900/").status_code == 404


def test_gap_before_and_after(exec_client, rolled, django_assert_max_num_queries):
    a = rolled["a"]
    # 10, plus the session renewal every signed-in request writes (idle timeout).
    with django_assert_max_num_queries(11):
        response = exec_client.get(f"/roi/gaps/{a.pk}/", {"as_of": "2026-06-01"})
    picture = response.context["picture"]
    assert picture.labels == ["month -3", "month -2", "month -1", "month +1", "month +2"]
    assert picture.counts == [30, 30, 30, 6, 4]
    page = response.content.decode()
    assert "EUR 2,100.00" in page
    assert "baseline_occurrences" in page
    assert exec_client.get("/roi/gaps/999999/").status_code == 404
    assert exec_client.get("/roi/gaps/", {"gap": a.pk}).url == f"/roi/gaps/{a.pk}/"
    assert exec_client.get("/roi/gaps/", {"gap": "x"}).status_code == 404


@pytest.mark.parametrize("url", ["/roi/", "/roi/summary/"])
@pytest.mark.parametrize(
    "params",
    [{"start": "0001-01", "end": "9999-12"}, {"end": "0001-01"}, {"start": "9999-12"}],
)
def test_a_period_beyond_the_years_drawn_is_a_field_error_not_a_500(
    exec_client, rolled, url, params
):
    response = exec_client.get(url, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert "Choose a month from 2000 to 2100." in page


@pytest.mark.parametrize("number", ["-1", "0"])
def test_a_gap_number_below_one_is_a_404_not_a_500(exec_client, number):
    assert exec_client.get("/roi/gaps/", {"gap": number}).status_code == 404


@pytest.mark.parametrize(
    ("year", "offered", "not_offered"), [(2000, 2001, 1999), (2100, 2099, 2101)]
)
def test_cx_day_links_only_to_years_that_exist(exec_client, year, offered, not_offered):
    page = exec_client.get(f"/roi/cx-day/{year}/").content.decode()
    assert f'href="/roi/cx-day/{offered}/"' in page
    assert f'href="/roi/cx-day/{not_offered}/"' not in page
    assert exec_client.get(f"/roi/cx-day/{not_offered}/").status_code == 404


def test_recognition_and_cx_day_queries_do_not_grow_with_the_data(
    exec_client, rolled, django_assert_max_num_queries
):
    urls = ("/roi/recognition/?year=2026", "/roi/cx-day/2026/")
    small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert exec_client.get(url).status_code == 200
        small[url] = len(captured.captured_queries)
    grow(rolled, 12)
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    for url in urls:
        with django_assert_max_num_queries(small[url]) as large:
            assert exec_client.get(url).status_code == 200
        assert not [q for q in large.captured_queries if "gaps_occurrence" in q["sql"]]


def test_dashboard_headline_figures_equal_the_summary_api_for_the_same_day(exec_client, rolled):
    """One answer per figure: the dashboard's headline is ``GET /api/v1/roi/summary/`` for the
    day the page says it is as of, even with a gap logged after the last rollup."""
    GapFactory(title="Logged after the rollup", causing_role=rolled["invoicing"])
    response = exec_client.get("/roi/")
    board = response.context["board"]
    as_of = board.as_of.isoformat()
    page = response.content.decode()
    assert f"roi/summary/?as_of={as_of}" in page
    api = exec_client.get("/api/v1/roi/summary/", {"as_of": as_of}).json()
    figures = board.summary.figures
    shown = {
        name: None if figures[name].amount is None else f"{figures[name].amount:.2f}"
        for name in (
            "measured_savings",
            "estimated_savings",
            "investment",
            "roi_percent",
            "roi_percent_measured",
            "cost_incurred",
        )
    }
    assert shown == {name: api[name] for name in shown}
    assert api["currency"] == board.currency
    # And as people read them on the page.
    assert f"EUR {float(api['measured_savings']):,.2f}" in page
    assert f"{float(api['roi_percent']):,.2f} %" in page


def test_investment_explanation_adds_up(exec_client, rolled):
    """The investment's explanation lists each part, in money, and the parts make the total."""
    CostModel.objects.update(program_cost_per_month=Decimal("300.00"))
    response = exec_client.get("/roi/")
    figure = response.context["board"].summary.figures["investment"]
    assert figure.inputs["program_periods"]
    periods = figure.inputs["program_periods"]
    program = sum((Decimal(p["cost"]) for p in periods), Decimal(0))
    assert figure.inputs["remedy_costs"] + program == calc.cents(figure.amount)
    page = response.content.decode()
    assert "Remedy costs" in page
    assert "program_cost_per_month 300" not in page


def test_dashboard_open_cost_and_medians_equal_the_rows_behind_them(rolled):
    """The open gaps' monthly cost is read from the per-team rows the rollup writes with the
    snapshots, the medians from the monthly histograms summed in the database: each equals
    the snapshots and monthly rows it stands for, for all teams and for one."""
    billing_gap = GapFactory(
        causing_role=rolled["invoicing"],
        status="acknowledged",
        detected_on=TODAY.replace(day=1) - timedelta(days=50),
        acknowledged_at=T0 - timedelta(days=47),
    )
    for day in range(5):
        OccurrenceFactory(gap=billing_gap, occurred_at=T0 - timedelta(days=day + 1))
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    for team in (None, rolled["billing"], rolled["logistics"]):
        board = selectors.dashboard(team=team)
        snapshots = GapSnapshot.objects.filter(status__in=OPEN_STATUSES)
        months = MonthlyTeamRollup.objects.filter(month__range=(board.start, board.end))
        if team is not None:
            snapshots, months = snapshots.filter(team=team), months.filter(team=team)
        open_cost = board.period["open_monthly_cost"]
        assert open_cost.amount == sum(s.monthly_cost for s in snapshots)
        assert open_cost.inputs["open_gaps"] == snapshots.count() > 0
        acknowledge, close = Counter(), Counter()
        for row in months:
            acknowledge.update(row.acknowledge_days)
            close.update(row.close_days)
        assert sum(acknowledge.values()) > 0 or team == rolled["logistics"]
        assert board.period["median_acknowledge"].amount == selectors.median_of(acknowledge)
        assert board.period["median_close"].amount == selectors.median_of(close)
