"""``make topology``: the services of ``docker-compose.yml`` as processes here, and a smoke journey.

There is no Docker engine on this machine, so the compose file is proven in two halves:

1. ``docker compose config`` (or Debian's ``docker-compose config``) validates the file offline.
2. Its services run as plain processes with the commands read from the file itself (PyYAML), so
   the two cannot drift: the one-off ``migrate`` first (``restart: "no"``), then ``web``
   (gunicorn), ``worker`` and ``beat`` (Celery), with the file's environment, on the local
   PostgreSQL (a scratch database ``<name>_topology``) and Redis (a database number of its own,
   ``REDIS_URL``'s + 8 or ``BENCH_REDIS_URL``, and a queue of this run's own). Only what no
   process can do is adapted: the ``db``/``redis`` host names, gunicorn's bind address (a free
   local port) and the Dockerfile's ``collectstatic`` step.

The journey: sign in through the form, create a gap over the API, publish an insight on it and
wait until the Celery worker has routed it into the causing role's feed, read the ROI summary,
and check that beat started and is still running. Every process started here is stopped at the
end, and the scratch database dropped. Exit status 0 only if every step passed.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

COMPOSE = harness.ROOT / "docker-compose.yml"
LOGS = harness.ROOT / "var" / "topology"
PASSWORD = "topology-smoke-password"  # noqa: S105 - scratch database only
ONE_OFF = "migrate"
LONG_RUNNING = ("web", "worker", "worker-reroute", "beat")
SETUP = """
from django.contrib.auth.models import Group, User
from gaps.models import Role, Team, Touchpoint
cx = User.objects.create_user("smoke-cx", password={password!r})
cx.groups.add(Group.objects.get(name="cx_team"))
owner = User.objects.create_user("smoke-owner", password={password!r})
owner.groups.add(Group.objects.get(name="role_owner"))
team = Team.objects.create(name="Billing", slug="billing")
role = Role.objects.create(name="Billing Operations Manager", team=team, level="manager")
role.owners.add(owner)
Touchpoint.objects.create(name="Phone", team=team, channel="phone", cost_per_contact="5.00")
print(role.pk)
"""


def log(message: str) -> None:
    print(f"topology: {message}", flush=True)


def validate_compose(secret_key: str) -> None:
    """``docker compose config`` where the plugin exists, else Debian's ``docker-compose``."""
    env = {**os.environ, "SECRET_KEY": secret_key}
    for command in (["docker", "compose"], ["docker-compose"]):
        probe = subprocess.run(
            [*command, "version"], capture_output=True, text=True, env=env, check=False
        )
        if probe.returncode != 0:
            continue
        check = subprocess.run(
            [*command, "-f", str(COMPOSE), "config", "-q"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if check.returncode != 0:
            raise SystemExit(
                f"topology: {' '.join(command)} config refused the file:\n{check.stderr}"
            )
        log(f"{' '.join(command)} config: docker-compose.yml is valid")
        return
    raise SystemExit(
        "topology: neither `docker compose` nor `docker-compose` is installed; "
        "apt-get install docker-compose validates the file offline."
    )


def load_services() -> dict[str, dict]:
    """The compose file's services, anchors and merge keys resolved by PyYAML."""
    import yaml

    return yaml.safe_load(COMPOSE.read_text())["services"]


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}``."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise SystemExit(f"topology: {name} must be set ({arg})")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, str(value))


def service_env(service: dict, overrides: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)  # SECRET_KEY first: the file requires it from the environment
    for name, value in (service.get("environment") or {}).items():
        env[name] = interpolate(value, env)
    env.update(overrides)  # the hosts that only exist inside compose: ours instead
    return env


# The compose file's queue names, and this run's own in their place (``-Q celery,reroute``).
QUEUES = {"celery": "CELERY_TASK_DEFAULT_QUEUE", "reroute": "CELERY_REROUTE_QUEUE"}


def own_queues(argv: list[str], overrides: dict[str, str]) -> list[str]:
    """``-Q`` names of the compose file swapped for this run's queues (a shared Redis)."""
    swapped = list(argv)
    for index, arg in enumerate(argv[:-1]):
        if arg in ("-Q", "--queues"):
            names = swapped[index + 1].split(",")
            swapped[index + 1] = ",".join(overrides.get(QUEUES.get(n, ""), n) for n in names)
    return swapped


def command_of(service: dict, port: int, overrides: dict[str, str] | None = None) -> list[str]:
    """The service's command, run with this interpreter's tools, a local bind address and
    this run's queues."""
    argv = (
        shlex.split(service["command"])
        if isinstance(service["command"], str)
        else list(service["command"])
    )
    tools = Path(sys.executable).parent
    if argv[0] == "python":
        argv[0] = sys.executable
    elif (tools / argv[0]).exists():
        argv[0] = str(tools / argv[0])
    argv = own_queues(argv, overrides or {})
    return [f"127.0.0.1:{port}" if re.fullmatch(r"0\.0\.0\.0:\d+", a) else a for a in argv]


class SmokeFailure(Exception):
    """A step of the journey did not do what it should."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def journey(base: str, role_id: int, services: dict[str, subprocess.Popen], env: dict) -> None:
    """The smoke journey; raises ``SmokeFailure`` naming the step that failed."""
    cx = harness.Client(base)
    cx.sign_in("smoke-cx", PASSWORD)
    page = cx.get("/gaps/")
    check(page.status == 200, f"the gap list answered {page.status}")
    log("signed in through the form; /gaps/ answers 200")

    def key(user: str, *scopes: str) -> str:
        args = [sys.executable, "manage.py", "issue_token", user, "--name", "smoke"]
        for scope in scopes:
            args += ["--scope", scope]
        out = subprocess.run(
            args, env=env, cwd=harness.ROOT, capture_output=True, text=True, check=True
        )
        return out.stdout.strip().splitlines()[-1]

    api = harness.Client(
        base, token=key("smoke-cx", "gaps:read", "gaps:write", "insights:write", "roi:read")
    )
    gap = api.post(
        "/api/v1/gaps/",
        json_body={
            "title": "Invoices arrive after the payment is due",
            "expectation": "An invoice two weeks before the due date.",
            "delivery": "The invoice arrives three days after it.",
            "category": "process",
            "causing_role": role_id,
            "severity": 4,
        },
    )
    check(gap.status == 201, f"creating a gap answered {gap.status}: {gap.body[:300]!r}")
    gap_id = gap.json()["id"]
    log(f"created gap {gap_id} over the API")

    insight = api.post(
        "/api/v1/insights/",
        json_body={
            "title": "Late invoices drive a third of billing calls",
            "finding": "Customers call when the invoice arrives after the due date.",
            "kind": "experience",
            "related_gaps": [gap_id],
        },
    )
    check(insight.status == 201, f"creating an insight answered {insight.status}")
    insight_id = insight.json()["id"]
    published = api.post(f"/api/v1/insights/{insight_id}/publish/")
    check(published.status in (200, 202), f"publishing answered {published.status}")
    log(f"published insight {insight_id}; waiting for the worker to route it")

    owner = harness.Client(base, token=key("smoke-owner", "insights:read"))
    deadline = time.monotonic() + 90
    while True:
        feed = owner.get("/api/v1/feed-items/")
        check(feed.status == 200, f"the owner's feed answered {feed.status}")
        body = feed.json()
        items = body["results"] if isinstance(body, dict) else body
        if any(_insight_of(item) == insight_id for item in items):
            break
        check(services["worker"].poll() is None, "the Celery worker died")
        check(time.monotonic() < deadline, "the insight reached no feed within 90 s")
        time.sleep(1)
    log("the worker routed the insight into the owner's feed")

    summary = api.get("/api/v1/roi/summary/")
    check(summary.status == 200, f"the ROI summary answered {summary.status}")
    check("measured_savings" in summary.json(), "the ROI summary lacks measured_savings")
    log(f"ROI summary: {summary.body[:160].decode(errors='replace')}")

    beat_log = (LOGS / "beat.log").read_text(errors="replace")
    check(services["beat"].poll() is None, f"beat exited:\n{beat_log[-2000:]}")
    check("beat: Starting" in beat_log, f"beat never started:\n{beat_log[-2000:]}")
    log("beat started and is running")


def _insight_of(item: dict):
    value = item.get("insight")
    return value.get("id") if isinstance(value, dict) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database")
    args = parser.parse_args()

    secret_key = "topology-" + os.urandom(24).hex()
    validate_compose(secret_key)
    services = load_services()
    db_url = harness.scratch_url("topology")
    broker = harness.own_redis_url()
    harness.recreate_database(db_url)
    overrides = {
        "SECRET_KEY": secret_key,
        "DATABASE_URL": db_url,
        "REDIS_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": f"topology-{os.getpid()}",  # tasks of this run only
        "CELERY_REROUTE_QUEUE": f"topology-reroute-{os.getpid()}",
        "PYTHONPATH": str(harness.ROOT),
        "STATIC_ROOT": str(harness.ROOT / "var" / "bench-static"),
        "LOG_LEVEL": "INFO",
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    port = harness.free_port()
    started: dict[str, subprocess.Popen] = {}
    ok = False
    try:
        migrate = services[ONE_OFF]
        log(f"{ONE_OFF}: {migrate['command']}")
        subprocess.run(
            command_of(migrate, port),
            env=service_env(migrate, overrides),
            cwd=harness.ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env = service_env(services["web"], overrides)
        harness.ensure_static(env)  # the Dockerfile's build step
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP.format(password=PASSWORD)],
            env=env,
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        role_id = int(out.stdout.strip().splitlines()[-1])
        for name in LONG_RUNNING:
            service = services[name]
            log(f"{name}: {service['command']}")
            with (LOGS / f"{name}.log").open("w") as sink:
                started[name] = subprocess.Popen(
                    command_of(service, port, overrides),
                    env=service_env(service, overrides),
                    cwd=harness.ROOT,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
        base = f"http://127.0.0.1:{port}"
        harness.wait_for_http(base, timeout=90, process=started["web"])
        journey(base, role_id, started, env)
        ok = True
    except (SmokeFailure, RuntimeError, subprocess.CalledProcessError) as error:
        log(f"FAILED: {error}")
        for name in started:
            tail = (LOGS / f"{name}.log").read_text(errors="replace")[-1500:]
            print(f"--- {name}.log (end) ---\n{tail}", file=sys.stderr)
    finally:
        for name, process in reversed(started.items()):
            harness.stop(process)
            log(f"stopped {name} (exit {process.returncode})")
        if not args.keep_db:
            harness.drop_database(db_url)
    if not ok:
        sys.exit(1)
    log("passed")


if __name__ == "__main__":
    main()
