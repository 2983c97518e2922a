"""``make bench``: the enterprise figures of issue 13, measured truthfully at any SCALE.

Builds (or, with ``--keep``, reuses) the dataset of ``bench/dataset.py`` in a scratch database of
its own (``<name>_bench`` beside ``DATABASE_URL``), then measures through the app's public entry
points only: ``manage.py rollup`` in a child process, the HTTP API and pages of a gunicorn with
DEBUG off and 2 workers, ``insights.services.insights_route``, and the test client for SQL counts
(``bench/probes.py``). Each figure is printed as one JSON line (``name``, ``value``, ``unit``, and a
``note`` where it needs one) and all of them are written to ``bench/results.json``. A figure
whose entry point is missing or failed is ``null`` with a note: the run goes on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cx_bench python bench/run.py --scale 0.02
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, harness, probes

RESULTS = Path(__file__).resolve().parent / "results.json"
BENCH_SOURCES = ("bench-api", "bench-copy", "bench-nightly", "bench-probe")
# What ``--only`` can pick (default: all, in this order).
MEASURES = ("rollup", "probes", "routing", "http", "ingest", "seed_demo")
# The hand-written floor for the rollup: one grouped pass over the same occurrences, per
# (day, team, role, category), with the unit cost the gap, its touchpoint and the cost model give.
FLOOR_SQL = """
CREATE TEMP TABLE bench_rollup_floor AS
WITH cost_model AS (
    SELECT effective_from AS first_day,
           coalesce(lead(effective_from) OVER (ORDER BY effective_from), 'infinity') AS end_day,
           cost_per_contact, revenue_at_risk_per_occurrence
    FROM roi_costmodel
)
SELECT (o.occurred_at AT TIME ZONE 'UTC')::date AS day,
       g.causing_team_id AS team_id, g.causing_role_id AS role_id, g.category,
       count(*) AS occurrences,
       sum(coalesce(g.cost_to_serve, t.cost_per_contact, cm.cost_per_contact, 0)
           + coalesce(g.revenue_at_risk, cm.revenue_at_risk_per_occurrence, 0)) AS cost_incurred
FROM gaps_occurrence o
JOIN gaps_gap g ON g.id = o.gap_id
LEFT JOIN gaps_touchpoint t ON t.id = g.touchpoint_id
LEFT JOIN cost_model cm ON (o.occurred_at AT TIME ZONE 'UTC')::date >= cm.first_day
                       AND (o.occurred_at AT TIME ZONE 'UTC')::date < cm.end_day
