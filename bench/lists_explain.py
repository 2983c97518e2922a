"""Benchmark: the gap lists, insight search and feeds at enterprise size, with their query plans.

Fills a scratch PostgreSQL database of its own (``cx_lists_bench`` beside ``DATABASE_URL``'s,
or ``--database``) with ~50,000 gaps, 10,000 insights and their feed items through ``COPY``
(a few seconds), then requests each list the way the app serves it (Django's test client, in
process: no HTTP server) and prints, per list, the SQL queries the app issued, the request
time (p50/p95 over ``--repeat`` warm requests: counts cached, as in steady use) and, for every
query of a cold request (nothing cached), ``EXPLAIN ANALYZE``'s plan and execution time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cx_lists REDIS_URL=redis://127.0.0.1:6379/4 \\
        /work/main/.venv/bin/python bench/lists_explain.py [--regenerate] [--scale 1.0]

The data stays between runs (``--regenerate`` makes it again). Figures of a run on the
development machine are in ``docs/lists.md``.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.test_settings")

SEED = 13
WORDS = (
    "invoice billing refund delivery parcel courier tracking password login account checkout "
    "price discount contract renewal support chat phone hold queue email reminder statement "
    "payment card bank transfer warranty repair return label address onboarding setup manual "
    "update outage app crash slow sync export report tax receipt subscription cancel fee"
).split()
STATUS_WEIGHTS = {
    "open": 55,
    "acknowledged": 10,
    "in_remedy": 8,
    "closed": 18,
    "disputed": 3,
    "prevented": 4,
    "archived": 2,
}


def bench_database_url(database: str | None) -> str:
    """``DATABASE_URL`` with its database name replaced by the bench's own."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cxalign"))
    name = database or f"{url.path.lstrip('/') or 'cxalign'}_bench"
    if not name.endswith("_bench"):
        name = f"{name}_bench"
    return urlunsplit(url._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# Everyday filler words (made up, deterministic), so that a topic word such as "invoice" is
# in about one insight in eight, as in real findings, not in nearly all of them.
FILLER = [
    a + b + c
    for a in ("ka", "lo", "mi", "ne", "su", "ta")
    for b in "rsntl"
    for c in ("a", "e", "o", "in", "ed", "er", "ly", "um")
]
TOPIC_SHARE = 0.08


def sentence(rng: random.Random, n: int) -> str:
    words = (
        rng.choice(WORDS) if rng.random() < TOPIC_SHARE else rng.choice(FILLER) for _ in range(n)
    )
    return " ".join(words).capitalize() + "."


def generate(scale: float) -> dict:
    """Fill the bench database through COPY (organisation, gaps, insights, feed items)."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from gaps.models import Gap
    from insights.models import FeedItem, Insight

    rng = random.Random(SEED)
    n_gaps, n_insights = int(50_000 * scale), int(10_000 * scale)
    tables = [
        "insights_feeditem",
        "insights_insight_related_gaps",
        "insights_insight_themes",
        "insights_insight",
        "gaps_gap_themes",
        "gaps_gapevent",
        "gaps_gap",
        "gaps_role_owners",
        "gaps_role",
        "gaps_touchpoint",
        "gaps_theme",
        "gaps_team",
    ]
    now = datetime.now(UTC)
    today = now.date()
    with connection.cursor() as wrapper:
        wrapper.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor = wrapper.cursor

        def copy(table: str, columns: list[str], rows) -> None:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as sink:
                for row in rows:
                    sink.write_row(row)

        copy(
            "gaps_team",
            ["id", "name", "slug", "customer_facing"],
            ((t, f"Team {t:02d}", f"team-{t:02d}", t <= 3) for t in range(1, 41)),
        )
        levels = ["executive", "director", "manager", "manager", "individual_contributor"] * 2
        copy(
            "gaps_role",
            ["id", "name", "team_id", "level"],
            ((r, f"Role {r:03d}", 1 + (r - 1) // 10, levels[(r - 1) % 10]) for r in range(1, 401)),
        )
        copy(
            "gaps_touchpoint",
            ["id", "name", "team_id", "channel", "cost_per_contact"],
            ((t, f"Touchpoint {t:02d}", 1 + t % 3, "phone", "8.00") for t in range(1, 61)),
        )
        copy(
            "gaps_theme",
            ["id", "name", "slug"],
            ((t, f"Theme {t:02d}", f"theme-{t:02d}") for t in range(1, 31)),
        )

        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())

        def gap_rows():
            for g in range(1, n_gaps + 1):
                status = rng.choices(statuses, weights)[0]
                role = rng.randint(1, 400)
                detected = today - timedelta(days=rng.randint(0, 729))
                closed = status == "closed"
                prevented = status == "prevented"
                stamp = now - timedelta(seconds=rng.randint(0, 86_400 * 700))
                yield (
                    g,
                    f"{sentence(rng, 4)[:-1]} {g}",
                    sentence(rng, 14),
                    sentence(rng, 14),
                    rng.choice(["product", "service", "policy", "process", "attitude"]),
                    rng.choice(["complaint", "support_contact", "voc_survey", ""]),
                    rng.randint(1, 60),
                    role,
                    1 + (role - 1) // 10,
                    rng.randint(1, 5),
                    status,
                    detected,
                    rng.choice(["select", "get", "use", ""]),
                    "3.00" if prevented else None,
                    "0.00",
                    sentence(rng, 6) if closed else "",
                    "",
                    "",
                    0,
                    detected + timedelta(days=7),
                    now - timedelta(days=rng.randint(1, 300)) if closed else None,
                    detected if prevented else None,
                    rng.random() < 0.1,
                    0,
                    False,
                    stamp,
                    stamp,
                )

        copy(
            "gaps_gap",
            [
                "id",
                "title",
                "expectation",
                "delivery",
                "category",
                "origin",
                "touchpoint_id",
                "causing_role_id",
                "causing_team_id",
                "severity",
                "status",
                "detected_on",
                "journey_stage",
                "expected_monthly_occurrences",
                "remedy_cost",
                "root_cause",
                "dispute_reason",
                "remedy_plan",
                "remedy_progress",
                "acknowledge_due_on",
                "closed_at",
                "prevented_on",
                "overdue",
                "escalation_level",
                "recurring",
                "created_at",
                "updated_at",
            ],
            gap_rows(),
        )
        copy(
            "gaps_gap_themes",
            ["gap_id", "theme_id"],
            (
                (g, t)
                for g in range(1, n_gaps + 1)
                for t in rng.sample(range(1, 31), rng.randint(1, 2))
            ),
        )

        def insight_rows():
            for i in range(1, n_insights + 1):
                published = rng.random() < 0.9
                stamp = now - timedelta(seconds=rng.randint(0, 86_400 * 700))
                yield (
                    i,
                    f"{sentence(rng, 5)[:-1]} {i}",
                    sentence(rng, 30),
                    "\n".join(f"“{sentence(rng, 12)}”" for _ in range(3)),
                    sentence(rng, 10),
                    rng.choice(["expectation", "experience"]),
                    rng.choice(["survey", "interviews", "reviews", ""]),
                    rng.choice(["Small business", "Enterprise", "Consumers", ""]),
                    rng.choice(["Nordics", "DACH", "UK", ""]),
                    "published" if published else "draft",
                    stamp if published else None,
                    stamp,
                    stamp,
                )

        copy(
            "insights_insight",
            [
                "id",
                "title",
                "finding",
                "evidence",
                "recommendation",
                "kind",
                "source",
                "segment",
                "region",
                "status",
                "published_at",
                "created_at",
                "updated_at",
            ],
            insight_rows(),
        )
        copy(
            "insights_insight_themes",
            ["insight_id", "theme_id"],
            ((i, rng.randint(1, 30)) for i in range(1, n_insights + 1)),
        )
        copy(
            "insights_insight_related_gaps",
            ["insight_id", "gap_id"],
            ((i, rng.randint(1, n_gaps)) for i in range(1, n_insights + 1)),
        )

        # Feeds: every insight reaches five roles at random; role 1 (owned by the bench's
        # role owner) receives a third of all insights: a feed of a few thousand items.
        def feed_rows():
            item = 0
            for i in range(1, n_insights + 1):
                roles = set(rng.sample(range(2, 401), 5))
                if rng.random() < 0.33:
                    roles.add(1)
                for role in sorted(roles):
                    item += 1
                    stamp = now - timedelta(seconds=rng.randint(0, 86_400 * 700))
                    yield (
                        item,
                        role,
                        i,
                        "Routed by the bench",
                        "",
                        f"{rng.random():.3f}",
                        rng.choice(["new", "new", "read", "acting", "done"]),
                        "",
                        stamp,
                        stamp,
                    )

        copy(
            "insights_feeditem",
            [
                "id",
                "role_id",
                "insight_id",
                "reason",
                "tailored_summary",
                "relevance",
                "state",
                "dismissal_reason",
                "created_at",
                "updated_at",
            ],
            feed_rows(),
        )
        sequenced = ("gaps_team", "gaps_role", "gaps_touchpoint", "gaps_theme", "gaps_gap")
        for table in (*sequenced, "insights_insight", "insights_feeditem"):
            # Fixed names of our own tables: no input reaches this SQL.
            wrapper.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )

    cx, _ = User.objects.get_or_create(username="bench_cx")
    cx.groups.set([Group.objects.get(name="cx_team")])
    owner, _ = User.objects.get_or_create(username="bench_owner")
    owner.groups.set([Group.objects.get(name="role_owner")])
    owner.owned_roles.set([1, 2, 3])
    with connection.cursor() as wrapper:
        wrapper.execute("VACUUM ANALYZE")
    return {
        "gaps": Gap.objects.count(),
        "insights": Insight.objects.count(),
        "feed_items": FeedItem.objects.count(),
    }


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
    parser.add_argument("--database", help="scratch database name (must end in _bench)")
    parser.add_argument("--regenerate", action="store_true", help="make the data again")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 50,000 gaps")
    parser.add_argument("--repeat", type=int, default=30, help="warm requests per list")
    parser.add_argument("--no-plans", action="store_true", help="times only, no plan text")
    args = parser.parse_args()

    url = bench_database_url(args.database)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from gaps.models import Gap

    setup_test_environment()  # the test client's host, in-memory mail
    call_command("migrate", verbosity=0)
    if args.regenerate or not Gap.objects.exists():
        started = time.perf_counter()
        sizes = generate(args.scale)
        print(f"generated {sizes} in {time.perf_counter() - started:.1f} s (COPY)")

    cx = Client()
    cx.force_login(User.objects.get(username="bench_cx"))
    owner = Client()
    owner.force_login(User.objects.get(username="bench_owner"))
    scenarios = [
        (cx, "api_gap_list", "/api/v1/gaps/?status=open"),
        (cx, "api_gap_list_page_50", "/api/v1/gaps/?status=open&page=50"),
        (cx, "api_gap_list_page_500", "/api/v1/gaps/?status=open&page=500"),
        (cx, "api_gap_list_all_deep", "/api/v1/gaps/?page=900"),
        (cx, "api_gap_list_theme", "/api/v1/gaps/?status=open&theme=3&theme=7&page=20"),
        (cx, "html_gap_list", "/gaps/"),
        (cx, "html_gap_list_open_deep", "/gaps/?status=open&page=800"),
        (cx, "html_gap_list_by_severity", "/gaps/?ordering=-severity&page=40"),
        (owner, "html_my_gaps", "/gaps/mine/?status=open"),
        (cx, "api_insight_search", "/api/v1/insights/?q=invoice"),
        (cx, "html_insight_search", "/insights/?q=invoice"),
        (cx, "html_insight_list", "/insights/?page=100"),
        (owner, "html_feed", "/insights/feed/1/"),
        (owner, "html_feed_deep", "/insights/feed/1/?page=60"),
        (owner, "api_feed_items", "/api/v1/feed-items/?role=1"),
        (owner, "api_feed_items_new", "/api/v1/feed-items/?role=1&state=new&page=10"),
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
