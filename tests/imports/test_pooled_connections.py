"""What a register import holds of the connection pool (PostgreSQL, as behind PgBouncer in
transaction mode): at most one connection at any moment, and none between its database steps —
never a transaction left open while Python works (preparing the file's rows, matching a chunk),
nor a connection pinned for the whole run by the desk's lock (a lease row, ``app.imports.holding``).
With a pool of one connection, an import runs to its end and a search answers while it works."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import Settings
from app.imports import matching, service
from app.imports.run import ImportRun
from app.main import create_app
from tests.core.servers import PgBouncer
from tests.imports.conftest import register_head


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One pooled connection, given up on after 2 s: an import that needed two at once, or held
    one through its Python work, would make itself or the search wait and fail."""
    settings.database_pool_size = 1
    settings.database_max_overflow = 0
    settings.database_pool_timeout_seconds = 2
    return settings


@pytest.fixture(autouse=True)
def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: what the pool's connections do (pg_stat_activity)")


def pausing(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, call: int = 1
) -> tuple[threading.Event, threading.Event]:
    """Make the ``call``-th call of ``owner.name`` (a function run in a worker thread) wait until
    the second event is set; the first is set once it waits."""
    reached, go = threading.Event(), threading.Event()
    original = getattr(owner, name)
    calls = iter(range(1, 1_000_000))

    def waiting(*args: Any, **kwargs: Any) -> Any:
        if next(calls) == call:
            reached.set()
            go.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)
    return reached, go


@asynccontextmanager
async def paused(
    upload: Callable[..., Any], content: bytes, events: tuple[threading.Event, threading.Event]
) -> AsyncIterator[asyncio.Task[Any]]:
    reached, go = events
    task = asyncio.create_task(upload(content))
    try:
        assert await anyio.to_thread.run_sync(reached.wait, 20), "the import never got there"
        yield task
    finally:
        go.set()
        await asyncio.wait([task], timeout=30)


async def _backends(database_url: str) -> list[str]:
    """The states of the other connections to the test database that are not idle."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text(
                    "SELECT state FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            )
            return [str(state) for state in found.scalars()]
    finally:
        await engine.dispose()


PAUSES = {
    "while its rows are prepared": (service, "_prepare_rows", 1),
    "while the registry's keys are counted": (matching, "_file_keys", 1),
    "while a chunk is stored and the next matched": (ImportRun, "process_rows", 3),
}


@pytest.mark.parametrize("where", PAUSES)
async def test_an_import_holds_no_connection_while_python_works_and_a_search_answers(  # type: ignore[no-untyped-def]
    where, upload, client, make_staff, database_url: str, monkeypatch
) -> None:
    agent = await make_staff("agent")
    owner, name, call = PAUSES[where]
    async with paused(upload, register_head(601), pausing(monkeypatch, owner, name, call)) as running:
        await asyncio.sleep(0.3)  # a store or a read still in flight ends meanwhile
        held = await _backends(database_url)
        began = time.monotonic()
        search = await client.get("/api/v1/registrants", params={"q": "Ndiaye"}, headers=agent.headers)
        searched_in = time.monotonic() - began
    imported = await running
    assert (held, search.status_code, searched_in < 1) == ([], 200, True)
    assert imported.status_code == 201, imported.text
    assert imported.json()["counts"]["total"] == 600


async def test_imports_at_two_desks_behind_pgbouncer_leave_a_server_connection_to_searches(  # type: ignore[no-untyped-def]
    settings: Settings, database_url: str, make_staff, admin
) -> None:
    """Behind PgBouncer in transaction mode with two server connections, two imports at two desks
    take at most one of them at any moment (one import of a process at the database at a time):
    searches sent meanwhile are answered at once."""
    agent = await make_staff("agent")
    bouncer = PgBouncer.in_front_of(database_url, pool_size=2)
    bouncer.start()
    app = create_app(
        settings.model_copy(update={"database_url": bouncer.url_for(database_url), "database_pool_size": 10})
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:

            async def imported(desk: str) -> httpx.Response:
                return await client.post(
                    "/api/v1/imports/registers",
                    files={"file": ("registre.csv", register_head(401), "text/csv")},
                    data={"desk_code": desk, "dry_run": "false"},
                    headers=admin.headers,
                )

            with anyio.fail_after(60):
                imports = [asyncio.create_task(imported(desk)) for desk in ("CASA-BASE", "DKR-MOB")]
                waits = []
                while not all(task.done() for task in imports):
                    began = time.monotonic()
                    search = await client.get("/api/v1/registrants", params={"q": "Ndiaye"}, headers=agent.headers)
                    waits.append(time.monotonic() - began)
                    assert search.status_code == 200, search.text
                    await asyncio.sleep(0.1)
        assert [task.result().status_code for task in imports] == [201, 201]
        assert len(waits) >= 3 and max(waits) < 1, waits
    finally:
        await app.state.engine.dispose()
        bouncer.stop()
