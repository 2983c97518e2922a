"""Benchmark: bulk occurrence ingest over HTTP against PostgreSQL ``COPY`` of the same rows.

What integrations do, end to end: JSON batches POSTed with an API token to
``/api/v1/occurrences/`` served by gunicorn (started here on a free loopback port, DEBUG off,
production settings as in docker-compose.yml), by a few concurrent clients. The same rows are
also written with ``COPY`` straight into the occurrence table in the same run (one connection,
one transaction per batch, the table emptied before each phase), which is the floor that issue
13 measures ingest against (target: at least a quarter of COPY's rate). Last, the SQL
statements one batch costs are counted in-process, at two batch sizes, through the same view
(token authentication included; the recurring check triggered).

Runs against a throwaway database (``<name>_bench_ingest`` beside ``DATABASE_URL``'s), created
and migrated here and dropped at the end, so it never touches real data. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \\
        bench/occurrences_ingest.py --batches 30 --batch-size 1000 --clients 4 --workers 2

Prints a readable summary, then one JSON object per figure (``name``, ``value``, ``unit``):
``ingest_api_rows_per_s``, ``ingest_copy_rows_per_s``, ``ingest_ratio_to_copy``,
``ingest_batch_queries``.
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# This process runs the production settings too (DEBUG off), as gunicorn does.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "cxalign.settings",
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    # As docker-compose.yml runs it locally: no TLS proxy in front, so no HTTPS redirect.
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    # No collected static files here; whitenoise would say so once per worker.
    "PYTHONWARNINGS": "ignore::UserWarning",
}
os.environ.update(BENCH_ENV)
warnings.simplefilter("ignore", UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

SOURCE = "bench-desk"
COLUMNS = (
    "gap_id",
    "occurred_at",
    "touchpoint_id",
    "source",
    "external_id",
    "customer_ref",
    "recorded_at",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--gaps", type=int, default=500, help="gaps the items are spread over")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--existing", type=int, default=0, help="occurrences already in the table (via COPY)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark compares with PostgreSQL COPY: set DATABASE_URL to PostgreSQL.")

    # Not test_<name>: the test suite may be using that one at the same time.
    settings.DATABASES["default"]["TEST"]["NAME"] = (
        f"{settings.DATABASES['default']['NAME']}_bench_ingest"
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    from gaps.models import Gap

    world = seed(args.gaps)
    now = timezone.now()
    batches = [make_batch(world["gaps"], b, args.batch_size, now) for b in range(args.batches)]
    rows = args.batches * args.batch_size
    if args.existing:
        copy_rows(existing_rows(world["gaps"], args.existing, now), args.existing)

    touchpoint_of = dict(Gap.objects.values_list("pk", "touchpoint_id"))
    copy_elapsed = time_copy(batches, touchpoint_of, now)
    reset_occurrences(keep=args.existing)

    with gunicorn(args.workers) as port:
        api_elapsed, errors = time_http(port, world["key"], batches, args.clients)
    stored = count_bench_rows()
    queries = count_statements(world, args.batch_size, now)

    api_rate, copy_rate = rows / api_elapsed, rows / copy_elapsed
    print(
        f"{rows:,} rows in {args.batches} batches of {args.batch_size:,}, spread over "
        f"{args.gaps} gaps ({args.existing:,} rows already in the table)\n"
        f"  HTTP  {api_rate:>10,.0f} rows/s ({api_elapsed:.2f} s; gunicorn {args.workers} "
        f"workers, {args.clients} clients; {stored:,} rows stored, {errors} errors)\n"
        f"  COPY  {copy_rate:>10,.0f} rows/s ({copy_elapsed:.2f} s; one connection, one "
        f"transaction per batch)\n"
        f"  ratio {api_rate / copy_rate:.2f} of COPY's rate\n"
        f"  SQL statements per batch: {queries['small']} at 10 items, "
        f"{queries['large']} at {args.batch_size:,} (token auth included; the recurring check "
        "flagging 1 and up to 150 gaps)"
    )
    figures = [
        ("ingest_api_rows_per_s", round(api_rate), "rows/s"),
        ("ingest_copy_rows_per_s", round(copy_rate), "rows/s"),
        ("ingest_ratio_to_copy", round(api_rate / copy_rate, 3), "ratio"),
        ("ingest_batch_queries", queries["large"], "queries"),
        ("ingest_error_count", errors + abs(stored - rows), "errors"),
    ]
    for name, value, unit in figures:
        print(json.dumps({"name": name, "value": value, "unit": unit}))


# --- Data ---------------------------------------------------------------------------------------


def seed(gap_count: int) -> dict:
    """An organisation, ``gap_count`` gaps (a tenth of them closed a month ago, so the
    recurring check has work), a way to make more (``new_gaps``), and an integration user
    with an ``occurrences:write`` token."""
    from django.contrib.auth.models import Group, User

    from gaps import permissions
    from gaps.models import ApiToken, Gap, Role, Team, Touchpoint

    team = Team.objects.create(name="Billing", slug="billing")
    role = Role.objects.create(name="Billing Operations Manager", team=team, level="manager")
    touchpoints = [
        Touchpoint.objects.create(name=f"Line {n}", team=team, channel="phone", cost_per_contact=5)
        for n in range(6)
    ]
    closed_at = timezone.now() - timedelta(days=30)

    def gap(n: int, closed: bool) -> Gap:
        return Gap(
            title=f"Gap {n}",
            expectation="One clear invoice a month.",
            delivery="Three partial invoices.",
            category="process",
            causing_role=role,
            causing_team=team,
            severity=3,
            touchpoint=touchpoints[n % len(touchpoints)],
            status="closed" if closed else "open",
            closed_at=closed_at if closed else None,
            root_cause="Old billing run." if closed else "",
        )

    def new_gaps(count: int, *, closed_every: int) -> list[int]:
        made = Gap.objects.bulk_create(gap(n, n % closed_every == 0) for n in range(count))
        return [g.pk for g in made]

    gaps = new_gaps(gap_count, closed_every=10)
    user = User.objects.create_user("bench-desk")
    user.groups.add(Group.objects.get_or_create(name=permissions.INTEGRATION)[0])
    _, key = ApiToken.issue(user=user, name="bench", scopes=["occurrences:write"])
    return {"gaps": gaps, "new_gaps": new_gaps, "key": key}


def make_batch(gap_ids: list[int], b: int, size: int, now: datetime) -> list[dict]:
    """One batch as an integration sends it: times over the last 20 days, every id unique."""
    return [
        {
            "gap": gap_ids[(b * size + i) * 7 % len(gap_ids)],
            "occurred_at": (now - timedelta(seconds=(b * size + i) * 37 % 1_728_000))
            .isoformat()
            .replace("+00:00", "Z"),
            "source": SOURCE,
            "external_id": f"{b}-{i}",
            "customer_ref": f"C-{(b * size + i) % 9973}",
        }
        for i in range(size)
    ]


def as_rows(batch: list[dict], touchpoint_of: dict[int, int], recorded_at: datetime):
    """The table rows the API stores for a batch (the gap's touchpoint filled in)."""
    for item in batch:
        yield (
            item["gap"],
            datetime.fromisoformat(item["occurred_at"]),
            touchpoint_of[item["gap"]],
            item["source"],
            item["external_id"],
            item["customer_ref"],
            recorded_at,
        )


def existing_rows(gap_ids: list[int], count: int, now: datetime):
    for n in range(count):
        at = now - timedelta(days=30 + n % 700, seconds=n % 86_400)
        yield (gap_ids[n % len(gap_ids)], at, None, "history", f"h-{n}", "", at)


# --- Phases -------------------------------------------------------------------------------------


def copy_rows(rows, count: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY gaps_occurrence ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE gaps_occurrence")
    print(f"  ({count:,} existing occurrences copied in)")


def time_copy(batches: list[list[dict]], touchpoint_of: dict[int, int], now: datetime) -> float:
    """COPY every batch into the occurrence table, one transaction each; seconds taken.

    The rows are prepared beforehand, as the HTTP clients' bodies are: only the database's
    work (and psycopg's encoding) is timed.
    """
    prepared = [list(as_rows(batch, touchpoint_of, now)) for batch in batches]
    sql = f"COPY gaps_occurrence ({', '.join(COLUMNS)}) FROM STDIN"
    began = time.perf_counter()
    for rows in prepared:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
    return time.perf_counter() - began


def reset_occurrences(*, keep: int) -> None:
    """Empty the table of this run's rows before the next phase (keeping the 'existing' ones)."""
    with connection.cursor() as cursor:
        if keep:
            cursor.execute("DELETE FROM gaps_occurrence WHERE source = %s", [SOURCE])
            cursor.execute("VACUUM ANALYZE gaps_occurrence")
        else:
            cursor.execute("TRUNCATE gaps_occurrence")


def count_bench_rows() -> int:
    from gaps.models import Occurrence

    return Occurrence.objects.filter(source=SOURCE).count()


def time_http(port: int, key: str, batches: list[list[dict]], clients: int) -> tuple[float, int]:
    """POST every batch, ``clients`` at a time; seconds from first send to last answer and the
    number of answers that were not a 201 creating the whole batch."""
    bodies = [json.dumps(batch).encode() for batch in batches]
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}
    errors = 0
    lock = threading.Lock()

    def post(body: bytes) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("POST", "/api/v1/occurrences/", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            ok = response.status == 201 and json.loads(answer).get("duplicates") == 0
        except OSError:
            ok = False
        finally:
            conn.close()
        if not ok:
            with lock:
                errors += 1

    # Each worker's first requests load the URLconf, DRF and the database connection: not timed.
    warm_up = [
        json.dumps(
            [
                {**item, "source": "bench-warm-up", "external_id": f"w{n}-{item['external_id']}"}
                for item in batches[0][:10]
            ]
        ).encode()
        for n in range(4 * clients)
    ]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, warm_up))
        errors = 0
        began = time.perf_counter()
        list(pool.map(post, bodies))
        elapsed = time.perf_counter() - began
    return elapsed, errors


