"""An import run whose process dies (``kill -9``) and imports of one desk in two processes at once:
the batch list counts the rows a batch holds as its report does, a batch no live run holds shows
``interrupted``, and the desk's import lock holds across processes on every database
(``app.imports.holding``: on SQLite a lock on a file beside the database, which the kernel lets go
with the process)."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest

from app.core.config import Settings
from app.imports.models import ImportBatch
from tests.imports.conftest import register_head
from tests.imports.test_desk_lock import paused_import, rows

STOPS_AFTER_A_CHUNK = """
import sys, time
from app.imports.run import ImportRun

write = ImportRun.write

async def write_then_stop(self, *args, **kwargs):
    await write(self, *args, **kwargs)
    if self.stored_rows >= 200:
        print("stored", self.stored_rows, flush=True)
        time.sleep(300)  # the event loop stopped here, until the test kills the process

ImportRun.write = write_then_stop
from app.cli import cli
cli(sys.argv[1:], prog_name="diaspora-desk")
"""
"""``python -c`` it with ``diaspora-desk``'s arguments: an import that stops for good once a chunk
of its rows is committed, its process alive and holding the desk's lock until killed."""
LEASE_SECONDS = 2
"""The lease of the command-line imports (PostgreSQL): a killed run's holds its desk that long."""


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "ENVIRONMENT": "test",
        "IMPORT_LEASE_SECONDS": str(LEASE_SECONDS),
    }


async def _listed(client: Any, admin: Any) -> dict[str, Any]:
    listed = await client.get("/api/v1/imports", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    (only,) = listed.json()["items"]
    return dict(only)


async def test_a_run_killed_shows_interrupted_with_the_rows_it_holds_and_its_pending_rows(  # type: ignore[no-untyped-def]
    client, admin, upload, settings: Settings, sessionmaker, tmp_path: Path
) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(601))
    command = ["import-register", str(register), "--desk", "CASA-BASE", "--as", admin.email]
    process = await anyio.open_process(
        [sys.executable, "-c", STOPS_AFTER_A_CHUNK, *command], env=_environment(settings)
    )
    try:
        assert process.stdout is not None
        with anyio.fail_after(120):
            said = await process.stdout.receive()
        assert said.startswith(b"stored"), said
        running = await _listed(client, admin)
        refused = await upload(rows("Awa"))  # the same desk, from another process meanwhile
    finally:
        process.kill()  # kill -9: nothing of the run's own can record anything
        await process.wait()
    assert refused.status_code == 409, refused.text
    if settings.database_url.startswith("postgresql"):
        shown = (await client.get(f"/api/v1/imports/{running['id']}", headers=admin.headers)).json()["status"]
        assert shown == "running"  # its lease lives on for up to LEASE_SECONDS
        await anyio.sleep(LEASE_SECONDS + 0.5)
    report = (await client.get(f"/api/v1/imports/{running['id']}", headers=admin.headers)).json()
    interrupted = await _listed(client, admin)
    assert (running["status"], interrupted["status"], report["status"]) == ("running", "interrupted", "interrupted")
    assert interrupted["counts"] == report["counts"] == running["counts"]
    counts = report["counts"]
    assert counts["total"] == len(report["rows"]) >= 200
    assert interrupted["flagged_rows"] == counts["flagged"] == counts["pending"] > 0

    resumed = await upload(register.read_bytes())  # the same file again: resumed, the dead run kept interrupted
    assert resumed.status_code == 201, resumed.text
    assert resumed.json()["counts"]["already_imported"] + resumed.json()["counts"]["already_flagged"] == counts["total"]
    async with sessionmaker() as session:
        stored = await session.get_one(ImportBatch, uuid.UUID(running["id"]))
        assert (stored.status, stored.counts) == ("interrupted", counts)


async def test_the_command_line_is_refused_while_the_server_runs_an_import_of_the_desk(  # type: ignore[no-untyped-def]
    upload, admin, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    register = tmp_path / "small.csv"
    register.write_bytes(rows("Fatou"))
    command = ["import-register", str(register), "--desk", "CASA-BASE", "--as", admin.email]
    async with paused_import(upload, monkeypatch, rows("Awa")) as running:
        cli = await anyio.run_process(
            [sys.executable, "-m", "app.cli", *command], env=_environment(settings), check=False
        )
    assert (await running).status_code == 201
    assert cli.returncode == 2, cli.stdout + cli.stderr
    assert b"Another import of desk CASA-BASE is running" in cli.stderr
    assert b"Traceback" not in cli.stderr
    afterwards = await anyio.run_process(
        [sys.executable, "-m", "app.cli", *command], env=_environment(settings), check=False
    )
    assert afterwards.returncode == 0, afterwards.stdout + afterwards.stderr
