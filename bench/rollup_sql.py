"""Benchmark: a full two-year rollup against one hand-written grouped query (the "floor").

Self-contained (one file, its own throwaway database ``bench_rollup_<pid>`` next to
``DATABASE_URL``'s, dropped at the end): generates a deterministic dataset with psycopg 3
``COPY`` — teams, roles, touchpoints, two cost model versions (the first one starting after
the data does), gaps of every status with detection, closing and prevention dates spread over
two years, and occurrences with a skew (a few gaps draw most of them; closed gaps fewer after
closing) — then measures, printing one JSON object per line (``name``, ``value``, ``unit``):

- ``rollup_s``: a full run over every day with data (``roi.services.rollup_run``);
- ``rollup_sql_floor_s``: one grouped query over the same occurrences, per day × team × role
  × category with their count and cost, nothing written;
- ``rollup_ratio_to_floor``: their ratio (issue 13's target: ≤ 2);
- ``rollup_peak_rss_mb``: this process's peak resident memory after the run (the data is
  generated streaming, so the peak is the run's unless ``rss_before_run_mb`` says otherwise);
- ``rollup_nightly_s``: the next nightly run after one more day of occurrences;
- ``rollup_daily_rows``, ``rollup_statements``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \\
        bench/rollup_sql.py --gaps 5000 --occurrences 500000
"""

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CATEGORIES = ["product", "service", "policy", "process", "attitude"]
STATUSES = [
    ("open", 35),
    ("acknowledged", 10),
    ("in_remedy", 10),
    ("closed", 30),
    ("prevented", 10),
    ("archived", 5),
]
DAYS = 730

FLOOR = """
SELECT count(*) FROM (
    SELECT (o.occurred_at AT TIME ZONE 'UTC')::date AS day, g.causing_team_id,
           g.causing_role_id, g.category, count(*) AS n,
           sum(coalesce(g.cost_to_serve, tp.cost_per_contact, 6.00)
               + coalesce(g.revenue_at_risk, 20.00)) AS cost
    FROM gaps_occurrence o
    JOIN gaps_gap g ON g.id = o.gap_id
    LEFT JOIN gaps_touchpoint tp ON tp.id = g.touchpoint_id
    WHERE o.occurred_at < %s
    GROUP BY 1, 2, 3, 4
) grouped
"""