GROUP BY 1, 2, 3, 4
"""


class Figures:
    """Collects figures, prints each as a JSON line, and keeps ``bench/results.json`` current."""

    def __init__(self, meta: dict, results: Path | None = RESULTS):
        self.meta = meta
        self.items: list[dict] = []
        self.results = results  # None: printed only (the other bench scripts)

    def add(self, name: str, value, unit: str, note: str | None = None, **extra) -> None:
        item = {"name": name, "value": value, "unit": unit}
        if note:
            item["note"] = note
        item.update(extra)
        self.items.append(item)
        print(json.dumps(item, default=str), flush=True)
        if self.results is not None:
            self.results.write_text(
                json.dumps({"meta": self.meta, "figures": self.items}, indent=2, default=str) + "\n"
            )

    def value(self, name: str):
        return next((i["value"] for i in self.items if i["name"] == name), None)

    def guarded(self, names: list[tuple[str, str]], action: Callable[[], None]) -> None:
        """Run a measure; if it fails, its figures are ``null`` with the error as the note."""
        try:
            action()
        except Exception as error:  # a broken entry point must not stop the other measures
            traceback.print_exc(file=sys.stderr)
            note = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
            for name, unit in names:
                if not any(item["name"] == name for item in self.items):
                    self.add(name, None, unit, note)


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def ratio(a, b) -> float | None:
    return round(a / b, 3) if a is not None and b else None


# --- Measures ----------------------------------------------------------------------------------


def clean_previous_run() -> None:
    """Undo what an earlier measurement added to a kept dataset, so every run starts alike."""
    from django.apps import apps
    from django.db import DatabaseError, connection, transaction

    from gaps.models import Occurrence

    Occurrence.objects.filter(source__in=BENCH_SOURCES).delete()
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("roi").get_models()
        if "Rollup" in model.__name__ or "Snapshot" in model.__name__
    ]
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
        except DatabaseError as error:  # a table another branch added refers to these: keep them
            log(f"rollup tables kept ({error}); the full rollup rewrites them")
        cursor.execute("ANALYZE gaps_occurrence")


def measure_rollup(figures: Figures, env: dict[str, str]) -> None:
    from roi import services

    first = services.first_data_day()
    log(f"full rollup from {first} (manage.py rollup --since, child process)")
    seconds, rss, out = harness.run_child(
        [harness.PYTHON, str(harness.ROOT / "manage.py"), "rollup", "--since", str(first)], env
    )
    figures.add("rollup_s", round(seconds, 2), "s", out.strip().splitlines()[-1] if out else None)
    figures.add("rollup_peak_rss_mb", rss, "MB", "max RSS of the rollup's child process")


def measure_floor(figures: Figures) -> None:
    from django.db import connection

    log("rollup SQL floor (one grouped query)")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_rollup_floor")
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_rollup_floor")
        groups = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_rollup_floor")
    figures.add(
        "rollup_sql_floor_s",
        round(seconds, 2),
        "s",
        f"{groups} (day, team, role, category) groups of counts and cost",
    )
    figures.add(
        "rollup_ratio_to_floor", ratio(figures.value("rollup_s"), seconds), "x", "target ≤ 2"
    )


COPY_COLUMNS = ["gap_id", "occurred_at", "source", "external_id", "customer_ref", "recorded_at"]


def copy_occurrences(rows: list[tuple], columns: list[str] = COPY_COLUMNS) -> float:
    """COPY ``rows`` into the occurrence table; returns the seconds the statement took."""
    from gaps.models import Occurrence

    started = time.perf_counter()
    dataset.copy_rows(Occurrence, columns, rows)
    return time.perf_counter() - started


def measure_nightly(figures: Figures, env: dict[str, str], per_day: int) -> None:
    from django.db import transaction

    from gaps.models import Gap

    now = datetime.now(UTC)
    yesterday = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=1)
    gap_ids = list(
        Gap.objects.exclude(status="prevented").order_by("pk").values_list("pk", flat=True)
    )
    rows = [
        (
            gap_ids[(i * 7919) % len(gap_ids)],
            yesterday + timedelta(seconds=(i * 86_399) // per_day),
            "bench-nightly",
            f"n-{i}",
            "",
            now,
        )
        for i in range(per_day)
    ]
    with transaction.atomic():
        copy_occurrences(rows)
    log(f"nightly rollup after {per_day} new occurrences of yesterday (manage.py rollup)")
    seconds, _rss, out = harness.run_child(
        [harness.PYTHON, str(harness.ROOT / "manage.py"), "rollup"], env
    )
    figures.add(
        "rollup_nightly_s",
        round(seconds, 2),
        "s",
        f"{per_day} occurrences of one day after a full run; {out.strip()[-120:]}",
    )


def measure_probes(figures: Figures, env: dict[str, str], seed: int) -> None:
    script = str(Path(__file__).resolve().parent / "probes.py")
    log("SQL statements per request (test client, CaptureQueriesContext)")
    _s, _rss, out = harness.run_child([harness.PYTHON, script, "queries", "--seed", str(seed)], env)
    counts = json.loads(out.strip().splitlines()[-1])
    for name in (
        "gap_list_queries",
        "gap_page_html_queries",
        "dashboard_queries",
        "feed_queries",
        "ingest_batch_queries",
    ):
        found = counts.get(name, {})
        note = None if found.get("value") is not None else f"HTTP {found.get('status')}"
        figures.add(name, found.get("value"), "queries", note)


def measure_routing(figures: Figures, env: dict[str, str], count: int) -> None:
    script = str(Path(__file__).resolve().parent / "probes.py")
    log(f"routing up to {count} published insights (insights.services.insights_route, by 50)")
    _s, _rss, out = harness.run_child(
        [harness.PYTHON, script, "routing", "--count", str(count)], env
    )
    found = json.loads(out.strip().splitlines()[-1])
    figures.add(
        "routing_insights_per_s",
        found.get("value"),
        "insights/s",
        found.get("note")
        or f"{found['routed']} insights, {found['feed_items']} feed items, {found['seconds']} s",
    )


def measure_http(figures: Figures, server: harness.Gunicorn, args) -> None:
    seed = args.seed
    token = {name: dataset.token_key(seed, name) for name in dataset.PRINCIPALS}
    n = args.requests
    api = harness.Client(server.base, token=token["cx"])

    def pages_of(params: dict) -> tuple[int, int | None]:
        answer = api.get("/api/v1/gaps/", params=params)
        count = answer.json().get("count") if answer.status == 200 else None
        return (max(1, -(-count // 50)) if count else 1), count

    # Page 50 of the open gaps (280 pages at SCALE=1); page 500 of all gaps (1,000 pages).
    pages, count = pages_of({"status": "open"})
    all_pages, _all = pages_of({})
    page, deep = min(50, pages), min(500, all_pages)
    at = f"page {page} of {pages} ({count} open gaps)"

    def http_figure(name: str, client: harness.Client, path: str, params=None, note=""):
        found = harness.latencies(client, path, times=n, params=params, budget_s=args.budget)
        bad = f"; {found['errors']} non-2xx {found['statuses']}" if found["errors"] else ""
        few = f"; {found['samples']} samples (time budget)" if found["samples"] < n else ""
        figures.add(
            name, found["p95"], "ms", f"{note}{bad}{few}".strip("; ") or None, p50=found["p50"]
        )
        return found

    log(f"HTTP latencies, {n} sequential requests each")
    found = harness.latencies(
        api, "/api/v1/gaps/", times=n, params={"status": "open", "page": page}
    )
    figures.add("gap_list_p50_ms", found["p50"], "ms", f"/api/v1/gaps/?status=open, {at}")
    figures.add("gap_list_p95_ms", found["p95"], "ms", f"/api/v1/gaps/?status=open, {at}")
    http_figure(
        "gap_list_deep_p95_ms",
        api,
        "/api/v1/gaps/",
        {"page": deep},
        f"/api/v1/gaps/?page={deep} of {all_pages} (all gaps)"
        + ("" if deep == 500 else "; fewer than 500 pages at this scale"),
    )
    cx = harness.Client(server.base)
    cx.sign_in("cx", dataset.PASSWORD)
    http_figure("gap_page_html_p95_ms", cx, "/gaps/", {"status": "open"}, "/gaps/?status=open")
    executive = harness.Client(server.base)
    executive.sign_in("exec", dataset.PASSWORD)
    http_figure("dashboard_p95_ms", executive, "/roi/", None, "/roi/ (executive)")
    exec_api = harness.Client(server.base, token=token["exec"])
    http_figure(
        "roi_summary_p95_ms", exec_api, "/api/v1/roi/summary/", None, "/api/v1/roi/summary/"
    )
    owner = harness.Client(server.base)
    owner.sign_in("owner", dataset.PASSWORD)
    role = _owner_role()
    http_figure("feed_p95_ms", owner, f"/insights/feed/{role}/", None, f"/insights/feed/{role}/")
    http_figure(
        "insight_search_p95_ms", api, "/api/v1/insights/", {"q": "invoice"}, "?q=invoice (API)"
    )

    log(f"mixed reads: {args.clients} clients for {args.mixed_seconds} s")
    sessions = {"cx": cx.cookies, "exec": executive.cookies, "owner": owner.cookies}
    mix = [
        ("cx", "/api/v1/gaps/", {"status": "open", "page": page}),
        ("cx", "/gaps/", {"status": "open"}),
        ("exec", "/roi/", None),
        ("exec-api", "/api/v1/roi/summary/", None),
        ("owner", f"/insights/feed/{role}/", None),
        ("cx", "/api/v1/insights/", {"q": "invoice"}),
        ("cx", "/api/v1/gaps/", {"page": deep}),
        ("owner", "/gaps/mine/", None),
    ]

    who_of = list(dict.fromkeys(entry[0] for entry in mix))  # thread n signs in as who_of[n % …]
    requests = {who: [(p, q) for w, p, q in mix if w == who] for who in who_of}

    def make_client(n: int) -> harness.Client:
        who = who_of[n % len(who_of)]
        if who == "exec-api":
            return harness.Client(server.base, token=token["exec"])
        return harness.Client(server.base, cookies=dict(sessions[who]))

    load = harness.concurrent_load(
        make_client,
        lambda n: requests[who_of[n % len(who_of)]],
        clients=args.clients,
        seconds=args.mixed_seconds,
    )
    figures.add(
        "mixed_read_rps",
        load["rps"],
        "requests/s",
        f"{args.clients} clients, {args.mixed_seconds} s, {load['requests']} requests, "
        f"p50 {load['p50']} ms, p95 {load['p95']} ms",
    )
    figures.add("error_count", load["errors"], "requests", "non-2xx or failed in the mixed reads")


def _owner_role() -> int:
    from gaps.models import Role

    return (
        Role.objects.filter(owners__username="owner").order_by("pk").values_list("pk", flat=True)[0]
    )


def measure_ingest(figures: Figures, server: harness.Gunicorn, args) -> None:
    from django.db import transaction

    from gaps.models import Gap

    gap_ids = probes.ingest_gap_ids()
    client = harness.Client(server.base, token=dataset.token_key(args.seed, "integration"))
    batches = [
        probes.ingest_items(gap_ids, size=args.batch_size, batch=b, source="bench-api")
        for b in range(args.ingest_batches)
    ]
    # The same rows as the API stored: each with its gap's touchpoint (the API fills it in, and
    # its foreign key is checked like the gap's), read before the clock starts.
    touchpoints = dict(
        Gap.objects.filter(pk__in={item["gap"] for body in batches for item in body}).values_list(
            "pk", "touchpoint_id"
        )
    )
    now = datetime.now(UTC)
    copy_rows = [
        (
            item["gap"],
            datetime.fromisoformat(item["occurred_at"].replace("Z", "+00:00")),
            touchpoints[item["gap"]],
            "bench-copy",
            item["external_id"],
            "",
            now,
        )
        for body in batches
        for item in body
    ]
    # Each worker's first requests import the views and open its connection: not timed (with
    # ``--only ingest`` nothing else warmed them).
    for n in range(2 * args.workers):
        warm_up = probes.ingest_items(gap_ids, size=10, batch=n, source="bench-api")
        client.post(
            "/api/v1/occurrences/",
            json_body=[{**item, "external_id": f"warm-{item['external_id']}"} for item in warm_up],
        )
    # Both sides then start from the same pages: the rows' first writes into the index pages of
    # their gaps since the last checkpoint (full-page images in the WAL, reads into shared
    # buffers) fell on the API's first batches, and the COPY after them found those pages
    # warm. One COPY of the same rows, rolled back, pays that for both, untimed.
    columns = [*COPY_COLUMNS[:2], "touchpoint_id", *COPY_COLUMNS[2:]]
    with transaction.atomic():
        copy_occurrences([(*row[:3], "bench-warm", *row[4:]) for row in copy_rows], columns)
        transaction.set_rollback(True)
    log(f"ingest over HTTP: {len(batches)} POSTs of {args.batch_size} occurrences")
    elapsed, created, failed = 0.0, 0, 0
    for body in batches:
        answer = client.post("/api/v1/occurrences/", json_body=body)
        elapsed += answer.elapsed_ms / 1000
        if 200 <= answer.status < 300:
            created += answer.json().get("created", 0)
        else:
            failed += 1
    rows = len(batches) * args.batch_size
    api_rate = round(rows / elapsed, 1) if not failed else None
    note = f"{rows} rows, {created} created" + (f"; {failed} batches failed" if failed else "")
    figures.add("ingest_api_rows_per_s", api_rate, "rows/s", note)
    # Timed to its COMMIT, as each POST is: the occurrence's foreign keys are deferred, so
    # their checks (one per row and key) run there, and a COPY is stored only once committed.
    started = time.perf_counter()
    with transaction.atomic():
        statement_seconds = copy_occurrences(copy_rows, columns)
    seconds = time.perf_counter() - started
    copy_rate = round(rows / seconds, 1)
    figures.add(
        "ingest_copy_rows_per_s", copy_rate, "rows/s", f"{rows} rows, one COPY, to its COMMIT"
    )
    figures.add(
        "ingest_copy_statement_rows_per_s",
        round(rows / statement_seconds, 1),
        "rows/s",
        "the same COPY without its COMMIT (the foreign-key checks): the measure before 2026-12-02",
    )
    figures.add("ingest_ratio_to_copy", ratio(api_rate, copy_rate), "x", "target ≥ 0.25")


def measure_seed_demo(figures: Figures) -> None:
    """``manage.py seed_demo`` into an empty scratch database (the suite used to assert it)."""
    url = harness.scratch_url("seed")
    harness.recreate_database(url)
    try:
        env = harness.app_environment(url, CELERY_TASK_ALWAYS_EAGER="1")
        harness.manage(env, "migrate", "--noinput")
        log("seed_demo into an empty database")
        seconds, rss, _out = harness.run_child(
            [harness.PYTHON, str(harness.ROOT / "manage.py"), "seed_demo"], env
        )
        figures.add(
            "seed_demo_s", round(seconds, 1), "s", f"peak RSS {rss} MB; was < 60 s in tests"
        )
    finally:
        harness.drop_database(url)


def _drop_queue(env: dict[str, str]) -> None:
    """Tasks the app queued during the run (no worker here): remove this run's own queue."""
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).delete(env["CELERY_TASK_DEFAULT_QUEUE"])


