"""A PostgreSQL connection cut while it waits on a lock: how a test makes a request lose its
database at a chosen step, for real (``pg_terminate_backend`` is what a server restart or an
administrator does to each connection)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg
import pytest

T = TypeVar("T")

WAIT_SECONDS = 20


def postgres_only(database_url: str) -> str:
    """The asyncpg address of the test database; skips the test on SQLite (no lock to wait on a
    table, no backend to terminate)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a connection waiting on a table lock is PostgreSQL's")
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def table_locked(dsn: str, table: str) -> AsyncIterator[asyncpg.Connection]:
    """Hold ``ACCESS EXCLUSIVE`` on ``table`` (every read and write of it waits) until the block
    ends; yields the holding connection."""
    holder = await asyncpg.connect(dsn)
    try:
        async with holder.transaction():
            await holder.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            yield holder
    finally:
        await holder.close()


async def cut_when_waiting(holder: asyncpg.Connection, request: Awaitable[T], *, how: str = "terminate") -> T:
    """Run ``request`` until a connection of it waits on ``holder``'s lock, then ``terminate``
    that connection (``pg_terminate_backend``: the connection is gone) or ``cancel`` its statement
    (``pg_cancel_backend``: SQLSTATE 57014, the connection stays), and return what the request
    answers (within ``WAIT_SECONDS`` each)."""
    assert how in ("terminate", "cancel")
    task = asyncio.ensure_future(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        waiting = await holder.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"
        )
        if waiting:
            for row in waiting:
                await holder.fetchval(f"SELECT pg_{how}_backend($1)", row["pid"])
            break
        if task.done() or loop.time() > deadline:
            task.cancel()
            raise AssertionError("the request never waited on the lock")
        await asyncio.sleep(0.02)
    return await asyncio.wait_for(task, WAIT_SECONDS)


async def until_waiting(dsn: str, *, also: Awaitable[object] | None = None) -> None:
    """Return once a connection to the test database waits on a lock (a row or table lock another
    transaction holds); ``AssertionError`` after ``WAIT_SECONDS``, or as soon as ``also`` (the task
    expected to wait) is done without having waited."""
    watcher = await asyncpg.connect(dsn)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while not await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"
        ):
            if loop.time() > deadline or (isinstance(also, asyncio.Future) and also.done()):
                raise AssertionError("no transaction waited on a lock")
            await asyncio.sleep(0.02)
    finally:
        await watcher.close()


async def interleaved(
    dsn: str,
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    name: str,
    first: Awaitable[T],
    second: Awaitable[T],
    *,
    after: bool = False,
) -> tuple[T, T]:
    """Run ``first`` until it calls ``owner.name`` (a coroutine function) for the first time and
    hold it there (with ``after``: once that call returned); run ``second`` until a transaction
    waits on a lock; then let ``first`` go on. Both answers, ``first``'s first. How a test puts two
    requests at the point where locks taken in opposite orders deadlock (PostgreSQL cancels one of
    them after ``deadlock_timeout``)."""
    reached, go = asyncio.Event(), asyncio.Event()
    called = getattr(owner, name)
    calls = 0

    async def held(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        hold = calls == 1
        if hold and not after:
            reached.set()
            await go.wait()
        result = await called(*args, **kwargs)
        if hold and after:
            reached.set()
            await go.wait()
        return result

    monkeypatch.setattr(owner, name, held)
    one = asyncio.ensure_future(first)
    try:
        await asyncio.wait_for(reached.wait(), WAIT_SECONDS)
        two = asyncio.ensure_future(second)
        await until_waiting(dsn, also=two)
    finally:
        go.set()
    return await asyncio.wait_for(asyncio.gather(one, two), WAIT_SECONDS)  # type: ignore[return-value]
