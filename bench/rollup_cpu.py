"""The full rollup against the floor in CPU seconds, statement by statement (load-independent).

On a busy machine wall-clock seconds say how loaded it was; the CPU time of the PostgreSQL
backend serving the run (``/proc/<pid>/stat``, the server must be local), of parallel workers
and index builds (the postmaster's reaped children) and of this process do not. Runs, on
``make bench``'s kept dataset (``<name>_bench`` of ``DATABASE_URL``), the floor
(``run.FLOOR_SQL``) and a full rollup in process inside a transaction rolled back at the end,
then prints both and the statements, slowest first: wall, backend CPU (``b``), workers'
CPU (``k``) and this process's CPU (``py``, every thread) each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \\
        bench/rollup_cpu.py --top 12
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, harness, run

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid: int) -> tuple[float, float]:
    """CPU seconds of ``pid`` and of its reaped children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user, system, children_user, children_system = (int(fields[i]) for i in (11, 12, 13, 14))
    return (user + system) / TICK, (children_user + children_system) / TICK


class Meter:
    """Wall, backend CPU, workers' CPU and this process's CPU since ``start``."""

    def __init__(self, backend: int, postmaster: int):
        self.backend, self.postmaster = backend, postmaster

    def start(self) -> tuple[float, ...]:
        return (
            time.perf_counter(),
            cpu(self.backend)[0],
            cpu(self.postmaster)[1],
            time.process_time(),
        )

    def since(self, started: tuple[float, ...]) -> tuple[float, ...]:
        now = self.start()
        return tuple(b - a for a, b in zip(started, now, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=12, help="statements listed")
    parser.add_argument("--floor-after", action="store_true", help="the floor after the run")
    args = parser.parse_args()
    dataset.setup_django(harness.scratch_url("bench"))
    from django.db import connection, transaction

    from roi import services

    run.clean_previous_run()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('data_directory')")
        backend, data_directory = cursor.fetchone()
    postmaster = int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    meter = Meter(backend, postmaster)
    statements: list[tuple[tuple[float, ...], str]] = []

    def timed(execute, sql, params, many, context):
        started = meter.start()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((meter.since(started), " ".join(sql.split())[:110]))

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_rollup_floor")
            started = meter.start()
            cursor.execute(run.FLOOR_SQL)
            wall, backend_s, workers_s, _ = meter.since(started)
            cursor.execute("DROP TABLE bench_rollup_floor")
        print(f"floor: wall {wall:.2f} s, backend CPU {backend_s:.2f} s, workers {workers_s:.2f} s")

    if not args.floor_after:
        floor()
    yesterday = datetime.now(UTC).date() - services.ONE_DAY
    with transaction.atomic():
        started = meter.start()
        with connection.execute_wrapper(timed):
            services.rollup_run(first=services.first_data_day(), last=yesterday)
        wall, backend_s, workers_s, python_s = meter.since(started)
        transaction.set_rollback(True)
    print(
        f"run: wall {wall:.2f} s, backend CPU {backend_s:.2f} s, workers {workers_s:.2f} s, "
        f"this process {python_s:.2f} s, {len(statements)} statements"
    )
    for (wall, backend_s, workers_s, python_s), text in sorted(statements, key=lambda s: -s[0][0])[
        : args.top
    ]:
        print(f"{wall:7.2f} b{backend_s:6.2f} k{workers_s:5.2f} py{python_s:5.2f}  {text}")
    if args.floor_after:
        floor()


if __name__ == "__main__":
    main()
