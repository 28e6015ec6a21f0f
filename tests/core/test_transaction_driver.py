"""PostgreSQL: statements sent on the driver (``transaction_driver``) belong to the session's
transaction, the one it has now, whatever commits and rollbacks came before."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, text
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


async def test_beginning_the_transaction_is_one_round_trip_and_it_commits_with_the_session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The driver's transaction begun by the adapter's own ``BEGIN`` alone, not by a first statement
    sent to make SQLAlchemy's adapter send it (a round trip more on every request whose first
    statement goes through the driver: a create sent with an Idempotency-Key)."""
    async with sessionmaker() as session:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        through_sqlalchemy: list[str] = []
        on_driver: list[str] = []

        def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
            through_sqlalchemy.append(sql)

        def log(record: Any) -> None:
            on_driver.append(record.query.strip().rstrip(";").upper())

        engine = connection.sync_engine
        event.listen(engine, "before_cursor_execute", statement)
        driver.add_query_logger(log)
        try:
            assert await transaction_driver(session) is driver
            await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
            assert on_driver == ["BEGIN"]
            assert through_sqlalchemy == []
            await driver.execute("CREATE TEMPORARY TABLE t_begun (n int)")
            await driver.execute("INSERT INTO t_begun VALUES (1)")
            await session.commit()  # the adapter commits the transaction it began
            assert not driver.is_in_transaction()
            assert await driver.fetchval("SELECT count(*) FROM t_begun") == 1
            await (await transaction_driver(session)).execute("INSERT INTO t_begun VALUES (2)")
            await session.rollback()  # and rolls it back
            assert await driver.fetchval("SELECT count(*) FROM t_begun") == 1
            assert through_sqlalchemy == []
        finally:
            driver.remove_query_logger(log)
            event.remove(engine, "before_cursor_execute", statement)
