"""PostgreSQL: statements sent on the driver (``transaction_driver``) belong to the session's
transaction, the one it has now, whatever commits and rollbacks came before."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import transaction_driver
from tests.db import postgres_url

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="the driver path is PostgreSQL's (asyncpg)")

TXID = "SELECT txid_current()"


async def _session_txid(session: AsyncSession) -> int:
    return int((await session.execute(text(TXID))).scalar_one())


async def test_the_driver_runs_in_the_sessions_current_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        driver = await transaction_driver(session)  # the transaction's first statement
        first = await driver.fetchval(TXID)
        assert first == await _session_txid(session)
        assert await transaction_driver(session) is driver  # remembered for the transaction
        await session.commit()
        # after the commit, a new transaction: the driver is in it, not on its own (autocommit)
        second = await (await transaction_driver(session)).fetchval(TXID)
        assert second != first and second == await _session_txid(session)
        await session.rollback()
        assert await _session_txid(session) != second  # the session began another…
        third = await (await transaction_driver(session)).fetchval(TXID)
        assert third == await _session_txid(session)  # …and the driver runs in it
        await session.execute(text("CREATE TEMPORARY TABLE t_driver (n int) ON COMMIT DROP"))
        await (await transaction_driver(session)).execute("INSERT INTO t_driver VALUES (1)")
        await session.rollback()  # what the driver wrote goes with the session's rollback
        assert await (await transaction_driver(session)).fetchval("SELECT to_regclass('pg_temp.t_driver')") is None
