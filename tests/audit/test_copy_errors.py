"""An error in the ``COPY`` reader's per-line work ends a verification with that error.

asyncpg cannot close a ``COPY`` whose output callback raised (closing the connection then waits
forever), so the reader reads the stream to its end and raises afterwards: a verification that
hangs tells an auditor nothing. PostgreSQL only: the ``COPY`` reader is PostgreSQL's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import asyncpg
import pytest

from app.audit import copy_reader
from app.audit.copy_reader import Link, pg_copy
from app.audit.models import GENESIS_HASH
from app.audit.walk import Walk
from tests.audit.test_verify_failures import _sealed_log

BOUND = 120


class _FailingWalk(Walk):
    """A walk whose per-line work has a bug."""

    def links(self, links: Iterable[Link]) -> None:
        raise RuntimeError("a bug in the per-line work")


async def test_an_error_while_reading_the_copy_is_raised_and_the_connection_stays_usable(
    sessionmaker, audit_log
) -> None:
    await _sealed_log(sessionmaker, audit_log)

    async def verify_and_query() -> int:
        async with sessionmaker() as session:
            conn = await session.connection()
            if conn.dialect.name != "postgresql":
                pytest.skip("the COPY reader runs on PostgreSQL only")
            with pytest.raises(RuntimeError, match="a bug in the per-line work"):
                await pg_copy(conn, _FailingWalk({}, None))
            return int((await conn.exec_driver_sql("SELECT 1")).scalar_one())

    # the bound only turns a hang into a failure: the answer comes at once
    assert await asyncio.wait_for(verify_and_query(), timeout=BOUND) == 1


async def test_the_copy_streams_and_leaves_the_planner_settings_as_they_were(
    sessionmaker, audit_log, monkeypatch
) -> None:
    """The COPY plans without a sort (its rows come as the server reads them, not after it has
    read them all); after it the transaction plans as before, whatever the caller had set."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        conn = await session.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("the COPY reader runs on PostgreSQL only")
        await conn.execute(copy_reader._STREAMING)
        plan = "\n".join(row[0] for row in await conn.exec_driver_sql(f"EXPLAIN {copy_reader.PG_COPY}"))
        assert "Sort" not in plan, plan
        copying, during = asyncpg.Connection.copy_from_query, []

        async def observed(driver: asyncpg.Connection, query: str, **kwargs: Any) -> Any:  # the COPY's settings
            during.append(tuple(await driver.fetchrow("SELECT current_setting('enable_sort'), current_setting('jit')")))
            return await copying(driver, query, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, "copy_from_query", observed)
        for sort, jit in (("on", "on"), ("off", "off"), ("on", "off")):
            await conn.exec_driver_sql(f"SET LOCAL enable_sort = {sort}")
            await conn.exec_driver_sql(f"SET LOCAL jit = {jit}")
            walk = Walk({}, None, GENESIS_HASH.encode())
            await pg_copy(conn, walk)
            assert walk.failure is None and walk.expected_seq > 1
            assert during.pop() == ("off", "off")
            now = (await conn.exec_driver_sql("SELECT current_setting('enable_sort'), current_setting('jit')")).one()
            assert tuple(now) == (sort, jit)
