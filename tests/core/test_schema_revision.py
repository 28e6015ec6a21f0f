"""A database whose schema is not this version's — never migrated, behind this version's
migrations after an upgrade, or migrated by a newer version — stops ``serve``, ``worker`` and
``uvicorn app.asgi:app`` before they listen, and any command it fails, in one line saying which and
what to run (exit 3). ``serve`` used to start and answer 500 (its sequencer logging a traceback
every round, ``/readyz`` calling the database unreachable); ``seed`` and ``export`` printed a
traceback; ``migrate`` on a newer version's database printed one too."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.cli import alembic_config
from app.core.db import create_engine
from app.core.db_errors import database_described
from tests.core.test_database_outage import ROOT, _start

SCRIPT = ScriptDirectory.from_config(alembic_config())
[HEAD] = SCRIPT.get_heads()
BEFORE = SCRIPT.get_revision(HEAD).down_revision
"""The migration before this version's last: a database not migrated since the previous upgrade."""


def _command(args: list[str], database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "var"), "ENVIRONMENT": "test"}
    env.pop("DATABASE_OWNER_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    return line


async def _set_revision(database_url: str, revision: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        await engine.dispose()


@pytest.mark.parametrize("command", ["serve", "worker", "uvicorn"])
async def test_a_database_never_migrated_stops_the_start_in_one_line(command: str, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    done = await asyncio.to_thread(_start, command, url, tmp_path / "var")
    assert done.returncode == 3, done.stderr
    assert _one_line(done) == (
        f"cannot start: the database of DATABASE_URL (SQLite file {tmp_path / 'empty.sqlite3'}) has not been "
        "migrated: run `diaspora-desk migrate` first"
    )


@pytest.mark.parametrize("command", ["serve", "uvicorn"])
async def test_a_database_behind_this_versions_migrations_stops_the_start(
    command: str, database_url: str, tmp_path: Path
) -> None:
    await _set_revision(database_url, BEFORE)
    done = await asyncio.to_thread(_start, command, database_url, tmp_path / "var")
    assert done.returncode == 3, done.stderr
    assert _one_line(done) == (
        f"cannot start: the database of DATABASE_URL ({database_described(database_url)}) is at migration "
        f"{BEFORE} and this version needs {HEAD}: run `diaspora-desk migrate` (after every upgrade)"
    )


async def test_a_database_this_version_migrated_starts(database_url: str) -> None:
    from app.core.config import Settings
    from app.startup import check_database

    settings = Settings(database_url=database_url, secret_key="k" * 40)  # type: ignore[arg-type]
    await asyncio.to_thread(check_database, settings)  # no CannotStart


async def test_a_newer_versions_database_stops_the_start_and_migrate_applies_nothing(
    database_url: str, tmp_path: Path
) -> None:
    await _set_revision(database_url, "9999")
    where = database_described(database_url)
    started = await asyncio.to_thread(_start, "worker", database_url, tmp_path / "var")
    assert started.returncode == 3, started.stderr
    assert _one_line(started) == (
        f"cannot start: the database of DATABASE_URL ({where}) is at migration 9999, which this version does not "
        "know: a newer version migrated it; run that version"
    )

    migrated = await asyncio.to_thread(_command, ["migrate"], database_url, tmp_path)
    assert migrated.returncode == 1, migrated.stderr
    assert _one_line(migrated) == (
        "error: nothing applied: the database's migration is not one of this version's (Can't locate revision "
        "identified by '9999'): a newer version migrated it; run that version"
    )
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one() == "9999"
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "args", [["seed"], ["export", "registrants", "-o", "{tmp}/out.csv", "--user", "admin@desk.example"]]
)
async def test_a_command_on_a_database_never_migrated_says_so_in_one_line(args: list[str], tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    done = await asyncio.to_thread(
        _command, [a.format(tmp=tmp_path) for a in args], f"sqlite+aiosqlite:///{path}", tmp_path
    )
    assert done.returncode == 3, done.stderr
    assert _one_line(done) == (
        f"the database of DATABASE_URL (SQLite file {path}) has not been migrated: run `diaspora-desk migrate` first"
    )


@pytest.mark.parametrize(
    ("args", "verb"),
    [
        (["verify-audit"], "verify"),
        (["verify-audit", "--seal"], "seal"),
        (["rotate-audit-key", "--new-key", "{tmp}/next.pem"], "rotate"),
    ],
)
async def test_the_audit_commands_on_a_database_never_migrated_exit_3_not_broken(
    args: list[str], verb: str, tmp_path: Path
) -> None:
    """Exit 1 says the log is broken: an auditor's script took an empty or mistyped DATABASE_URL for
    a tampered log."""
    from app.audit.signing import load_signer

    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()  # there, but never migrated
    load_signer(tmp_path / "var" / "audit_signing_key.pem", create=True)
    load_signer(tmp_path / "next.pem", create=True)
    done = await asyncio.to_thread(
        _command, [a.format(tmp=tmp_path) for a in args], f"sqlite+aiosqlite:///{path}", tmp_path
    )
    assert done.returncode == 3, (verb, done.stderr)
    assert _one_line(done) == (
        f"cannot read the audit log: the database of DATABASE_URL (SQLite file {path}) has not been migrated: "
        "run `diaspora-desk migrate` first"
    )
