"""What every bench script shares: a scratch database, production-like settings, gunicorn, and a
small concurrent HTTP client.

Nothing here imports Django, so the scripts can pick the database before Django is set up and
child processes (rollup, gunicorn, probes) get exactly the environment they are handed.

Why an HTTP client of our own rather than ``requests``: the production profile marks the session
cookie ``Secure``, and cookie jars refuse to send such a cookie over the plain HTTP of a local
gunicorn. Keeping cookies as a plain dict sends it anyway, and ``http.client`` with one keep-alive
connection per thread adds almost nothing to the timings.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-in-production-0123456789abcdef"  # noqa: S105


# --- Databases ---------------------------------------------------------------------------------


def database_url() -> str:
    """The configured PostgreSQL (``DATABASE_URL``); the bench refuses to run without one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: set DATABASE_URL to a PostgreSQL database (postgres://…).")
    return url


def scratch_url(suffix: str, base: str | None = None) -> str:
    """``<name>_<suffix>`` beside ``base``: never the developer's or CI's own database."""
    parts = urlsplit(base or database_url())
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def _maintenance_dsn(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    dsn = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return dsn, name


def database_exists(url: str) -> bool:
    import psycopg

    dsn, name = _maintenance_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def recreate_database(url: str) -> None:
    """Drop (with its connections) and create the scratch database ``url`` names."""
    import psycopg
    from psycopg import sql

    dsn, name = _maintenance_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    dsn, name = _maintenance_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- Settings for child processes ------------------------------------------------------------


def app_environment(db_url: str, *, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """The production profile (DEBUG off, manifest static files) on the given scratch database.

    ``SECURE_SSL_REDIRECT`` is off because nothing terminates TLS in front of a local gunicorn;
    everything else is what ``docker-compose.yml`` runs.
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="cxalign.settings",
        SECRET_KEY=BENCH_SECRET_KEY,
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        # The bench measures capacity: a few demo accounts carry every simulated user, which
        # the per-token and per-user rates (cxalign.throttling) would answer with 429s.
        CXALIGN_API_TOKEN_RATE="1000000/min",  # noqa: S106 - a rate, not a secret
        CXALIGN_API_USER_RATE="1000000/min",
    )
    # Redis: a database number and a queue of the bench's own, so that no task it queues reaches
    # anyone else's worker (and it never takes theirs).
    env["REDIS_URL"] = own_redis_url() if redis_url is None else redis_url
    env["BENCH_REDIS_URL"] = env["REDIS_URL"]  # children keep it rather than add 8 again
    env["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-{os.getpid()}"
    env.update(extra)
    return env


def own_redis_url() -> str:
    """A Redis database of the bench's own: ``REDIS_URL``'s number + 8.

    Developers and CI use numbers 0–7, so + 8 never lands on anyone else's; a configured number
    of 8 or more must name the bench's database explicitly (``BENCH_REDIS_URL``). Runs also use
    a queue name of their own, and nothing here ever flushes a Redis database.
    """
    if os.environ.get("BENCH_REDIS_URL"):
        return os.environ["BENCH_REDIS_URL"]
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    number = int(parts.path.strip("/") or 0)
    if number >= 8:
        sys.exit(f"bench: REDIS_URL uses database {number}; set BENCH_REDIS_URL for the bench's.")
    return urlunsplit(parts._replace(path=f"/{number + 8}"))


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    """``manage.py <args>`` in a child process with ``env``; raise if it fails."""
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    base: str, timeout: float = 60.0, process: subprocess.Popen | None = None
) -> None:
    """Wait until ``base`` answers anything over HTTP (or the process died)."""
    deadline = time.monotonic() + timeout
    parts = urlsplit(base)
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer within {timeout:.0f} s")


@dataclass
class Gunicorn:
    """A running gunicorn: its base URL and process (workers are its children)."""

    base: str
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_peak_rss_mb(self) -> float | None:
        """The largest peak resident size (``VmHWM``) among the workers, in MB."""
        peaks = [peak for pid in self.worker_pids() if (peak := peak_rss_kb(pid)) is not None]
        return round(max(peaks) / 1024, 1) if peaks else None


def peak_rss_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


def ensure_static(env: dict[str, str]) -> None:
    """``collectstatic`` unless the manifest is newer than every file under ``static/``.

    Collecting compresses every file (gzip and brotli) and takes minutes on a busy machine, so
    the scripts share one ``STATIC_ROOT`` and collect again only when our own files changed.
    """
    manifest = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    if manifest.exists():
        newest = max(
            (p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file()), default=0
        )
        if manifest.stat().st_mtime > newest:
            return
    manage(env, "collectstatic", "--noinput")


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, timeout: int = 120) -> Iterator[Gunicorn]:
    """gunicorn on a free port with ``env``, static files collected first (the manifest)."""
    ensure_static(env)
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "cxalign.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    server = Gunicorn(base=f"http://127.0.0.1:{port}", process=process)
    try:
        wait_for_http(server.base, process=process)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Terminate one process we started, then kill it if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    elapsed_ms: float

    def json(self):
        return json.loads(self.body)


@dataclass
class Client:
    """One keep-alive connection, a token or a session cookie; not thread-safe (one per thread)."""

    base: str
    token: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0
    _conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            parts = urlsplit(self.base)
            self._conn = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.timeout
            )
        return self._conn

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body=None,
        form: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if params:
            path = f"{path}?{urlencode(params, doseq=True)}"
        sent = {"Host": urlsplit(self.base).netloc, "Accept": "*/*"}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        started = time.perf_counter()
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                raw = conn.getresponse()
                payload = raw.read()
                break
            except (http.client.HTTPException, OSError):
                # A keep-alive connection the server closed: reconnect once.
                conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        elapsed = (time.perf_counter() - started) * 1000
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if raw.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(raw.status, payload, dict(raw.getheaders()), elapsed)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Response:
        return self.request("POST", path, **kwargs)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def sign_in(self, username: str, password: str) -> None:
        """Through the real sign-in form: CSRF cookie and token first, then the POST."""
        page = self.get("/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if match is None:
            raise RuntimeError(f"no CSRF token on the sign-in page (HTTP {page.status})")
        answer = self.post(
            "/accounts/login/",
            form={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": match.group(1).decode(),
            },
            headers={"Referer": f"{self.base}/accounts/login/"},
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in as {username} failed (HTTP {answer.status})")


# --- Figures -----------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (no interpolation): a value that was actually measured."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def latencies(
    client: Client, path: str, *, times: int, warmup: int = 2, budget_s: float = 0, **kwargs
) -> dict:
    """``times`` sequential GETs after ``warmup``: p50/p95 in ms and the non-2xx count.

    With ``budget_s``, sampling stops once that many seconds passed and 5 samples exist (a page
    taking seconds at SCALE=1 would otherwise hold the run for many minutes).
    """
    for _ in range(warmup):
        client.get(path, **kwargs)
    samples, errors, statuses = [], 0, set()
    stop_at = time.monotonic() + budget_s if budget_s else None
    for _ in range(times):
        if stop_at and len(samples) >= 5 and time.monotonic() > stop_at:
            break
        answer = client.get(path, **kwargs)
        samples.append(answer.elapsed_ms)
        statuses.add(answer.status)
        errors += not 200 <= answer.status < 300
    return {
        "p50": round(percentile(samples, 50), 1),
        "p95": round(percentile(samples, 95), 1),
        "mean": round(statistics.fmean(samples), 1),
        "errors": errors,
        "statuses": sorted(statuses),
        "samples": len(samples),
    }


def concurrent_load(
    make_client: Callable[[int], Client],
    requests_for: Callable[[int], list[tuple[str, dict | None]]],
    *,
    clients: int,
    seconds: float,
) -> dict:
    """``clients`` threads, thread ``n`` cycling through ``requests_for(n)`` for ``seconds``."""
    done: list[int] = [0] * clients
    errors: list[int] = [0] * clients
    samples: list[list[float]] = [[] for _ in range(clients)]
    stop_at = time.monotonic() + seconds

    def run(n: int) -> None:
        client, requests = make_client(n), requests_for(n)
        i = n
        while time.monotonic() < stop_at:
            path, params = requests[i % len(requests)]
            i += 1
            try:
                answer = client.get(path, params=params)
                ok = 200 <= answer.status < 300
                samples[n].append(answer.elapsed_ms)
            except (OSError, http.client.HTTPException):
                ok = False
                client.close()
            done[n] += 1
            errors[n] += not ok
        client.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    flat = [s for per in samples for s in per]
    return {
        "rps": round(sum(done) / elapsed, 1),
        "requests": sum(done),
        "errors": sum(errors),
        "p50": round(percentile(flat, 50) or 0, 1),
        "p95": round(percentile(flat, 95) or 0, 1),
    }


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child to completion: wall seconds, its peak RSS in MB (from ``wait4``), stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, args, output=out)
    return elapsed, round(usage.ru_maxrss / 1024, 1), out
