"""Benchmark: the gap lists, insight search and feeds at enterprise size, with their query plans.

Uses the dataset of ``make bench`` (``bench/dataset.py``: the same scratch database
``<name>_bench`` beside ``DATABASE_URL``'s, kept between runs; SCALE=1 is 50,000 gaps, 10,000
insights and their feed items), then requests each list the way the app serves it (Django's
test client, in process: no HTTP server) and prints, per list, the SQL queries the app issued,
the request time (p50/p95 over ``--repeat`` warm requests: counts cached, as in steady use) and,
for every query of a cold request (nothing cached), ``EXPLAIN ANALYZE``'s plan and execution
time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cx_lists REDIS_URL=redis://127.0.0.1:6379/4 \\
        /work/main/.venv/bin/python bench/lists_explain.py [--regenerate] [--scale 1.0]

Figures of a run on the development machine are in ``docs/lists.md``.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.test_settings")

import dataset  # noqa: E402 - bench/ is put on the path just above
import harness  # noqa: E402

SEED = 13


def explain(sql: str) -> tuple[float, list[str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    execution = next(
        (float(line.split(":")[1].split()[0]) for line in lines if line.startswith("Execution")),
        0.0,
    )
    return execution, lines


def measure(client, name: str, url: str, repeat: int, plans: bool) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # a cold request: counts computed, so their plans show too
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as warm:
            client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    figures = {
        "name": name,
        "url": url,
        "queries_cold": len(cold.captured_queries),
        "queries_warm": len(warm.captured_queries),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
    }
    print(f"\n=== {name}: {url}")
    print(
        f"    request p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms (warm, in process); "
        f"{figures['queries_cold']} queries cold, {figures['queries_warm']} warm"
    )
    sql_total = 0.0
    for query in cold.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
            continue
        execution, lines = explain(sql)
        sql_total += execution
        print(f"  -- {execution:8.3f} ms  {sql[:150]}{'…' if len(sql) > 150 else ''}")
        if plans:
            for line in lines:
                print(f"       {line}")
    figures["sql_cold_ms"] = round(sql_total, 2)
    print(f"    SQL of the cold request (EXPLAIN ANALYZE, summed): {sql_total:.2f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="make the data again")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 50,000 gaps (make bench's)")
    parser.add_argument("--repeat", type=int, default=30, help="warm requests per list")
    parser.add_argument("--no-plans", action="store_true", help="times only, no plan text")
    args = parser.parse_args()

    url = harness.scratch_url("bench")
    held = dataset.ensure(db_url=url, scale=args.scale, seed=SEED, keep=not args.regenerate)
    print(f"dataset: {held}")
    os.environ["DATABASE_URL"] = url

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, in-memory mail

    cx = Client()
    cx.force_login(User.objects.get(username="cx"))
    owner = Client()
    owner.force_login(User.objects.get(username="owner"))
    scenarios = [
        (cx, "api_gap_list", "/api/v1/gaps/?status=open"),
        (cx, "api_gap_list_page_50", "/api/v1/gaps/?status=open&page=50"),
        (cx, "api_gap_list_page_250", "/api/v1/gaps/?status=open&page=250"),
        (cx, "api_gap_list_all_deep", "/api/v1/gaps/?page=900"),
        (cx, "api_gap_list_theme", "/api/v1/gaps/?status=open&theme=3&theme=7&page=20"),
        (cx, "html_gap_list", "/gaps/"),
        (cx, "html_gap_list_open_deep", "/gaps/?status=open&page=500"),
        (cx, "html_gap_list_by_severity", "/gaps/?ordering=-severity&page=40"),
        (owner, "html_my_gaps", "/gaps/mine/?status=open"),
        (cx, "api_insight_search", "/api/v1/insights/?q=invoice"),
        (cx, "html_insight_search", "/insights/?q=invoice"),
        (cx, "html_insight_list", "/insights/?page=100"),
        (owner, "html_feed", "/insights/feed/1/"),
        (owner, "html_feed_deep", "/insights/feed/1/?page=60"),
        (owner, "api_feed_items", "/api/v1/feed-items/?role=1"),
        (owner, "api_feed_items_new", "/api/v1/feed-items/?role=1&state=new&page=2"),
    ]
    results = [
        measure(client, name, path, args.repeat, not args.no_plans)
        for client, name, path in scenarios
    ]
    print("\nsummary (warm p50 / p95 ms in process, queries per request, cold SQL ms):")
    for row in results:
        print(
            f"  {row['name']:28} {row['p50_ms']:7.1f} {row['p95_ms']:7.1f}  "
            f"{row['queries_warm']:2d}/{row['queries_cold']:2d} queries  {row['sql_cold_ms']:8.2f}"
        )
    day = datetime.now(UTC).date().isoformat()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n{day}, {os.cpu_count()} CPUs (load {load}), database {url.rsplit('/', 1)[1]}")


if __name__ == "__main__":
    main()
