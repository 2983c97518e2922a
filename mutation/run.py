"""``make mutate``: mutmut over the rules users rely on, one module at a time.

Each module is mutated in a working copy of its own (``var/mutate/<module>/``, made afresh
each run) and its mutants are run against the tests that pin it only, so that a module takes
minutes, not the whole suite per mutant. The score (killed ÷ mutants) is printed per module
with every surviving mutant's diff; the run fails when a module scores under ``--min-score``.

Mutants that cannot change behaviour (equivalent ones) are not counted: the source marks them
``# pragma: no mutate`` with the reason beside it.

    python -m mutation.run                       # every module
    python -m mutation.run roi/calculations.py   # one module (what CI runs)
    python -m mutation.run insights/tailoring.py --functions 'x_gap_monthly_costs'
                                                 # some of its functions only (a first look)
"""

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutate"
# What a working copy links to: the apps, the project, the tests and what they read.
SOURCE_PATHS = ("cxalign", "gaps", "insights", "roi", "outbox", "mutation")
LINKED = (*SOURCE_PATHS, "tests", "templates", "static")
CAUGHT = {"killed", "timeout", "segfault"}


@dataclass(frozen=True)
class Target:
    """One module, the tests that pin it, and which of its functions are mutated."""

    path: str
    tests: tuple[str, ...]
    functions: str = "*"  # mutmut's mangled function names, e.g. ``x_check_may_*``

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")

    @property
    def pattern(self) -> str:
        return f"{self.module}.{self.functions}__mutmut_*"

    @property
    def slug(self) -> str:
        return self.module.replace(".", "-")


TARGETS: tuple[Target, ...] = (
    Target(
        "roi/calculations.py",
        tests=("tests/roi/test_calculations.py", "tests/roi/test_calculation_boundaries.py"),
    ),
    Target(
        "gaps/transitions.py",
        tests=("tests/gaps/test_transitions.py", "tests/gaps/test_transition_rules.py"),
    ),
    Target(
        "gaps/permissions.py",
        tests=(
            "tests/gaps/test_services.py",
            "tests/gaps/test_transitions.py",
            "tests/gaps/test_permission_rules.py",
            "tests/gaps/test_org_services.py",
        ),
        # The write checks the services call: the rest of the module is pinned by the suite.
        functions="x_check_may_*",
    ),
    Target(
        "insights/routing.py",
        tests=("tests/insights/test_routing.py", "tests/insights/test_relevance.py"),
    ),
    Target(
        "insights/tailoring.py",
        tests=("tests/insights/test_tailoring.py", "tests/insights/test_tailoring_rules.py"),
    ),
)


@dataclass
class Score:
    target: Target
    statuses: dict[str, str]  # mutant name → mutmut's status
    seconds: float

    @property
    def total(self) -> int:
        return len(self.statuses)

    @property
    def caught(self) -> int:
        return sum(status in CAUGHT for status in self.statuses.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.caught / self.total if self.total else 100.0

    @property
    def missed(self) -> dict[str, str]:
        return {name: s for name, s in sorted(self.statuses.items()) if s not in CAUGHT}


def pyproject(target: Target) -> str:
    """The project's pyproject.toml with a ``[tool.mutmut]`` section for ``target``."""
    mutmut = {
        "source_paths": list(SOURCE_PATHS),
        "only_mutate": [target.path],
        "also_copy": ["templates/", "static/"],
        "pytest_add_cli_args_test_selection": list(target.tests),
        # One test database per concurrent run, kept between runs (mutation/db_slots.py).
        "pytest_add_cli_args": ["-p", "mutation.db_slots", "--reuse-db", "-p", "no:xdist"],
    }
    lines = ["", "[tool.mutmut]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in mutmut.items()]
    return (ROOT / "pyproject.toml").read_text() + "\n".join(lines) + "\n"


def prepare(target: Target, *, resume: bool = False) -> Path:
    """A working copy: links to the sources and tests, and its own pyproject.toml.

    Made afresh unless ``resume``: then the last run's copy and results are kept.
    """
    work = WORK / target.slug
    if work.exists() and not resume:
        shutil.rmtree(work)
    if not work.exists():
        work.mkdir(parents=True)
        for name in LINKED:
            (work / name).symlink_to(ROOT / name)
    (work / "pyproject.toml").write_text(pyproject(target))
    return work


def mutmut(work: Path, *args: str, log: Path | None = None) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("mutmut")), *args]
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        # One set of test database slots for every module's runs (mutation/db_slots.py).
        "CXALIGN_MUTATION_SLOTS": str(WORK / ".db-slots"),
    }
    if log is None:
        return subprocess.run(  # noqa: S603 - our own mutmut, fixed arguments.
            command, cwd=work, env=env, capture_output=True, text=True, check=False
        )
    with log.open("w") as out:
        return subprocess.run(  # noqa: S603 - same.
            command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )


