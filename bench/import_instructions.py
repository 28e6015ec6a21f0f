"""Benchmark: the machine instructions a register import executes per row, this tree beside a
baseline commit, counted by Valgrind (``cachegrind``, no cache simulation).

Wall and CPU time on a shared machine move by a third or more within minutes (``bench/imports.py``
reports them); an instruction count does not: the same code, input and database give the same
count to within about a tenth of a per cent, whatever else the machine runs. A change that saves
3 % of the import's work shows as 3 % here, where ``bench/imports.py`` cannot tell it from noise.

For each version (this tree, then ``--baseline``, exported with ``git archive``): a scratch
database (PostgreSQL by default, on the server ``BENCH_DATABASE_URL`` names; ``--database
sqlite``: a file) migrated and seeded by that version's own code (natively), a registry filled by
importing a first register (``--registry`` rows, seed 2, natively), then under Valgrind the real
import of a second register (``--rows`` rows, seed 1) and of its first half alone, each through
``diaspora-desk import-register`` on a fresh copy of that database. The difference between the two
is the work of the second half (the start-up, the command and the run's fixed steps cancel out);
divided by its rows, the import's instructions per row. Only the import's own process is counted,
the work the server runs for it on PostgreSQL is not (this is what a run is bound by: its one
interpreter lock). String hashing is seeded alike (``PYTHONHASHSEED``) for the same set orders.

Needs ``valgrind`` (Debian package; skipped without it). About three minutes per version at 1,000
rows.

    python bench/import_instructions.py [--rows 1000] [--registry 1000] [--database postgresql|sqlite]
                                        [--dry-run] [--baseline REF | --no-baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ADMIN_URL, BenchDatabase, _dsn  # noqa: E402
from bench.imports import _default_baseline, _export, _register  # noqa: E402

ADMIN, PASSWORD = "bench-admin@diaspora-desk.example", "bench-admin-password-0123"
SECRET = "bench-secret-key-instructions-0123456789-0123456789"
_CLI = "import sys; from app.cli import cli; sys.argv[0] = 'diaspora-desk'; cli()"
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _env(root: Path, database_url: str, data: Path) -> dict[str, str]:
    """The environment of a run of the version under ``root``: the shell's, less what would make
    the two versions run differently or elsewhere (another database, PgBouncer, coverage, Python's
    own settings), plus this benchmark's."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTHON", "COVERAGE_"))}
    return {
        **kept,
        "PYTHONPATH": str(root),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "DESK_ADMIN_EMAIL": ADMIN,
        "DESK_ADMIN_PASSWORD": PASSWORD,
        "DATA_DIR": str(data),
        "LOG_LEVEL": "WARNING",
        "IMPORT_MAX_BYTES": str(64 << 20),
        "PYTHONHASHSEED": "0",  # the same set and dict orders in every run: the same work
    }


