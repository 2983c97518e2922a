"""``make schemathesis``: the live API checked against its own schema, as an outside client would.

A scratch PostgreSQL database (``<DATABASE_URL's name>_contract``) is migrated and loaded with
the demo organisation, a user holding every group and owning roles gets a token with every
scope, and gunicorn serves the production profile (DEBUG off). Schemathesis then reads
``/api/schema/`` and runs its examples, coverage, fuzzing and stateful phases against every
operation with the checks the integration contract names; any failure fails the target.

Celery runs eagerly in the served app (no broker, no worker): a publish routes its insight
inside the request, so nothing is left queued in anyone's Redis after the run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    ROOT,
    app_environment,
    database_exists,
    drop_database,
    gunicorn,
    manage,
    recreate_database,
    scratch_url,
)

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
]
# The coverage phase (every boundary of every parameter) took over nine minutes on its own on
# two busy cores; the ≥ 50 generated cases per operation come from fuzzing.
PHASES = ["examples", "fuzzing", "stateful"]
CONTRACT_USER = "contract"

# Run inside ``manage.py shell``: a user in every group who owns a few roles (so that feeds,
# owner moves and the ROI figures all answer with data), and a token with every scope.
MAKE_TOKEN = f"""
from django.contrib.auth.models import Group, User
from gaps.models import ApiToken, Role
user, _ = User.objects.get_or_create(username={CONTRACT_USER!r})
user.is_superuser = True
user.save()
user.groups.set(Group.objects.all())
for role in Role.objects.order_by("id")[:5]:
    role.owners.add(user)
_token, key = ApiToken.issue(user=user, name="contract", scopes=ApiToken.Scope.values)
print(key)
"""


def log(message: str) -> None:
    print(f"[contract] {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50, help="Per operation and phase.")
    parser.add_argument("--workers", type=int, default=2, help="Schemathesis' concurrent workers.")
    parser.add_argument("--keep", action="store_true", help="Reuse the seeded database; keep it.")
    parser.add_argument("--seed", type=int, default=None, help="Schemathesis' random seed.")
    parser.add_argument("--include-path-regex", default=None, help="Only these operations.")
    parser.add_argument("--phases", default=",".join(PHASES))
    args = parser.parse_args()

    db_url = scratch_url("contract")
    # LOG_LEVEL: every refused request would log a warning line; the report says what failed.
    # Eager tasks run inside the request here: embeddings of saved texts are left to the next
    # search (loading the model in a request is not what the API contract is about), and
    # webhook attempts to the unreachable addresses schemathesis invents give up quickly.
    env = app_environment(
        db_url,
        redis_url="",
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="ERROR",
        CXALIGN_EMBED_ON_SAVE="0",
        CXALIGN_WEBHOOK_TIMEOUT_SECONDS="2",
    )
    started = time.monotonic()
    if not (args.keep and database_exists(db_url)):
        log(f"fresh database {db_url.rsplit('/', 1)[-1]}: migrate, seed the demo")
        recreate_database(db_url)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
    key = (
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", MAKE_TOKEN],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    log(f"ready after {time.monotonic() - started:.0f} s; serving with gunicorn")
    try:
        with gunicorn(env, workers=3) as server:
            command = [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{server.base}/api/schema/",
                "--checks",
                ",".join(CHECKS),
                "--phases",
                args.phases,
                "--max-examples",
                str(args.max_examples),
                "--workers",
                str(args.workers),
                "--header",
                f"Authorization: Token {key}",
                # Every request carries the token: generating other auth would only test 401s.
                "--generation-with-security-parameters",
                "false",
                # Eager mode runs routing and webhook fan-outs inside the request (a broker
                # takes them off it in production): allow for that on a slow machine.
                "--request-timeout",
                "30",
                "--no-color",
                "--output-truncate",
                "false",
            ]
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            if args.include_path_regex:
                command += ["--include-path-regex", args.include_path_regex]
            result = subprocess.run(command, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"})
    finally:
        if not args.keep:
            drop_database(db_url)
    log(f"done in {time.monotonic() - started:.0f} s (schemathesis exit {result.returncode})")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
