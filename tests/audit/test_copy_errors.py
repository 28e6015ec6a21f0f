"""An error in the ``COPY`` reader's per-line work ends a verification with that error.

asyncpg cannot close a ``COPY`` whose output callback raised (closing the connection then waits
forever), so the reader reads the stream to its end and raises afterwards: a verification that
hangs tells an auditor nothing. PostgreSQL only: the ``COPY`` reader is PostgreSQL's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from app.audit.copy_reader import Link, pg_copy
from app.audit.walk import Walk
from tests.audit.test_verify_failures import _sealed_log

BOUND = 120


class _FailingWalk(Walk):
    """A walk whose per-line work has a bug."""

    def links(self, links: Iterable[Link]) -> bool:
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
