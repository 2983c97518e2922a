"""Benchmark: pushing occurrences in bulk, as integrations do, and re-sending them.

Runs against a throwaway database created like the test database (``test_<name>`` of
``DATABASE_URL``, or an in-memory SQLite one) and dropped at the end, so it never touches
real data. Prints rows per second for fresh batches, for re-sent batches (all duplicates) and
the number of SQL queries per batch.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \
        bench/occurrences_ingest.py --batches 20 --batch-size 5000
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.batches, args.batch_size)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(batches: int, batch_size: int) -> None:
    from gaps.models import Gap, Role, Team, Touchpoint
    from gaps.occurrences import OccurrenceInput, occurrences_record

    team = Team.objects.create(name="Billing", slug="billing")
    role = Role.objects.create(name="Billing Operations Manager", team=team, level="manager")
    touchpoint = Touchpoint.objects.create(
        name="Phone", team=team, channel="phone", cost_per_contact=5
    )
    gaps = [
        Gap.objects.create(
            title=f"Gap {n}",
            expectation="e",
            delivery="d",
            category="process",
            causing_role=role,
            causing_team=team,
            severity=3,
            touchpoint=touchpoint,
        )
        for n in range(20)
    ]
    start = timezone.now() - timedelta(days=365)

    def batch(b: int) -> list[OccurrenceInput]:
        return [
            OccurrenceInput(
                gap=gaps[i % len(gaps)],
                occurred_at=start + timedelta(minutes=b * batch_size + i),
                source="support_desk",
                external_id=f"{b}-{i}",
            )
            for i in range(batch_size)
        ]

    prepared = [batch(b) for b in range(batches)]
    for label in ("fresh", "re-sent"):
        elapsed = 0.0
        created = duplicates = 0
        with CaptureQueriesContext(connection) as queries:
            for items in prepared:
                began = time.perf_counter()
                result = occurrences_record(items=items)
                elapsed += time.perf_counter() - began
                created += result.created
                duplicates += result.duplicates
        rows = batches * batch_size
        print(
            f"{connection.vendor:<10} {label:<8} {rows:>9,} rows in {elapsed:6.2f} s "
            f"= {rows / elapsed:>9,.0f} rows/s; created {created:,}, duplicates {duplicates:,}; "
            f"{len(queries) / batches:.1f} queries per batch of {batch_size:,}"
        )


if __name__ == "__main__":
    main()
