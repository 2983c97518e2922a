"""Benchmark: the ROI rollup and the dashboard's reads at enterprise size.

Builds, in a throwaway database (``test_<name>`` of ``DATABASE_URL``, or in-memory SQLite,
dropped at the end), ``roles × categories × days`` daily rollup rows (default 400 × 5 × 730,
about 1.46 million), the month aggregates over them, and a gap history for the nightly run to
recompute (one closed and one open gap per role with occurrences around closing). Prints the
timings of the month aggregation, of a nightly run, and of the dashboard's, summary's and
recognition board's reads, with their query counts and the rows they read.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \
        bench/roi_rollup.py --roles 400 --days 730
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CATEGORIES = ["product", "service", "policy", "process", "attitude"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=400)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--occurrences-per-day", type=int, default=2)
    args = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def timed(label: str, action):
    """Run ``action``; print its time, query count and result; return the result."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
    print(f"{label:<48} {elapsed * 1000:>10.1f} ms {len(queries.captured_queries):>6} queries")
    return result


def run(args) -> None:
    from gaps.models import Gap, Occurrence, Role, Team
    from roi import selectors, services
    from roi.models import CostModel, DailyRollup, MonthlyRoleRollup, MonthlyTeamRollup
    from roi.team_days import team_days_write

    rng = random.Random(7)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    first = today - timedelta(days=args.days)
    CostModel.objects.create(effective_from=first, cost_per_contact=Decimal("6.00"))

    teams = Team.objects.bulk_create(
        [Team(name=f"Team {n}", slug=f"team-{n}") for n in range(args.teams)]
    )
    roles = Role.objects.bulk_create(
        [
            Role(name=f"Role {n}", team=teams[n % len(teams)], level="manager")
            for n in range(args.roles)
        ]
    )

    started = time.perf_counter()
    batch: list[DailyRollup] = []
    run_at = datetime.now(UTC)
    written = 0
    day = first
    while day < yesterday:
        for role in roles:
            for category in CATEGORIES:
                batch.append(
                    DailyRollup(
                        date=day,
                        team_id=role.team_id,
                        role_id=role.pk,
                        category=category,
                        gaps_opened=rng.randint(0, 1),
                        occurrences=rng.randint(0, 9),
                        cost_incurred=Decimal(rng.randint(0, 20000)) / 100,
                        measured_savings=Decimal(rng.randint(0, 9000)) / 100,
                        estimated_savings=Decimal(rng.randint(0, 3000)) / 100,
                        computed_at=run_at,
                    )
                )
        if len(batch) >= 20_000:
            DailyRollup.objects.bulk_create(batch, batch_size=5_000)
            written += len(batch)
            batch = []
        day += timedelta(days=1)
    DailyRollup.objects.bulk_create(batch, batch_size=5_000)
    written += len(batch)
    print(
        f"{'built synthetic daily rows':<48} {time.perf_counter() - started:>10.1f} s  "
        f"{written:>9,} rows"
    )

    # A gap history for the nightly run: per role, a gap closed 45 days ago with occurrences
    # before and after, and an open one with recent occurrences.
    gaps = []
    for role in roles:
        closed_at = datetime.combine(today - timedelta(days=45), datetime.min.time(), UTC)
        common = {
            "expectation": "e",
            "delivery": "d",
            "category": rng.choice(CATEGORIES),
            "causing_role": role,
            "causing_team_id": role.team_id,
            "severity": 3,
            "detected_on": today - timedelta(days=200),
            "cost_to_serve": Decimal("8.00"),
            "revenue_at_risk": Decimal("20.00"),
        }
        gaps.append(
            Gap(
                title=f"Closed {role.pk}",
                status="closed",
                closed_at=closed_at,
                root_cause="fixed",
                **common,
            )
        )
        gaps.append(Gap(title=f"Open {role.pk}", **common))
    gaps = Gap.objects.bulk_create(gaps)
    occurrences = []
    for gap in gaps:
        for back in range(1, 136):
            for n in range(rng.randint(0, args.occurrences_per_day)):
                occurrences.append(
                    Occurrence(
                        gap=gap,
                        occurred_at=datetime.combine(
                            today - timedelta(days=back), datetime.min.time(), UTC
                        )
                        + timedelta(hours=rng.randint(0, 23)),
                        source="bench",
                        external_id=f"{gap.pk}-{back}-{n}",
                    )
                )
    Occurrence.objects.bulk_create(occurrences, batch_size=10_000)
    print(f"{'gaps / occurrences':<48} {len(gaps):>10,}    {len(occurrences):>9,}")

    timed(
        "month aggregates over all days (one-off)",
        lambda: services._write_monthly(first, yesterday, run_at),
    )
    timed(
        "team days over all days (one-off)",
        lambda: team_days_write(first=first, last=yesterday, run_at=run_at),
    )
    print(
        f"{'  months × teams rows / months × roles rows':<48} "
        f"{MonthlyTeamRollup.objects.count():>10,}    {MonthlyRoleRollup.objects.count():>9,}"
    )
    result = timed(
        "nightly rollup (yesterday)",
        lambda: services.rollup_run(first=yesterday, last=yesterday, trigger="nightly"),
    )
    print(f"{'  daily rows written':<48} {result.daily_rows:>10,}")
    timed(
        "nightly rollup (nothing due)",
        lambda: services.rollup_nightly(today=today),
    )
    timed(
        "rollup of the last 7 days (late occurrences)",
        lambda: services.rollup_run(first=today - timedelta(days=7), last=yesterday),
    )

    board = timed("dashboard (all teams)", lambda: selectors.dashboard())
    print(
        f"{'  month rows read':<48} {len(board.months) and MonthlyTeamRollup.objects.count():>10,}"
    )
    timed("dashboard (one team)", lambda: selectors.dashboard(team=teams[0]))
    timed("recognition board (one year)", lambda: selectors.recognition(today.year))
    timed("summary from the rollups (API)", lambda: selectors.roi_summary(as_of=today))
    timed(
        "summary mid-month (months + days)",
        lambda: selectors.roi_summary(as_of=today - timedelta(days=today.day // 2 + 20)),
    )
    print(f"{'daily rows in total':<48} {DailyRollup.objects.count():>10,}")


if __name__ == "__main__":
    main()
