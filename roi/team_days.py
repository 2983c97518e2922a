"""Daily team rows: ``DailyRollup`` summed per (date, team), the summary's day-grain source.

``team_days_write`` derives them from the stored daily rows of a range: the rollup calls it on
SQLite (the embedded default) after the daily rows; on PostgreSQL a run sums them in the same
grouped pass as the daily rows (``roi.rollup.sql``, ``GROUPING SETS``) and this function
serves re-deriving them from stored rows (``bench/roi_rollup.py``): one ``INSERT … SELECT …
GROUP BY … ON CONFLICT DO UPDATE`` and one ``DELETE`` of the range's rows not written. Either
way no row objects per daily row are built in Python.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Sum

from .models import DailyRollup, DailyTeamRollup, RollupMeasures

MEASURES = RollupMeasures.MEASURES


def team_days_write(*, first: date, last: date, run_at: datetime) -> None:
    """Re-add the days ``[first, last]`` per team from their daily rows, stamped ``run_at``;
    rows of the range the run did not write (a team with nothing left that day) go."""
    if connection.vendor == "postgresql":
        _write_sql(first, last, run_at)
    else:
        _write_orm(first, last, run_at)
    DailyTeamRollup.objects.filter(date__range=(first, last)).exclude(computed_at=run_at).delete()


def _write_sql(first: date, last: date, run_at: datetime) -> None:
    target = DailyTeamRollup._meta.db_table
    source = DailyRollup._meta.db_table
    columns = ", ".join(MEASURES)
    sums = ", ".join(f"SUM({name})" for name in MEASURES)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*MEASURES, "computed_at"))
    # Table and column names come from the models, never from input; values are parameters.
    sql = (
        f"INSERT INTO {target} (date, team_id, {columns}, computed_at) "  # noqa: S608
        f"SELECT date, team_id, {sums}, %s FROM {source} "
        "WHERE date BETWEEN %s AND %s GROUP BY date, team_id "
        f"ON CONFLICT (date, team_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [run_at, first, last])


def _write_orm(first: date, last: date, run_at: datetime) -> None:
    """SQLite: one grouped read, one batched upsert (a few rows per team and day)."""
    grouped: Iterable[Mapping[str, Any]] = (
        DailyRollup.objects.filter(date__range=(first, last))
        .values("date", "team_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in MEASURES})
        .order_by()
    )
    rows = [
        DailyTeamRollup(
            date=row["date"],
            team_id=row["team_id"],
            computed_at=run_at,
            **{name: row[f"sum_{name}"] for name in MEASURES},
        )
        for row in grouped
    ]
    DailyTeamRollup.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["date", "team"],
        update_fields=[*MEASURES, "computed_at"],
    )