def count_statements(world: dict, batch_size: int, now: datetime) -> dict[str, int]:
    """SQL statements of one POST, in-process through the same view, at 10 items and at
    ``batch_size``. Each batch brings six recent items to each of several fresh closed gaps
    (2 at 10 items, up to 150 at the larger size), so the recurring check flags them all."""
    client = Client(HTTP_AUTHORIZATION=f"Token {world['key']}", SERVER_NAME="127.0.0.1")
    counts = {}
    for label, size in (("warm-up", 10), ("small", 10), ("large", batch_size)):
        closed = world["new_gaps"](max(1, min(size // 6, 150)), closed_every=1)
        batch = make_batch(world["gaps"], 0, size, now)
        for n, item in enumerate(batch[: 6 * len(closed)]):
            item["gap"] = closed[n // 6]
            item["occurred_at"] = (now - timedelta(days=1, minutes=n)).isoformat()
        for item in batch:
            item["external_id"] = f"{label}-{item['external_id']}"
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/occurrences/", json.dumps(batch), content_type="application/json"
            )
        if response.status_code != 201:
            raise RuntimeError(f"statement count batch refused: {response.content[:500]!r}")
        counts[label] = len(queries)
    return counts


class gunicorn:
    """gunicorn on a free loopback port with the production settings, against the bench
    database; stopped (only this process) on exit."""

    def __init__(self, workers: int):
        self.workers = workers

    def __enter__(self) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        db = connection.settings_dict
        database_url = (
            f"postgres://{db.get('USER') or 'postgres'}"
            f"{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
            f"@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
        )
        env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cxalign.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/", headers={"Host": "127.0.0.1"})
                conn.getresponse().read()
                conn.close()
                return self.port
            except OSError:
                time.sleep(0.2)
        self.process.terminate()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


if __name__ == "__main__":
    main()
