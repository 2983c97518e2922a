"""In-process cost of one bulk occurrence POST: CPU and wall milliseconds per batch, and a profile.

Runs the same request ``make bench`` sends (``bench.probes.ingest_items``, the integration
user's token) through Django's test client with the production settings, on the scratch
dataset of ``bench/run.py`` (build it first: ``bench/run.py --scale 0.05 --keep``). Each
batch is committed as over HTTP; this run's rows (source ``bench-profile``) are deleted at
the end. No HTTP server, so the figures are the app's own work per batch: JSON parsing,
authentication, validation, the SQL and the answer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cx_ingest \\
        .venv/bin/python bench/ingest_profile.py --batches 20 [--profile]

``--profile`` runs cProfile (on CPU time) over the timed batches and prints the costliest
functions (by their own time and cumulatively).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, harness, probes

SOURCE = "bench-profile"
URL = "/api/v1/occurrences/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--top", type=int, default=30, help="functions shown per profile table")
    args = parser.parse_args()

    dataset.setup_django(harness.scratch_url("bench"))
    from django.test import Client

    from gaps.models import Occurrence

    Occurrence.objects.filter(source=SOURCE).delete()
    gap_ids = probes.ingest_gap_ids()
    client = Client(
        HTTP_AUTHORIZATION=f"Token {dataset.token_key(args.seed, 'integration')}",
        SERVER_NAME="127.0.0.1",
    )
    bodies = [
        json.dumps(
            probes.ingest_items(gap_ids, size=args.batch_size, batch=b, source=SOURCE)
        ).encode()
        for b in range(args.batches + 2)
    ]

    def post(body: bytes) -> None:
        answer = client.post(URL, body, content_type="application/json")
        if answer.status_code != 201:
            raise RuntimeError(f"batch refused: {answer.status_code} {answer.content[:500]!r}")

    try:
        for body in bodies[:2]:  # URLconf, DRF, the connection: not timed
            post(body)
        # CPU time, not wall time: waits on PostgreSQL are the database's, not Python's.
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        cpu_ms, wall_ms = [], []
        for body in bodies[2:]:
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            post(body)
            if profiler:
                profiler.disable()
            cpu_ms.append((time.process_time() - cpu) * 1000)
            wall_ms.append((time.perf_counter() - wall) * 1000)
    finally:
        Occurrence.objects.filter(source=SOURCE).delete()

    print(
        f"{args.batches} batches of {args.batch_size}: CPU ms per batch median "
        f"{statistics.median(cpu_ms):.1f} (min {min(cpu_ms):.1f}); wall ms median "
        f"{statistics.median(wall_ms):.1f} (min {min(wall_ms):.1f})"
    )
    for name, values in (("ingest_batch_cpu_ms", cpu_ms), ("ingest_batch_wall_ms", wall_ms)):
        figure = {"name": name, "value": round(statistics.median(values), 1), "unit": "ms"}
        print(json.dumps(figure))
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
