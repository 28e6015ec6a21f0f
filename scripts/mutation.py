"""Mutation testing of the modules that carry the product's guarantees (``make mutation``).

Each guarantee is a group: the modules it lives in and the tests that claim to protect it. For
each group, mutmut (https://mutmut.readthedocs.io) makes small deliberate bugs in the modules
(a flipped comparison, a changed constant, a dropped argument…) and runs the group's tests
against each one; a mutant the tests do not notice *survives*. The score of a module is
killed ÷ (mutants with tests), printed per module with every surviving mutant's diff.

The work happens in a throw-away copy of the repository's tracked files, so the tree stays
clean. Slow (minutes per group): not part of ``make test``.

Usage: ``python scripts/mutation.py [GROUP …]`` (all groups by default; ``--list`` names them).
``DATABASE_URL`` is passed through, so ``DATABASE_URL=postgresql+asyncpg://… make mutation``
mutates against PostgreSQL. Lines that must not be mutated (logging, docstrings' examples) carry
``# pragma: no mutate`` with the reason.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Group:
    """Modules that carry one guarantee, and the tests that claim to protect it."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]


GROUPS: dict[str, Group] = {
    "tokens": Group(("app/core/security.py", "app/auth/cache.py"), ("tests/auth",)),
    "scoping": Group(("app/core/context.py", "app/documents/owners.py", "app/reports/scope.py"), ("tests",)),
    "idempotency": Group(
        ("app/core/idempotency.py",),
        (
            "tests/cases/test_idempotency_scope.py",
            "tests/cases/test_cases.py",
            "tests/registrants/test_api.py",
            "tests/registrants/test_concurrency.py",
            "tests/desks",
            "tests/selfservice/test_person_file.py",
            "tests/sync/test_offline.py",
        ),
    ),
    "conditional": Group(("app/core/http.py",), ("tests/core/test_conditional_requests.py", "tests/documents")),
    "audit": Group(
        ("app/audit/chain.py", "app/audit/service.py", "app/audit/verify.py", "app/audit/signing.py"),
        ("tests/audit", "tests/core"),
    ),
    "documents": Group(("app/documents/content.py",), ("tests/documents",)),
    "exports": Group(
        ("app/core/spreadsheet.py", "app/reports/writers.py", "app/reports/suppression.py"),
        ("tests/core/test_spreadsheet.py", "tests/reports"),
    ),
    "duplicates": Group(
        (
            "app/registrants/matching.py",
            "app/registrants/linkage.py",
            "app/registrants/keys.py",
            "app/imports/matching.py",
        ),
        ("tests/registrants", "tests/imports"),
    ),
    "workflow": Group(("app/cases/workflow.py", "app/cases/transitions.py"), ("tests/cases",)),
    "numbering": Group(("app/core/numbering.py",), ("tests/registrants", "tests/cases", "tests/desks")),
}


def _copy_tree(target: Path) -> None:
    """The repository's tracked files (as they are in the working tree) into ``target``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _config(group: Group) -> str:
    lines = ["[mutmut]", "source_paths=app", "also_copy=alembic.ini\n    migrations"]
    lines.append("only_mutate=" + "\n    ".join(group.modules))
    lines.append("pytest_add_cli_args_test_selection=" + "\n    ".join(group.tests))
    return "\n".join(lines) + "\n"


def _mutmut(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)


def run_group(name: str, group: Group) -> dict[str, tuple[int, int, list[str]]]:
    """Run one group; ``{module: (killed, with_tests, [surviving mutant diffs])}``."""
    with tempfile.TemporaryDirectory(prefix=f"mutation-{name}-") as tmp:
        workdir = Path(tmp)
        _copy_tree(workdir)
        (workdir / "setup.cfg").write_text(_config(group))
        run = _mutmut(workdir, "run")
        if run.returncode != 0 and "failed to collect stats" in run.stdout + run.stderr:
            print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
            raise SystemExit(f"{name}: the group's tests do not pass before mutation")
        results = _mutmut(workdir, "results", "--all", "true").stdout.splitlines()
        per_module: dict[str, tuple[int, int, list[str]]] = {m: (0, 0, []) for m in group.modules}
        for line in results:
            mutant, _, status = line.strip().rpartition(": ")
            if not mutant:
                continue
            module = next((m for m in group.modules if mutant.startswith(_dotted(m) + ".")), None)
            if module is None or status in {"no tests", "skipped", "not checked"}:
                continue
            killed, total, survivors = per_module[module]
            if status in {"killed", "timeout", "segfault"}:
                per_module[module] = (killed + 1, total + 1, survivors)
            else:  # survived, suspicious
                diff = _mutmut(workdir, "show", mutant).stdout
                per_module[module] = (killed, total + 1, [*survivors, f"{mutant} ({status})\n{diff}"])
        return per_module


def _dotted(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", help="groups to run (default: all)")
    parser.add_argument("--list", action="store_true", help="print the groups and exit")
    parser.add_argument("--json", type=Path, help="also write the scores to this file")
    args = parser.parse_args()
    if args.list:
        for name, group in GROUPS.items():
            print(f"{name:12} {' '.join(group.modules)}  <-  {' '.join(group.tests)}")
        return
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    scores: dict[str, dict[str, float | int]] = {}
    for name in args.groups or list(GROUPS):
        for module, (killed, total, survivors) in run_group(name, GROUPS[name]).items():
            score = killed / total if total else 1.0
            scores[module] = {"killed": killed, "mutants": total, "score": round(score, 3)}
            print(f"{module:40} {killed:4}/{total:<4} killed  score {score:6.1%}", flush=True)
            for survivor in survivors:
                print("  survived: " + survivor.replace("\n", "\n    "))
    if args.json:
        args.json.write_text(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
