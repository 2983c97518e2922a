"""The dashboard's content is rendered once per state of its figures (``roi.board_cache``):
a warm request shows exactly what a cold one renders, and every change to what it shows
(a rollup run, a write that makes the rollup due, a gap, team or cost model saved or
deleted), another language, other filters give the content anew."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxalign import generations
from gaps.models import Gap
from notifications.language import SESSION_KEY
from roi import board_cache, services
from roi.models import CostModel, GapSnapshot
from tests.factories import OccurrenceFactory

from .conftest import TODAY
from .test_api import grow

pytestmark = pytest.mark.django_db


def page(client, **query) -> str:
    response = client.get("/roi/", query)
    assert response.status_code == 200
    # The CSRF token is masked anew on every response; everything else must be equal.
    body = re.sub(r'X-CSRFToken": "[^"]+"', "X-CSRFToken", response.content.decode())
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1…", body)


def cold(client, **query) -> str:
    """The page with nothing cached: what it shows when the content is computed afresh."""
    generations.replace(board_cache.GENERATION)
    return page(client, **query)


def test_a_warm_dashboard_is_the_cold_one_in_fewer_queries(exec_client, rolled):
    with CaptureQueriesContext(connection) as first:
        cold_page = page(exec_client)
    with CaptureQueriesContext(connection) as second:
        assert page(exec_client) == cold_page
    assert len(second) < len(first)
    assert "Measured savings" in cold_page
    assert "EUR 2,100.00" in cold_page
    assert not any("roi_monthlyteamrollup" in query["sql"] for query in second.captured_queries)


def test_a_rollup_run_gives_the_new_figures(exec_client, rolled):
    before = page(exec_client)
    grow(rolled, 3)
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    after = page(exec_client)
    assert after != before
    assert after == cold(exec_client)


def test_a_write_that_makes_the_rollup_due_is_seen_at_once(
    exec_client, history, pinned_today, broker_mode
):
    services.rollup_nightly(today=TODAY)
    before = page(exec_client)
    assert "Recent changes are being rolled up" not in before
    # An occurrence recorded after the run: no gap, team or cost model saved, but the rollup
    # is due, and the page says its figures may be behind.
    OccurrenceFactory(gap=Gap.objects.first(), occurred_at=timezone.now() - timedelta(days=2))
    after = page(exec_client)
    assert "Recent changes are being rolled up" in after
    assert after == cold(exec_client)


def test_a_renamed_gap_or_team_shows_under_its_new_name(exec_client, rolled):
    before = page(exec_client)
    snapshot = GapSnapshot.objects.select_related("gap", "team").order_by("-savings").first()
    assert snapshot.gap.title in before
    gap = Gap.objects.get(pk=snapshot.gap_id)
    gap.title = "A title nobody used before"
    gap.save()
    team = snapshot.team
    team.name = "Renamed team"
    team.save()
    after = page(exec_client)
    assert "A title nobody used before" in after
    assert "Renamed team" in after
    assert after == cold(exec_client)


def test_a_cost_model_change_gives_the_new_figures(exec_client, rolled):
    before = page(exec_client)
    model = CostModel.objects.order_by("effective_from").first()
    model.program_cost_per_month = model.program_cost_per_month + Decimal("300.00")
    model.save()
    after = page(exec_client)
    assert after != before
    assert after == cold(exec_client)


def test_each_language_and_each_filter_has_its_own_content(exec_client, rolled):
    english = page(exec_client)
    session = exec_client.session
    session[SESSION_KEY] = "de"
    session.save()
    german = page(exec_client)
    assert german != english
    assert "2.100,00" in german
    assert german == cold(exec_client)
    session[SESSION_KEY] = "en"
    session.save()
    assert page(exec_client) == english
    billing = page(exec_client, team=rolled["billing"].pk)
    assert "ROI dashboard · Billing" in billing
    assert billing != english
    assert page(exec_client, start="2026-07", end="2026-01") != english


def test_the_same_content_for_everyone_admitted_and_no_one_else(
    client, exec_user, owner_user, integration_user, rolled
):
    client.force_login(exec_user)
    executives = page(client)
    client.force_login(owner_user)
    owners = page(client)
    # The navigation differs per person; the dashboard's content is the same.
    content = re.compile(r'<div class="section-head">.*</script>', re.S)
    assert content.search(owners).group() == content.search(executives).group()
    client.force_login(integration_user)
    assert client.get("/roi/").status_code == 403


def test_the_first_request_after_a_rollup_works_when_the_cache_is_empty(exec_client, rolled):
    generations.replace(board_cache.GENERATION)
    with CaptureQueriesContext(connection):
        assert "EUR 2,100.00" in page(exec_client)
    assert (TODAY - timedelta(days=1)).isoformat() in page(exec_client)