# --- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "0.02")))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="reuse the scratch dataset if it fits")
    parser.add_argument("--requests", type=int, default=50, help="sequential requests per page")
    parser.add_argument(
        "--budget", type=float, default=90.0, help="seconds per page's sampling (≥ 5 samples)"
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--mixed-seconds", type=float, default=30.0)
    parser.add_argument("--ingest-batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--routing", type=int, default=200, help="insights to route")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--skip-seed-demo", action="store_true")
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help=f"comma-separated measures to run, of {', '.join(MEASURES)} (default: all)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(MEASURES):
        parser.error(f"--only: unknown measures {sorted(only - set(MEASURES))}")

    db_url = harness.scratch_url("bench")
    sizes = dataset.Sizes.at(args.scale)
    meta = {
        "scale": args.scale,
        "seed": args.seed,
        "sizes": sizes.__dict__,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
        },
        "database": db_url.rsplit("/", 1)[-1],
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }
    figures = Figures(meta)
    log(f"dataset at SCALE={args.scale} seed={args.seed} in {meta['database']}")
    held = dataset.ensure(db_url=db_url, scale=args.scale, seed=args.seed, keep=args.keep)
    meta["dataset"] = held
    figures.add(
        "dataset_generate_s",
        held.get("generate_s"),
        "s",
        "kept from an earlier run" if held.get("kept") else "COPY of every table",
    )
    env = harness.app_environment(db_url)
    dataset.setup_django(db_url)
    clean_previous_run()

    if "rollup" in only:
        figures.guarded(
            [("rollup_s", "s"), ("rollup_peak_rss_mb", "MB")],
            lambda: measure_rollup(figures, env),
        )
        figures.guarded(
            [("rollup_sql_floor_s", "s"), ("rollup_ratio_to_floor", "x")],
            lambda: measure_floor(figures),
        )
        per_day = max(100, sizes.occurrences // sizes.days)
        figures.guarded([("rollup_nightly_s", "s")], lambda: measure_nightly(figures, env, per_day))
    if "probes" in only:
        figures.guarded(
            [
                (n, "queries")
                for n in (
                    "gap_list_queries",
                    "dashboard_queries",
                    "feed_queries",
                    "ingest_batch_queries",
                )
            ],
            lambda: measure_probes(figures, env, args.seed),
        )
    if "routing" in only:
        figures.guarded(
            [("routing_insights_per_s", "insights/s")],
            lambda: measure_routing(figures, env, args.routing),
        )
    if only & {"http", "ingest"}:
        with harness.gunicorn(env, workers=args.workers) as server:
            http_names = [
                (name, "ms")
                for name in (
                    "gap_list_p50_ms",
                    "gap_list_p95_ms",
                    "gap_list_deep_p95_ms",
                    "gap_page_html_p95_ms",
                    "dashboard_p95_ms",
                    "roi_summary_p95_ms",
                    "feed_p95_ms",
                    "insight_search_p95_ms",
                )
            ] + [("mixed_read_rps", "requests/s"), ("error_count", "requests")]
            if "http" in only:
                figures.guarded(http_names, lambda: measure_http(figures, server, args))
            if "ingest" in only:
                figures.guarded(
                    [
                        ("ingest_api_rows_per_s", "rows/s"),
                        ("ingest_copy_rows_per_s", "rows/s"),
                        ("ingest_copy_statement_rows_per_s", "rows/s"),
                        ("ingest_ratio_to_copy", "x"),
                    ],
                    lambda: measure_ingest(figures, server, args),
                )
            figures.add(
                "web_worker_peak_rss_mb",
                server.worker_peak_rss_mb(),
                "MB",
                f"largest VmHWM of the {args.workers} gunicorn workers",
            )
    if "seed_demo" in only and not args.skip_seed_demo:
        figures.guarded([("seed_demo_s", "s")], lambda: measure_seed_demo(figures))
    _drop_queue(env)
    meta["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    figures.add(
        "bench_total_s",
        round(time.time() - datetime.fromisoformat(meta["started"]).timestamp(), 1),
        "s",
    )
    log(f"figures written to {RESULTS}")


if __name__ == "__main__":
    main()
