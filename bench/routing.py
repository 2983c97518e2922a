"""Benchmark: routing published insights into the feeds of an enterprise-sized organisation.

Uses ``make bench``'s dataset (``bench/dataset.py``: the scratch database ``<name>_bench``
beside ``DATABASE_URL``'s, kept between runs; SCALE=1 is 40 teams, 400 roles, 10,000 insights
with their themes and gaps, 20 routing rules). Times a full re-route
(``insights_route_published``: the task a rule change queues) from empty feeds, then again over
the full ones, inside a transaction rolled back at the end, so the dataset is left as it was.
Prints one JSON object per line (``name``, ``value``, ``unit``), the first being
``routing_insights_per_s`` (issue 13's figure; ``make bench`` measures 200 insights the same way
through ``bench/probes.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \\
        bench/routing.py --scale 0.1 --profile
"""

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, harness


class Rollback(Exception):
    """Leaves the measuring transaction: the kept dataset must not change."""


def measure(profile: bool) -> list[tuple[str, float | int, str]]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from insights.models import FeedItem, Insight
    from insights.services import insights_route_published

    figures: list[tuple[str, float | int, str]] = []
    try:
        with transaction.atomic():
            FeedItem.objects.all().delete()
            for label in ("empty", "full"):
                profiler = cProfile.Profile() if profile and label == "empty" else None
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    if profiler:
                        profiler.enable()
                    routed = insights_route_published()
                    if profiler:
                        profiler.disable()
                    seconds = time.perf_counter() - started
                if profiler:
                    stats = pstats.Stats(profiler, stream=sys.stderr)
                    stats.sort_stats("cumulative").print_stats(25)
                name = "routing_insights_per_s" if label == "empty" else "rerouting_insights_per_s"
                figures += [
                    (name, round(routed / seconds, 1), "insights/s"),
                    (f"routing_{label}_queries", len(queries.captured_queries), "queries"),
                ]
            figures.append(("routing_feed_items", FeedItem.objects.count(), "rows"))
            figures.append(("routing_insights", Insight.objects.count(), "insights"))
            raise Rollback
    except Rollback:
        pass
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = make bench SCALE=1")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--regenerate", action="store_true", help="make the data again")
    parser.add_argument("--profile", action="store_true", help="print the top of a profile")
    args = parser.parse_args()

    db_url = harness.scratch_url("bench")
    held = dataset.ensure(db_url=db_url, scale=args.scale, seed=args.seed, keep=not args.regenerate)
    print(f"# dataset: {held}", file=sys.stderr)
    dataset.setup_django(db_url)
    for name, value, unit in measure(args.profile):
        print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


if __name__ == "__main__":
    main()
