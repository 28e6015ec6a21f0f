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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Group:
    """Modules that carry one guarantee, and the tests that claim to protect it."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]


GROUPS: dict[str, Group] = {
    # Each group runs only the tests that exercise its modules: mutmut runs the selection twice
    # before mutating, then, for each mutant, every selected test that reached the mutated function.
    "tokens": Group(("app/core/security.py", "app/auth/cache.py"), ("tests/auth", "tests/clients/test_oauth.py")),
    "scoping": Group(
        ("app/core/context.py", "app/documents/owners.py", "app/reports/scope.py"),
        (
            "tests/reports/test_scope_rules.py",
            "tests/reports/test_scope_filters.py",
            "tests/registrants/test_scoping.py",
            "tests/documents/test_permissions_matrix.py",
            "tests/documents/test_owner_rules.py",
            "tests/documents/test_case_documents.py",
            "tests/merges/test_merge_api.py",
            "tests/reports/test_registrations_report.py",
            "tests/reports/test_cases_reports.py",
            "tests/reports/test_exports.py",
        ),
    ),
    "idempotency": Group(
        ("app/core/idempotency.py",),
        (
            "tests/cases/test_idempotency_scope.py",
            "tests/cases/test_cases.py",
            "tests/registrants/test_api.py",
            "tests/registrants/test_concurrency.py",
            "tests/desks",
            "tests/selfservice/test_person_file.py",
            "tests/selfservice/test_idempotency_scope.py",
            "tests/sync/test_offline.py",
        ),
    ),
    "conditional": Group(("app/core/http.py",), ("tests/core/test_conditional_requests.py", "tests/documents")),
    "audit": Group(
        (
            "app/audit/chain.py",
            "app/audit/service.py",
            "app/audit/verify.py",
            "app/audit/walk.py",
            "app/audit/batches.py",
            "app/audit/strict_json.py",
            "app/audit/copy_reader.py",
            "app/audit/payload_check.py",
            "app/audit/signing.py",
        ),
        ("tests/audit",),
    ),
    "documents": Group(
        ("app/documents/content.py",),
        (
            "tests/documents/test_content_rules.py",
            "tests/documents/test_metadata_stripping.py",
            "tests/documents/test_stripped_formats.py",
            "tests/documents/test_pdf_metadata.py",
            "tests/documents/test_upload.py",
            "tests/documents/test_text_rule.py",
            "tests/documents/test_bad_inputs.py",
        ),
    ),
    "exports": Group(
        ("app/core/spreadsheet.py", "app/reports/writers.py", "app/reports/xlsx.py", "app/reports/suppression.py"),
        ("tests/core/test_spreadsheet.py", "tests/reports"),
    ),
    "duplicates": Group(
        (
            "app/registrants/matching.py",
            "app/registrants/linkage.py",
            "app/registrants/keys.py",
            "app/imports/matching.py",
        ),
        (
            "tests/registrants/test_matching.py",
            "tests/registrants/test_duplicates.py",
            "tests/registrants/test_linkage.py",
            "tests/registrants/test_linkage_evidence.py",
            "tests/registrants/test_phonetic_rules.py",
            "tests/registrants/test_person_keys.py",
            "tests/registrants/test_normalize.py",
            "tests/registrants/test_match_keys.py",
            "tests/imports/test_resolutions.py",
            "tests/imports/test_chunks.py",
            "tests/imports/test_batch_matcher.py",
        ),
    ),
    "workflow": Group(
        ("app/cases/workflow.py", "app/cases/transitions.py"),
        (
            "tests/cases/test_workflow_rules.py",
            "tests/cases/test_workflow.py",
            "tests/cases/test_transition_records.py",
            "tests/cases/test_transfer.py",
        ),
    ),
    "numbering": Group(
        ("app/core/numbering.py",),
        (
            "tests/core/test_human_number_allocation.py",
            "tests/core/test_human_numbers.py",
            "tests/core/test_human_numbers_concurrency.py",
        ),
    ),
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


@dataclass
class Score:
    """One module's result: ``killed`` of ``mutants`` (the mutants some selected test reached).

    ``killed`` counts the timeouts too (a mutant that makes the tests run past their CPU-time
    limit, or that ends them by a signal, mutmut's "segfault"), but those are also counted apart
    in ``timeouts``: such a kill says the tests noticed *something*, not that an assertion did.
    ``unreached`` mutants are in code no selected test ran (mutmut's "no tests"); they are not in
    the score and are printed so that they are not forgotten."""

    killed: int = 0
    timeouts: int = 0
    mutants: int = 0
    unreached: int = 0
    survivors: list[str] = field(default_factory=list)


def run_group(name: str, group: Group) -> dict[str, Score]:
    """Run one group; a :class:`Score` per module."""
    with tempfile.TemporaryDirectory(prefix=f"mutation-{name}-") as tmp:
        workdir = Path(tmp)
        _copy_tree(workdir)
        (workdir / "setup.cfg").write_text(_config(group))
        run = _mutmut(workdir, "run")
        if run.returncode != 0:
            print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
            raise SystemExit(f"{name}: mutmut failed (do the group's tests pass, are they tracked by git?)")
        results = _mutmut(workdir, "results", "--all", "true").stdout.splitlines()
        per_module = {m: Score() for m in group.modules}
        for line in results:
            mutant, _, status = line.strip().rpartition(": ")
            if not mutant:
                continue
            module = next((m for m in group.modules if mutant.startswith(_dotted(m) + ".")), None)
            if module is None or status in {"skipped", "not checked"}:
                continue
            score = per_module[module]
            if status == "no tests":
                score.unreached += 1
                continue
            score.mutants += 1
            if status in {"killed", "timeout", "segfault"}:
                score.killed += 1
                score.timeouts += status != "killed"
            else:  # survived, suspicious
                score.survivors.append(f"{mutant} ({status})")
        diffs = _diffs(workdir, [s.partition(" ")[0] for score in per_module.values() for s in score.survivors])
        for score in per_module.values():
            score.survivors = [f"{s}\n{diffs[s.partition(' ')[0]]}" for s in score.survivors]
        return per_module


_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
names = json.load(sys.stdin)
json.dump({name: get_diff_for_mutant(name, path=find_mutant(name).path) for name in names}, sys.stdout)
"""


def _diffs(workdir: Path, names: list[str]) -> dict[str, str]:
    """The diff of each mutant, read in one process (``mutmut show`` once per mutant is slow)."""
    if not names:
        return {}
    run = subprocess.run(
        [sys.executable, "-c", _DIFFS], cwd=workdir, input=json.dumps(names), capture_output=True, text=True
    )
    if run.returncode == 0:
        diffs: dict[str, str] = json.loads(run.stdout)
        return diffs
    return {name: _mutmut(workdir, "show", name).stdout for name in names}


def _dotted(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", help="groups to run (default: all)")
    parser.add_argument("--list", action="store_true", help="print the groups and exit")
    parser.add_argument("--json", type=Path, help="also write the scores to this file")
    parser.add_argument(
        "--tests",
        nargs="+",
        metavar="PATH",
        help="run these tests instead of the group's selection (e.g. its fast unit tests only: a lower"
        " bound of the score, over the functions they reach)",
    )
    parser.add_argument(
        "--modules",
        nargs="+",
        metavar="PATH",
        help="mutate only these of the group's modules (e.g. one module with its own slow tests)",
    )
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
        group = GROUPS[name]
        modules = tuple(args.modules) if args.modules else group.modules
        if not set(modules) <= set(group.modules):
            parser.error(f"{name} mutates {' '.join(group.modules)}")
        group = Group(modules, tuple(args.tests) if args.tests else group.tests)
        for module, result in run_group(name, group).items():
            score = result.killed / result.mutants if result.mutants else 1.0
            scores[module] = {
                "killed": result.killed,
                "timeouts": result.timeouts,
                "mutants": result.mutants,
                "unreached": result.unreached,
                "score": round(score, 3),
            }
            print(
                f"{module:40} {result.killed:4}/{result.mutants:<4} killed  score {score:6.1%}"
                f"  ({result.timeouts} of the killed by timeout/signal; {result.unreached} not reached by the tests)",
                flush=True,
            )
            for survivor in result.survivors:
                print("  survived: " + survivor.replace("\n", "\n    "))
    if args.json:
        args.json.write_text(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
