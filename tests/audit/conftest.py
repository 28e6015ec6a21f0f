"""Helpers of the audit log tests: write events, and (PostgreSQL) connect as the application's role."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.core.context import SYSTEM_ACTOR
from app.core.roles import grant_app_role
from tests.cases.conftest import admin, make_registrant, partner
from tests.db import postgres_url
from tests.selfservice.conftest import link, sign_in

__all__ = ["admin", "link", "make_registrant", "partner", "sign_in"]

APP_ROLE = f"dd_test_app_{os.getpid()}"


async def write_events(sessionmaker: async_sessionmaker[AsyncSession], count: int, action: str = "test.event") -> None:
    """``count`` events in one committed transaction."""
    async with sessionmaker() as session:
        for i in range(count):
            await audit.record(session, actor=SYSTEM_ACTOR, action=action, entity_type="test", entity_id=str(i))
        await session.commit()


async def run_sequencer_for(sequencer: Any, seconds: float) -> int:
    """Run ``sequencer``'s task (:meth:`app.audit.sequencer.Sequencer.run`) for ``seconds``, then
    cancel it between two rounds (cancelled inside one, a SQLite transaction could be left holding
    the database's lock); the rounds it began."""
    rounds, between = 0, asyncio.Event()
    real = sequencer.seal_all

    async def counted() -> int:
        nonlocal rounds
        rounds += 1
        between.clear()
        try:
            sealed: int = await real()
            return sealed
        finally:
            between.set()  # run() goes on to its sleep without yielding in between

    sequencer.seal_all = counted
    try:
        task = asyncio.create_task(sequencer.run())
        await asyncio.sleep(seconds)
        await between.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        sequencer.seal_all = real
    return rounds


@pytest.fixture(scope="session")
def app_role() -> Iterator[str]:
    """PostgreSQL: the name of a login role made for this test run, dropped at its end."""
    url = postgres_url()
    if url is None:
        pytest.skip("roles and grants are PostgreSQL's; SQLite has none (see README)")
    yield APP_ROLE

    async def drop() -> None:
        conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            # The last test's database (where the role was granted CONNECT) is dropped by another
            # thread, maybe not yet: wait for it rather than leave the role behind.
            for _ in range(100):
                try:
                    await conn.execute(f'DROP ROLE IF EXISTS "{APP_ROLE}"')
                    return
                except asyncpg.DependentObjectsStillExistError:
                    await asyncio.sleep(0.1)
            await conn.execute(f'DROP ROLE IF EXISTS "{APP_ROLE}"')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture
async def app_role_connection(app_role: str, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the test's database as the application's role, granted by :func:`grant_app_role`."""
    app_url = make_url(database_url).set(username=app_role, password="not-used-with-trust-auth")
    role = await grant_app_role(database_url, app_url.render_as_string(hide_password=False))
    assert role == app_role
    conn = await asyncpg.connect(app_url.set(drivername="postgresql").render_as_string(hide_password=False))
    yield conn
    await conn.close()
