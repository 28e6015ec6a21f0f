"""One import at a time per desk, and nobody waits for it: an import sent while another of the same
desk runs is refused at once (409 ``import-already-running``) without holding a pooled connection,
so that searches keep answering however many imports are sent (``app.imports.holding``)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import Settings
from app.imports import service
from app.imports.run import ImportRun
from tests.imports.conftest import URL, csv_file, names_row

Upload = Callable[..., Awaitable[httpx.Response]]
POOL_SIZE = 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small pool that gives up quickly: a connection held by an import that waits shows at once."""
    settings.database_pool_size = POOL_SIZE
    settings.database_pool_timeout_seconds = 2
    settings.database_busy_timeout_seconds = 2
    return settings


@asynccontextmanager
async def paused_import(
    upload: Upload, monkeypatch: pytest.MonkeyPatch, content: bytes, **kwargs: Any
) -> AsyncIterator[asyncio.Task[httpx.Response]]:
    """Start an import of ``content`` and pause it once it holds its desk's lock (while it prepares
    its rows); it goes on when the block ends. Yields the request's task."""
    entered, go, first = threading.Event(), threading.Event(), threading.Lock()
    prepare = service._prepare_rows

    def pausing(*args: Any, **kw: Any) -> Any:
        if first.acquire(blocking=False):  # the first import to get here: the one holding the lock
            entered.set()
            go.wait(30)
        return prepare(*args, **kw)

    monkeypatch.setattr(service, "_prepare_rows", pausing)
    task = asyncio.create_task(upload(content, **kwargs))
    try:
        assert await anyio.to_thread.run_sync(entered.wait, 10), "the import never took the desk's lock"
        yield task
    finally:
        go.set()
        await asyncio.wait([task], timeout=30)


def rows(*names: str) -> bytes:
    return csv_file(*(names_row(n, given, "Ndiaye") for n, given in enumerate(names, 1)))


async def busy_backends(database_url: str) -> int:
    """PostgreSQL: the other connections to the test database that are not idle (in a transaction,
    or running a statement such as a lock wait)."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()


async def test_imports_sent_while_one_runs_at_the_desk_are_refused_at_once_holding_no_connection(  # type: ignore[no-untyped-def]
    upload, client, make_staff, app: FastAPI, database_url: str, monkeypatch
) -> None:
    agent = await make_staff("agent")
    pool = app.state.engine.sync_engine.pool
    postgres = database_url.startswith("postgresql")
    async with paused_import(upload, monkeypatch, rows("Awa")) as running:
        names = ["Fatou", "Moussa", "Aminata", "Cheikh", "Khady", "Ousmane"]  # three real runs, three dry runs
        later = [asyncio.create_task(upload(rows(name), dry_run=n % 2 == 1)) for n, name in enumerate(names)]
        _, waiting = await asyncio.wait(later, timeout=3)
        held = pool.checkedout()
        busy = await busy_backends(database_url) if postgres else 0
        began = time.monotonic()
        search = await client.get("/api/v1/registrants", params={"q": "Ndiaye"}, headers=agent.headers)
        searched_in = time.monotonic() - began
        for task in waiting:
            task.cancel()
    # the search answered at once; no import still waits; the running import's lock holds no
    # connection (PostgreSQL: a lease row; SQLite: a file lock)
    assert (search.status_code, searched_in < 1, len(waiting), held, busy) == (200, True, 0, 0, 0)
    assert [task.result().status_code for task in later] == [409] * 6
    assert (await running).status_code == 201


async def test_the_refusal_says_an_import_of_the_desk_is_running_and_what_to_do(upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with paused_import(upload, monkeypatch, rows("Awa")):
        refused = await upload(rows("Awa"))
    assert refused.headers["content-type"] == "application/problem+json"
    body = {member: value for member, value in refused.json().items() if member != "request_id"}
    assert body == {
        "type": "/problems/import-already-running",
        "title": "Un import est déjà en cours pour ce bureau",
        "status": 409,
        "detail": "Un autre import du bureau CASA-BASE est en cours : les imports d'un bureau se font l'un après "
        "l'autre. Rien n'a été lu du fichier ni enregistré. Renvoyez-le une fois cet import terminé : les lignes "
        "qu'il a enregistrées seront alors signalées « déjà importées ».",
        "instance": "/api/v1/imports/registers",
        "desk_code": "CASA-BASE",
    }


async def test_the_refusal_is_given_in_english_to_who_asks(client, admin, upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with paused_import(upload, monkeypatch, rows("Awa")):
        refused = await client.post(
            URL,
            files={"file": ("registre.csv", rows("Awa"), "text/csv")},
            data={"desk_code": "CASA-BASE", "dry_run": "false"},
            headers={**admin.headers, "Accept-Language": "en"},
        )
    assert (refused.json()["title"], refused.json()["detail"]) == (
        "An import is already running at this desk",
        "Another import of desk CASA-BASE is running: imports of one desk run one at a time. Nothing was read "
        "from the file nor written. Send it again once that import has ended: the rows it stored are then "
        "reported already_imported.",
    )


async def test_a_dry_run_sent_while_an_import_runs_at_the_desk_is_refused(upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with paused_import(upload, monkeypatch, rows("Awa")):
        refused = await upload(rows("Awa"), dry_run=True)
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        "Un import du bureau CASA-BASE est en cours : une simulation maintenant compterait les lignes qu'il "
        "enregistre au fur et à mesure. Rien n'a été lu du fichier. Réessayez une fois cet import terminé.",
    )


async def test_dry_runs_of_one_desk_run_side_by_side_and_keep_imports_out(upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with paused_import(upload, monkeypatch, rows("Awa"), dry_run=True) as previewing:
        other_preview = await upload(rows("Fatou"), dry_run=True)
        real = await upload(rows("Fatou"))
    assert (other_preview.status_code, other_preview.json()["counts"]["imported"]) == (200, 1)
    assert real.status_code == 409
    assert (await previewing).status_code == 200


async def test_an_import_at_another_desk_runs_meanwhile(upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with paused_import(upload, monkeypatch, rows("Awa")) as running:
        elsewhere = await upload(rows("Fatou"), desk="DKR-MOB")
    assert (elsewhere.status_code, elsewhere.json()["counts"]["imported"]) == (201, 1)
    assert (await running).status_code == 201


async def test_the_same_file_sent_during_its_import_is_refused_then_reports_already_imported(  # type: ignore[no-untyped-def]
    upload, count_rows, monkeypatch
) -> None:
    content = rows("Awa", "Fatou", "Moussa")
    async with paused_import(upload, monkeypatch, content) as running:
        refused = await upload(content)
    first = await running
    again = await upload(content)
    assert (refused.status_code, first.status_code, again.status_code) == (409, 201, 201)
    assert (first.json()["counts"]["imported"], again.json()["counts"]["already_imported"]) == (3, 3)
    assert (await count_rows())["registrants"] == 3


async def test_the_desk_is_free_again_once_an_import_fails(upload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is gone")

    with monkeypatch.context() as patched:
        patched.setattr(ImportRun, "write", failing)  # after the batch is stored: the run is interrupted
        with pytest.raises(RuntimeError, match="the disk is gone"):
            await upload(rows("Awa"))
    resumed = await upload(rows("Awa"))
    assert (resumed.status_code, resumed.json()["counts"]["imported"]) == (201, 1)