def statuses(work: Path, target: Target) -> dict[str, str]:
    """Each mutant's status, from the ``.meta`` file mutmut writes beside the mutated copy."""
    from mutmut.stats import status_by_exit_code

    meta = json.loads((work / "mutants" / f"{target.path}.meta").read_text())
    return {
        name: status_by_exit_code[code]
        for name, code in meta["exit_code_by_key"].items()
        if fnmatch.fnmatchcase(name, target.pattern)
    }


def run(target: Target, *, max_children: int, resume: bool = False) -> Score:
    """Mutate ``target`` afresh; or, with ``resume``, run again only what the last run left:
    the mutants of functions changed since (mutmut resets those) and the ones not killed."""
    meta = WORK / target.slug / "mutants" / f"{target.path}.meta"
    resume = resume and meta.exists()
    work = prepare(target, resume=resume)
    log = work / "mutmut.log"
    print(f"== {target.path}: mutating against {', '.join(target.tests)}", flush=True)
    started = time.monotonic()
    children = ("--max-children", str(max_children))
    if not resume:
        done = mutmut(work, "run", *children, target.pattern, log=log)
    else:
        # Without names mutmut runs only mutants without a result (of changed functions).
        if target.functions == "*":
            done = mutmut(work, "run", *children, log=log)
        missed = list(Score(target, statuses(work, target), 0).missed)
        if missed:  # Named, they run again, with the tests as they are now.
            done = mutmut(work, "run", *children, *missed, log=log)
    if not meta.exists():
        sys.stdout.write(log.read_text()[-4000:])
        raise SystemExit(f"mutmut did not run on {target.path} (exit {done.returncode})")
    return Score(target, statuses(work, target), time.monotonic() - started)


def report(score: Score) -> None:
    target = score.target
    print(f"{target.path}: {score.caught}/{score.total} killed = {score.percent:.1f} %", flush=True)
    work = WORK / target.slug
    for name, status in score.missed.items():
        print(f"  {status}: {name}")
        diff = mutmut(work, "show", name).stdout
        print("".join(f"      {line}\n" for line in diff.splitlines() if line[:1] in "+-"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="modules to mutate (default: all)")
    parser.add_argument("--min-score", type=float, default=90.0, help="percent killed per module")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--functions",
        help="mutmut's mangled names of the functions to mutate (a glob: ``x_gap_*``), "
        "instead of the module's own; a first look, not a score to record",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the last run's results; run only changed functions' and surviving mutants",
    )
    args = parser.parse_args(argv)
    by_path = {t.path: t for t in TARGETS}
    unknown = [p for p in args.paths if p not in by_path]
    if unknown:
        parser.error(f"not a mutated module: {', '.join(unknown)} (known: {', '.join(by_path)})")
    targets = [by_path[p] for p in args.paths] or list(TARGETS)
    if args.functions:
        targets = [replace(t, functions=args.functions) for t in targets]
    scores = [run(t, max_children=args.max_children, resume=args.resume) for t in targets]
    print(f"\nMutation scores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (minimum {args.min_score} %)")
    for score in scores:
        report(score)
    low = [s.target.path for s in scores if s.percent < args.min_score]
    if low:
        print(f"FAILED: under {args.min_score} % killed: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
