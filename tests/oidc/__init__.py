"""A real OpenID Connect provider (npm ``oidc-provider``, pinned in package-lock.json) run on
loopback by the single sign-on tests: ``start_provider`` installs it on first use (``npm ci``,
node_modules kept in this folder, git-ignored) and starts ``provider.mjs``."""

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENT_ID = "cxalign"
CLIENT_SECRET = "cxalign-test-client-secret"
READY_WAIT_SECONDS = 30


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen


def ensure_installed() -> None:
    """``npm ci`` when the pinned packages are not installed yet (seconds, once).

    Parallel test processes take a file lock: one installs, the others wait and find it done.
    """
    installed = HERE / "node_modules" / "oidc-provider" / "package.json"
    if installed.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the test identity provider")
    with open(HERE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed.exists():
            subprocess.run(  # noqa: S603 - fixed argv.
                [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True
            )


def start_provider(*, port: int, relying_party: str, users: dict) -> RunningProvider:
    """Start the provider on ``127.0.0.1:port`` for a relying party at ``relying_party``."""
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to run the test identity provider")
    issuer = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "ISSUER": issuer,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"{relying_party}/accounts/sso/callback/",
        "POST_LOGOUT_REDIRECT_URI": f"{relying_party}/accounts/login/",
        "USERS": json.dumps(users),
    }
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own script.
        [node, "provider.mjs"],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready and process.stdout.readline().strip() == "ready":
            return RunningProvider(issuer=issuer, process=process)
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    raise RuntimeError("the test identity provider did not start")
