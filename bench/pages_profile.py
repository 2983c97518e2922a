"""The work one page or API list request does, in process: Python calls, CPU, SQL.

On a shared machine wall-clock latencies over HTTP say mostly how busy the cores are; what a
request costs does not depend on that. This script takes the five requests of issue 13's page
and list figures through Django's test client with the production settings (the same as
gunicorn's) against the bench's scratch database, warm (caches filled by a few requests
first), and prints per request, as medians over ``--requests``: the Python function calls
(cProfile), the CPU time of this process (``time.process_time``), the SQL statements and the
time spent in them. ``--profile NAME`` prints the cProfile of that request instead.

    DATABASE_URL=postgres://…/cx_pages_bench python bench/pages_profile.py --seed 13
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset

REQUESTS = ("gap_page_html", "dashboard", "feed", "gap_list", "gap_list_deep", "insight_search")


class SqlTimer:
    """``connection.execute_wrapper``: how many statements ran, and for how long."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def clients(seed: int) -> dict:
    """(client, path, data) of each request, signed in or with a token as the bench does."""
    from django.contrib.auth.models import User
    from django.test import Client

    def signed_in(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    api = Client(HTTP_AUTHORIZATION=f"Token {dataset.token_key(seed, 'cx')}")
    owner = User.objects.get(username="owner")
    role = owner.owned_roles.order_by("pk").first()
    return {
        "gap_page_html": (signed_in("cx"), "/gaps/", {"status": "open"}),
        "dashboard": (signed_in("exec"), "/roi/", {}),
        "feed": (signed_in("owner"), f"/insights/feed/{role.pk}/", {}),
        "gap_list": (api, "/api/v1/gaps/", {"status": "open", "page": "50"}),
        "gap_list_deep": (api, "/api/v1/gaps/", {"page": "500"}),
        "insight_search": (api, "/api/v1/insights/", {"q": "invoice"}),
    }


def last_page_if_fewer(client, path: str, data: dict) -> None:
    """Fewer pages than asked at a small scale: the last one, as the bench takes it."""
    if "page" in data and client.get(path, data).status_code == 404:
        count = client.get(path, {**data, "page": "1"}).json()["count"]
        data["page"] = str(max(1, -(-count // 50)))


def warmed(request: tuple, warm: int) -> tuple:
    """A request's client, path and data, its page clamped and ``warm`` times asked already."""
    client, path, data = request
    last_page_if_fewer(client, path, data)
    for _ in range(warm):
        client.get(path, data)
    return client, path, data


def measure(client, path: str, data: dict, requests: int, warm: int, cold: bool = False) -> dict:
    from django.db import connection

    from cxalign import generations
    from roi import board_cache

    last_page_if_fewer(client, path, data)

    def get():
        if cold:
            # As the first request after a rollup run: nothing of the dashboard cached.
            generations.replace(board_cache.GENERATION)
        answer = client.get(path, data)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")
        return answer

    for _ in range(warm):
        get()
    calls, cpu, sql_count, sql_ms = [], [], [], []
    for _ in range(requests):
        timer = SqlTimer()
        profiler = cProfile.Profile()
        with connection.execute_wrapper(timer):
            started = time.process_time()
            get()
            cpu.append((time.process_time() - started) * 1000)
        # Calls counted in a second request (the profiler inflates the CPU it measures).
        with connection.execute_wrapper(SqlTimer()):
            profiler.enable()
            get()
            profiler.disable()
        calls.append(sum(stat[1] for stat in pstats.Stats(profiler).stats.values()))  # type: ignore[attr-defined]
        sql_count.append(timer.count)
        sql_ms.append(timer.seconds * 1000)
    return {
        "calls": int(statistics.median(calls)),
        "cpu_ms": round(statistics.median(cpu), 1),
        "sql": int(statistics.median(sql_count)),
        "sql_ms": round(statistics.median(sql_ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=REQUESTS, default=list(REQUESTS))
    parser.add_argument("--profile", choices=REQUESTS)
    parser.add_argument("--sql", choices=REQUESTS, help="print the statements of one request")
    parser.add_argument("--dump", help="write each answer's body into this folder (to compare)")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="measure the dashboard's content uncached (as after a rollup run), not warm",
    )
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=60)
    args = parser.parse_args()

    dataset.setup_django(os.environ["DATABASE_URL"])
    from bench import harness

    harness.ensure_static(dict(os.environ))
    requests = clients(args.seed)
    if args.dump:
        import re

        folder = Path(args.dump)
        folder.mkdir(parents=True, exist_ok=True)
        for name in args.only:
            client, path, data = warmed(requests[name], args.warm)
            body = client.get(path, data).content.decode()
            # The CSRF token is masked anew on every request.
            body = re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1…", body)
            (folder / f"{name}.txt").write_text(body)
        return
    if args.sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client, path, data = warmed(requests[args.sql], args.warm)
        with CaptureQueriesContext(connection) as captured:
            client.get(path, data)
        for query in captured.captured_queries:
            print(f"{query['time']} ms: {query['sql']}\n")
        return
    if args.profile:
        client, path, data = warmed(requests[args.profile], args.warm)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(path, data)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
        return
    for name in args.only:
        client, path, data = requests[name]
        figures = measure(client, path, dict(data), args.requests, args.warm, args.cold)
        print(json.dumps({"name": name + ("_cold" if args.cold else ""), **figures}), flush=True)


if __name__ == "__main__":
    main()
