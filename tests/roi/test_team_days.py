"""``roi.team_days``: the daily team rows are exactly the daily rows summed per (date, team),
after a first run, a re-run and a re-attribution that empties a team's days."""

import pytest
from django.db.models import Sum

from gaps.models import Gap
from roi import services
from roi.models import DailyRollup, DailyTeamRollup

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def summed_daily() -> dict:
    rows = (
        DailyRollup.objects.values("date", "team_id")
        .annotate(**{name: Sum(name) for name in DailyRollup.MEASURES})
        .order_by()
    )
    return {
        (row["date"], row["team_id"]): tuple(row[name] for name in DailyRollup.MEASURES)
        for row in rows
    }


def team_days() -> dict:
    return {
        (row[0], row[1]): tuple(row[2:])
        for row in DailyTeamRollup.objects.values_list("date", "team_id", *DailyRollup.MEASURES)
    }


def test_team_days_are_the_daily_rows_summed_per_team(history):
    services.rollup_nightly(today=TODAY)
    assert team_days() == summed_daily()
    assert len(team_days()) > 100
    before = team_days()
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    assert team_days() == before


def test_a_team_whose_gaps_moved_away_keeps_no_rows(history):
    services.rollup_nightly(today=TODAY)
    logistics = history["logistics"]
    assert DailyTeamRollup.objects.filter(team=logistics).exists()
    invoicing = history["invoicing"]
    Gap.objects.filter(causing_team=logistics).update(
        causing_team=invoicing.team, causing_role=invoicing
    )
    services.rollup_since(since=services.first_data_day(), today=TODAY)
    assert not DailyTeamRollup.objects.filter(team=logistics).exists()
    assert team_days() == summed_daily()