def emit(name: str, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit}), flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", type=int, default=5_000)
    parser.add_argument("--occurrences", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--profile", action="store_true", help="print the slowest statements")
    parser.add_argument("--keep", action="store_true", help="keep the database (to explore)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/rollup_sql.py measures the PostgreSQL rollup: set DATABASE_URL")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_rollup_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        if args.keep:
            print(f"# kept database {connection.settings_dict['NAME']}", file=sys.stderr)
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def copy_rows(model, rows) -> None:
    """``COPY`` dicts into ``model``'s table; columns not given take the field's default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    defaults = {f.attname: f.get_default() for f in fields}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row.get(f.attname, defaults[f.attname])
                    values.append(json.dumps(value) if isinstance(value, dict | list) else value)
                copy.write_row(values)


def ids(table: str, order: str = "id") -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY {order}")  # noqa: S608 - fixed names
        return [row[0] for row in cursor.fetchall()]


def generate(args, rng: random.Random, today: date) -> None:
    from gaps.models import Gap, Occurrence, Role, Team, Touchpoint
    from roi.models import CostModel

    start = today - timedelta(days=DAYS)
    now = datetime.now(UTC)
    old = now - timedelta(days=1)  # recorded long before the first run
    CostModel.objects.create(
        effective_from=start + timedelta(days=60),
        cost_per_contact=Decimal("6.00"),
        revenue_at_risk_per_occurrence=Decimal("20.00"),
    )
    CostModel.objects.create(
        effective_from=start + timedelta(days=400),
        cost_per_contact=Decimal("7.50"),
        revenue_at_risk_per_occurrence=Decimal("22.00"),
        baseline_window_days=60,
    )
    roles_count = max(5, args.gaps // 125)
    teams_count = max(2, roles_count // 10)
    copy_rows(Team, ({"name": f"Team {n}", "slug": f"team-{n}"} for n in range(teams_count)))
    teams = ids("gaps_team")
    copy_rows(
        Role,
        (
            {"name": f"Role {n}", "team_id": teams[n % teams_count], "level": "manager"}
            for n in range(roles_count)
        ),
    )
    roles = [(pk, teams[n % teams_count]) for n, pk in enumerate(ids("gaps_role"))]
    copy_rows(
        Touchpoint,
        (
            {
                "name": f"Touchpoint {n}",
                "team_id": teams[0],
                "channel": "phone",
                "cost_per_contact": Decimal(rng.randint(200, 1500)) / 100,
            }
            for n in range(max(3, roles_count // 7))
        ),
    )
    touchpoints = ids("gaps_touchpoint")

    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    gaps = []
    for n in range(args.gaps):
        role, team = rng.choice(roles)
        status = rng.choices(statuses, weights)[0]
        detected = start + timedelta(days=rng.randrange(DAYS - 10))
        row = {
            "title": f"Gap {n}",
            "expectation": "e",
            "delivery": "d",
            "category": rng.choice(CATEGORIES),
            "causing_role_id": role,
            "causing_team_id": team,
            "severity": rng.randint(1, 5),
            "status": status,
            "detected_on": detected,
            "touchpoint_id": rng.choice(touchpoints) if rng.random() < 0.7 else None,
            "cost_to_serve": Decimal(rng.randint(100, 5000)) / 100 if rng.random() < 0.5 else None,
            "revenue_at_risk": Decimal(rng.randint(0, 9000)) / 100 if rng.random() < 0.5 else None,
            "remedy_cost": Decimal(rng.randint(0, 500000)) / 100,
            "created_at": old,
            "updated_at": old,
        }
        if status == "closed":
            closing = datetime.combine(detected, clock.min, UTC) + timedelta(
                days=rng.randint(3, 200), seconds=rng.randrange(86400)
            )
            row |= {"closed_at": min(closing, now - timedelta(days=2)), "root_cause": "fixed"}
        if status == "prevented":
            row |= {
                "prevented_on": detected,
                "expected_monthly_occurrences": Decimal(rng.randint(100, 20000)) / 100,
            }
        gaps.append(row)
    copy_rows(Gap, gaps)
    gap_ids = ids("gaps_gap")
    # A skew: a few gaps draw most occurrences (Pareto weights); closed gaps far fewer after
    # closing.
    weight = [rng.paretovariate(1.2) for _ in gap_ids]
    total = sum(weight)

    def occurrences():
        n = 0
        for gap_id, row, w in zip(gap_ids, gaps, weight, strict=True):
            count = round(args.occurrences * w / total)
            first = datetime.combine(row["detected_on"], clock.min, UTC) - timedelta(days=30)
            closed = row.get("closed_at")
            for _ in range(count):
                moment = first + timedelta(seconds=rng.random() * (now - first).total_seconds())
                if closed and moment >= closed and rng.random() < 0.75:
                    moment = closed - timedelta(seconds=rng.random() * 80 * 86400)
                n += 1
                yield {
                    "gap_id": gap_id,
                    "occurred_at": min(moment, now - timedelta(days=1, seconds=1)),
                    "source": "bench",
                    "external_id": str(n),
                    "recorded_at": old,
                }

    copy_rows(Occurrence, occurrences())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def explain_slowest(last: date) -> None:
    """Re-run the rollup inside an outer transaction (its temporary tables survive) and print
    the plan of its slowest statement, then roll everything back."""
    from django.db import transaction

    from roi import services

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            services.rollup_run(first=services.first_data_day(), last=last)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        words = slowest["sql"].split()
        with connection.cursor() as cursor:
            if words[:3] == ["CREATE", "TEMP", "TABLE"]:
                cursor.execute(f"DROP TABLE {words[3]}")  # re-created by the plan below
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            for (line,) in cursor.fetchall():
                print("# " + line, file=sys.stderr)
        transaction.set_rollback(True)


def run(args) -> None:
    from gaps.models import Occurrence
    from roi import calculations as calc
    from roi import services
    from roi.models import DailyRollup

    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    started = time.perf_counter()
    generate(args, rng, today)
    count = Occurrence.objects.count()
    emit("rollup_dataset_occurrences", count, "rows")
    emit("rollup_dataset_build_s", time.perf_counter() - started, "s")
    emit("rss_before_run_mb", peak_rss_mb(), "MB")

    with connection.cursor() as cursor:
        # Warm the cache the same way for both: one pass over the occurrences first.
        cursor.execute("SELECT count(*) FROM gaps_occurrence")
        started = time.perf_counter()
        cursor.execute(FLOOR, [calc.day_start(today)])
        floor = time.perf_counter() - started

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = services.rollup_run(first=None, last=yesterday)
        elapsed = time.perf_counter() - started
    emit("rollup_s", elapsed, "s")
    emit("rollup_sql_floor_s", floor, "s")
    emit("rollup_ratio_to_floor", elapsed / floor, "ratio")
    emit("rollup_peak_rss_mb", peak_rss_mb(), "MB")
    emit("rollup_daily_rows", result.daily_rows, "rows")
    emit("rollup_statements", len(queries.captured_queries), "queries")
    emit("rollup_first_day_age", (yesterday - result.first_day).days, "days")
    if args.profile:
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]
        for query in slowest:
            text = " ".join(query["sql"].split())[:150]
            print(f"# {float(query['time']):8.3f} s  {text}", file=sys.stderr)
        explain_slowest(yesterday)

    # The nightly case: a day of new occurrences (1/730 of the data), then the next run.
    from gaps.models import Gap

    gap_ids = list(Gap.objects.exclude(status="archived").values_list("pk", flat=True)[:2000])
    now = datetime.now(UTC)
    Occurrence.objects.bulk_create(
        Occurrence(
            gap_id=rng.choice(gap_ids),
            occurred_at=datetime.combine(today, clock.min, UTC) + timedelta(seconds=n % 3600),
            source="bench-nightly",
            external_id=str(n),
            recorded_at=now,
        )
        for n in range(max(1, count // DAYS))
    )
    started = time.perf_counter()
    nightly = services.rollup_run(first=None, last=today)
    emit("rollup_nightly_s", time.perf_counter() - started, "s")
    emit("rollup_nightly_days", (nightly.last_day - nightly.first_day).days + 1, "days")
    emit("rollup_daily_rows_total", DailyRollup.objects.count(), "rows")


if __name__ == "__main__":
    main()
