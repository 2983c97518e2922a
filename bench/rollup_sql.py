"""Benchmark: a full rollup against one hand-written grouped query (the "floor"), with a profile.

Uses ``make bench``'s dataset (``bench/dataset.py``: the scratch database ``<name>_bench``
beside ``DATABASE_URL``'s, generated once with ``COPY`` and kept between runs; SCALE=1 is
50,000 gaps and 5,000,000 occurrences over two years), first undoing what an earlier
measurement added (``run.clean_previous_run``). Then, through the same measures as
``bench/run.py`` (one JSON object per line: ``name``, ``value``, ``unit``):

- ``rollup_s`` and ``rollup_peak_rss_mb``: ``manage.py rollup --since <first data day>`` in a
  child process;
- ``rollup_sql_floor_s`` and ``rollup_ratio_to_floor``: ``run.FLOOR_SQL``, one grouped pass
  over the same occurrences (issue 13's target: a ratio ≤ 2);
- ``rollup_nightly_s``: one day of new occurrences, then the nightly run.

With ``--profile`` the full run is repeated in process, inside a transaction rolled back at
the end: each statement's time, slowest first, and the ``EXPLAIN ANALYZE`` of the slowest
(its temporary tables still there). ``bench/results.json`` is left alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \\
        bench/rollup_sql.py --scale 0.1 --profile
"""

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, harness, run


def profile() -> None:
    """The full run again, in process and rolled back: statements slowest first, and the plan
    of the slowest."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from roi import services

    yesterday = datetime.now(UTC).date() - services.ONE_DAY
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            services.rollup_run(first=services.first_data_day(), last=yesterday)
            total = time.perf_counter() - started
        ranked = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        run.log(f"profile: {len(ranked)} statements, {total:.1f} s in all")
        for query in ranked[:10]:
            seconds = float(query["time"])
            text = " ".join(query["sql"].split())[:140]
            run.log(f"{seconds:8.2f} s {100 * seconds / total:5.1f} %  {text}")
        slowest = ranked[0]["sql"]
        words = slowest.split()
        with connection.cursor() as cursor:
            if words[:3] == ["CREATE", "TEMP", "TABLE"]:
                cursor.execute(f"DROP TABLE {words[3]}")  # made again by the plan below
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest)
            for (line,) in cursor.fetchall():
                run.log(line)
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = make bench SCALE=1")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--regenerate", action="store_true", help="make the data again")
    parser.add_argument("--profile", action="store_true", help="statements and slowest plan")
    args = parser.parse_args()

    db_url = harness.scratch_url("bench")
    held = dataset.ensure(db_url=db_url, scale=args.scale, seed=args.seed, keep=not args.regenerate)
    run.log(f"dataset: {held}")
    env = harness.app_environment(db_url)
    dataset.setup_django(db_url)
    run.clean_previous_run()
    figures = run.Figures({"scale": args.scale, "seed": args.seed}, results=None)
    run.measure_rollup(figures, env)
    run.measure_floor(figures)
    sizes = dataset.Sizes.at(args.scale)
    run.measure_nightly(figures, env, max(100, sizes.occurrences // sizes.days))
    if args.profile:
        profile()


if __name__ == "__main__":
    main()
