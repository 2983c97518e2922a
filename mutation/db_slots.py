"""A pytest plugin for mutmut runs: one PostgreSQL test database per concurrent test run.

mutmut runs every mutant's tests in a process forked from its own, several at a time and
each as a new pytest session in that process. pytest-django would give them all the same test
database (created, then dropped, under one another) and, run after run in one process, keep
appending suffixes to its name. Here each run takes a free slot (an exclusive ``flock`` held
until the process ends, so a crashed run frees its slot) and uses that slot's test database,
kept between runs (``--reuse-db``): migrations run once per slot, not once per mutant.

SQLite test databases are in memory and private to each process already: nothing to do.
"""

import fcntl
import os
from pathlib import Path

import pytest

SLOTS = 32
# pid → slot held by that process. A forked child inherits its parent's entry, not its lock
# (the child's pid differs), so it takes a slot of its own.
_held: dict[int, int] = {}
_pristine: dict[str, object] = {}


def _slot(lock_dir: Path) -> int:
    pid = os.getpid()
    if pid in _held:
        return _held[pid]
    lock_dir.mkdir(parents=True, exist_ok=True)
    for slot in range(SLOTS):
        fd = os.open(lock_dir / f"slot-{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _held.clear()
        _held[pid] = slot  # The descriptor stays open: the lock lasts as long as the process.
        return slot
    raise RuntimeError(f"all {SLOTS} test database slots are taken")


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    # A session before this one (same process) left NAME pointing at its test database.
    _pristine.setdefault("NAME", database["NAME"])
    # The driver shares one slot directory between the working copies of all modules.
    slots = os.environ.get("CXALIGN_MUTATION_SLOTS") or session.config.rootpath / ".db-slots"
    slot = _slot(Path(slots))
    database["NAME"] = _pristine["NAME"]
    database.setdefault("TEST", {})["NAME"] = f"test_{_pristine['NAME']}_mutmut{slot}"
    # A connection inherited from the parent process belongs to the parent: never reuse it.
    connections["default"].connection = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Close the connections: mutmut forks the next runs from this process."""
    from django.db import connections

    connections.close_all()
