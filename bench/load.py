"""``make load``: the locust scenario of ``bench/locustfile.py``, headless, against gunicorn.

Builds (or reuses: the dataset is kept between runs) the bench dataset at ``--scale`` in a scratch
database ``<name>_load``, starts gunicorn with the production profile (DEBUG off) and a Celery
worker on a Redis database number and queue of its own (publishing and transitions queue tasks),
runs locust for ``--duration`` seconds with ``--users`` users, prints p50/p95 and the error count
per request and in total, and exits non-zero if any request failed.

Workers: gunicorn's rule of thumb (2 × cores + 1) is for requests that wait on I/O; cxalign's
requests spend their time in Python and in PostgreSQL on the same cores, so more workers than
cores + 1 only add contention. The default is therefore cores + 1 (3 on 2 cores).

    DATABASE_URL=postgres://…/cx_bench python bench/load.py --users 50 --duration 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, harness

HERE = Path(__file__).resolve().parent
CSV_PREFIX = harness.ROOT / "var" / "load"
SAMPLES = harness.ROOT / "var" / "load-samples.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--fresh", action="store_true", help="regenerate the dataset")
    args = parser.parse_args()

    db_url = harness.scratch_url("load")
    held = dataset.ensure(db_url=db_url, scale=args.scale, seed=args.seed, keep=not args.fresh)
    sizes = dataset.Sizes.at(args.scale)
    env = harness.app_environment(db_url)
    print(
        f"load: {args.users} users for {args.duration} s, gunicorn with {args.workers} workers, "
        f"dataset SCALE={args.scale} ({'kept' if held.get('kept') else 'generated'})",
        flush=True,
    )
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "cxalign", "worker",
         "--loglevel=WARNING", "--concurrency=1"],
        env=env,
        cwd=harness.ROOT,
    )  # fmt: skip
    try:
        with harness.gunicorn(env, workers=args.workers) as server:
            locust = subprocess.run(
                [
                    str(Path(sys.executable).parent / "locust"),
                    "-f", str(HERE / "locustfile.py"),
                    "--headless",
                    "--host", server.base,
                    "--users", str(args.users),
                    "--spawn-rate", str(args.spawn_rate),
                    "--run-time", f"{args.duration}s",
                    "--csv", str(CSV_PREFIX),
                    "--only-summary",
                    "--loglevel", "WARNING",
                ],
                env={
                    **os.environ,
                    "BENCH_SEED": str(args.seed),
                    "BENCH_ROLES": str(sizes.roles),
                    "BENCH_GAPS": str(sizes.gaps),
                    "BENCH_SAMPLES": str(SAMPLES),
                },
                cwd=harness.ROOT,
                check=False,
            )  # fmt: skip
            peak = server.worker_peak_rss_mb()
    finally:
        harness.stop(worker)
    samples = json.loads(SAMPLES.read_text())
    names = sorted({name for name, _ms, _failed in samples})
    print(f"\n{'request':<52} {'count':>6} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name in [*names, None]:
        picked = [s for s in samples if name is None or s[0] == name]
        print(_line(name or "all requests", picked))
    work = [s for s in samples if "sign in" not in s[0]]
    print(_line("all but sign-in", work))
    failures = sum(failed for _name, _ms, failed in samples)
    seconds = args.duration
    print(
        f"\nload: {len(samples)} requests in {seconds} s ({len(samples) / seconds:.1f}/s), "
        f"p50 {harness.percentile([s[1] for s in samples], 50):.0f} ms, "
        f"p95 {harness.percentile([s[1] for s in samples], 95):.0f} ms "
        f"(without sign-in: p95 {harness.percentile([s[1] for s in work], 95) or 0:.0f} ms), "
        f"errors {failures}, web worker peak RSS {peak} MB",
        flush=True,
    )
    if failures or locust.returncode not in (0, 1) or not samples:
        sys.exit(1)


def _line(label: str, picked: list) -> str:
    times = [ms for _name, ms, _failed in picked]
    fails = sum(failed for _name, _ms, failed in picked)
    p50, p95 = harness.percentile(times, 50) or 0, harness.percentile(times, 95) or 0
    return f"{label:<52.52} {len(picked):>6} {fails:>5} {p50:>8.0f} {p95:>8.0f}"


if __name__ == "__main__":
    main()
