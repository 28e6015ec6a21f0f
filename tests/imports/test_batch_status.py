"""A batch's status while its run goes on: listed ``running`` from the moment its run holds the
desk's lock (while the file's rows are prepared, before any is stored), and never shown
``interrupted`` while its run lives, nor as the run completes (``app.imports.batches.shown_status``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

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
