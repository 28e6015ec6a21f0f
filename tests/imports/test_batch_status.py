"""A batch's status while its run goes on: listed ``running`` from the moment its run holds the
desk's lock (while the file's rows are prepared, before any is stored), and never shown
``interrupted`` while its run lives, nor as the run completes (``app.imports.batches.shown_status``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from app.imports import batches, service
from app.imports.run import ImportRun
from tests.imports.conftest import register_head
from tests.imports.test_pooled_connections import paused, pausing


async def test_the_batch_is_listed_running_while_its_rows_are_prepared(client, admin, upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with paused(upload, register_head(601), pausing(monkeypatch, service, "_prepare_rows")) as running:
        preparing = (await client.get("/api/v1/imports", headers=admin.headers)).json()["items"]
    assert [(b["status"], b["counts"]["total"]) for b in preparing] == [("running", 0)]
    assert (await running).status_code == 201


async def test_a_batch_read_running_whose_run_completes_meanwhile_is_listed_completed(  # type: ignore[no-untyped-def]
    upload, client, admin, monkeypatch, database_url: str
) -> None:
    """The list read the batch while its run went on, and looks at the run once it has completed:
    the batch is completed, not a dead run's (PostgreSQL: SQLite's read transaction keeps the
    status it read first)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: the status is read again with the run's lease")
    assert (await upload(register_head(601))).status_code == 201
    read, resume = asyncio.Event(), asyncio.Event()
    page = batches.paginate

    async def slow_page(*args: Any, **kwargs: Any) -> Any:
        found = await page(*args, **kwargs)
        read.set()
        await resume.wait()
        return found

    async with paused(upload, register_head(401), pausing(monkeypatch, ImportRun, "process_rows", 2)) as running:
        monkeypatch.setattr(batches, "paginate", slow_page)
        listing = asyncio.create_task(client.get("/api/v1/imports", headers=admin.headers))
        await asyncio.wait_for(read.wait(), 10)
    assert (await running).status_code == 201
    resume.set()
    listed = (await listing).json()["items"]
    assert [(b["status"], b["counts"]["total"]) for b in listed] == [("completed", 400), ("completed", 600)]


async def test_a_run_whose_lease_is_gone_stores_no_more_chunks_and_ends_interrupted(  # type: ignore[no-untyped-def]
    upload, client, admin, sessionmaker, monkeypatch, database_url: str
) -> None:
    """A run that lost its lease on the desk (it went too long without renewing it, and another
    run may hold the desk) has its next chunk rolled back: 409 ``import-interrupted``, the batch
    ``interrupted`` with the chunks stored before, resumed by sending the file again."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: the desk's lock is a lease row")
    content = register_head(601)
    async with paused(upload, content, pausing(monkeypatch, ImportRun, "process_rows", 3)) as running:
        await asyncio.sleep(0.3)  # the first chunk is stored meanwhile
        async with sessionmaker() as session:
            await session.execute(text("DELETE FROM import_leases"))
            await session.commit()
    stopped = await running
    assert (stopped.status_code, stopped.json()["type"]) == (409, "/problems/import-interrupted"), stopped.text
    (batch,) = (await client.get("/api/v1/imports", headers=admin.headers)).json()["items"]
    assert (batch["status"], batch["counts"]["total"]) == ("interrupted", 200)
    resumed = await upload(content)
    counts = resumed.json()["counts"]
    assert (resumed.status_code, counts["already_imported"] + counts["already_flagged"], counts["total"]) == (
        201,
        200,
        600,
    )