def _cli(env: dict[str, str], *args: str, under: Sequence[str] = ()) -> str:
    """``diaspora-desk *args`` with the version and database of ``env`` (run by ``under``, e.g.
    Valgrind); its standard error, where Valgrind writes its count. ``RuntimeError`` on failure."""
    done = subprocess.run(  # from the data directory: ``-c`` puts the working directory first on the path,
        [*under, sys.executable, "-c", _CLI, *args],  # and a checkout's own .env would be read
        cwd=env["DATA_DIR"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"diaspora-desk {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stderr


def _instructions(env: dict[str, str], register: Path, *, dry_run: bool) -> int:
    """Instructions Valgrind counted for one ``import-register`` of ``register`` on a copy of the
    database (the original stays as it was for the next run): a file copy on SQLite, a database
    made from it as a template on PostgreSQL."""
    with _copy(env["DATABASE_URL"]) as url:
        valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
        measured = {**env, "DATABASE_URL": url}
        command = ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN]
        err = _cli(measured, *command, *(["--dry-run"] if dry_run else []), under=valgrind)
    found = _REFS.search(err)
    if found is None:
        raise RuntimeError(f"no instruction count in Valgrind's output:\n{err[-2000:]}")
    return int(found.group(1).replace(",", ""))


@contextlib.contextmanager
def _copy(url: str) -> Iterator[str]:
    """A copy of the database at ``url`` for one run, removed afterwards; its URL."""
    if url.startswith("sqlite"):
        database = Path(url.removeprefix("sqlite+aiosqlite:///"))
        copy = database.with_name("measured.db")
        shutil.copyfile(database, copy)
        try:
            yield f"sqlite+aiosqlite:///{copy}"
        finally:
            copy.unlink(missing_ok=True)
        return
    name = make_url(url).database
    copy = BenchDatabase(f"{name}_measured", per_run=False)
    asyncio.run(
        _admin(
            f'DROP DATABASE IF EXISTS "{copy.name}" WITH (FORCE)', f'CREATE DATABASE "{copy.name}" TEMPLATE "{name}"'
        )
    )
    try:
        yield copy.url
    finally:
        asyncio.run(copy.drop())


async def _admin(*statements: str) -> None:
    conn = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def measure(root: Path, registers: dict[str, Path], rows: int, database: str, *, dry_run: bool = False) -> float:
    """Instructions per row of the import of ``registers["measured"]`` by the code under ``root``,
    on ``database`` (``postgresql``: a scratch database of the server ``BENCH_DATABASE_URL`` names;
    ``sqlite``: a file)."""
    with tempfile.TemporaryDirectory() as tmp, _scratch(database, Path(tmp)) as url:
        env = _env(root, url, Path(tmp) / "data")
        Path(env["DATA_DIR"]).mkdir()
        _cli(env, "migrate")
        _cli(env, "seed")
        _cli(env, "import-register", str(registers["registry"]), "--desk", "CASA-BASE", "--as", ADMIN)
        half = _instructions(env, registers["half"], dry_run=dry_run)
        full = _instructions(env, registers["measured"], dry_run=dry_run)
    per_row = (full - half) / (rows - rows // 2)
    print(
        f"  {full:,} instructions with {rows:,} rows, {half:,} with the first {rows // 2:,}: {per_row:,.0f} per row",
        flush=True,
    )
    return per_row


@contextlib.contextmanager
def _scratch(database: str, tmp: Path) -> Iterator[str]:
    """The URL of an empty database of the kind ``database``, removed afterwards."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 'desk.db'}"
        return
    db = BenchDatabase("dd_bench_instructions")
    asyncio.run(db.create())
    try:
        yield db.url
    finally:
        asyncio.run(db.drop())


def _first_rows(register: Path, rows: int, path: Path) -> Path:
    """The header and first ``rows`` rows of the CSV ``register``, written to ``path``; ``RuntimeError``
    when a cell spans lines (the cut would fall inside a row)."""
    lines = register.read_bytes().splitlines(keepends=True)[: 1 + rows]
    text = b"".join(lines).decode("latin-1")  # any byte is one character: only the records are counted
    if len(list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))) != 1 + rows:
        raise RuntimeError(f"{register}: a cell spans lines, the first {rows} rows are not its first lines")
    path.write_bytes(b"".join(lines))
    return path


def main(rows: int, registry: int, baseline: str | None, database: str, *, dry_run: bool = False) -> None:
    if rows < 2:
        sys.exit("--rows: at least 2")  # two halves
    if shutil.which("valgrind") is None:
        print("\n== register import, instructions per row: skipped, valgrind is not installed (Debian package)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        measured = _register(Path(tmp) / "measured.csv", rows, 1)
        half = _first_rows(measured, rows // 2, Path(tmp) / "half.csv")
        registers = {"registry": _register(Path(tmp) / "registry.csv", registry, 2), "measured": measured,
                     "half": half}  # fmt: skip
        print(f"\n== register import, instructions per row (Valgrind), {rows:,} rows into a registry of "
              f"{registry:,} file rows, {database}{', dry runs' if dry_run else ''}")  # fmt: skip
        print("this tree:", flush=True)
        ours = measure(ROOT, registers, rows, database, dry_run=dry_run)
        if baseline is None:
            return
        base_root = Path(tmp) / "baseline"
        base_root.mkdir()
        name = _export(baseline, base_root)
        print(f"baseline {name}:", flush=True)
        theirs = measure(base_root, registers, rows, database, dry_run=dry_run)
    print(f"\nthis tree / baseline: {ours / theirs:.3f}x the instructions per row ({ours - theirs:+,.0f} per row)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--registry", type=int, default=1_000, help="rows of the register imported first")
    parser.add_argument("--baseline", help="the commit compared (default: where HEAD left main, `git merge-base`)")
    parser.add_argument("--no-baseline", action="store_true", help="measure this tree only")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--dry-run", action="store_true", help="measure dry runs (nothing written)")
    args = parser.parse_args()
    chosen = None if args.no_baseline else (args.baseline or _default_baseline())
    main(args.rows, args.registry, chosen, args.database, dry_run=args.dry_run)
