"""PostgreSQL: human numbers come from a sequence per series; nobody waits for another's commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from app.core import numbering
from app.registrants.models import Registrant
from tests.db import postgres_url

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="sequences are PostgreSQL's; SQLite has one writer")

COLUMN = Registrant.registration_number


async def _allocate(sessionmaker, *, commit: bool = True) -> str:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        number = await numbering.allocate(session, prefix="ZIG", kind="", year=2031, column=COLUMN)
        if commit:
            await session.commit()
        return number


async def test_forty_concurrent_allocations_are_distinct_and_dense(sessionmaker) -> None:
    numbers = await asyncio.gather(*(_allocate(sessionmaker) for _ in range(40)))
    assert sorted(numbers) == [f"ZIG-2031-{i:06d}" for i in range(1, 41)]


async def test_an_open_transaction_does_not_block_the_next_allocation(sessionmaker) -> None:
    assert await _allocate(sessionmaker) == "ZIG-2031-000001"  # creates the series' sequence
    async with sessionmaker() as holder:
        held = await numbering.allocate(holder, prefix="ZIG", kind="", year=2031, column=COLUMN)
        async with sessionmaker() as other:
            # With a counter row locked until commit, this would wait for `holder` and time out.
            await other.execute(text("SET LOCAL lock_timeout = '2s'"))
            following = await numbering.allocate(other, prefix="ZIG", kind="", year=2031, column=COLUMN)
            await other.commit()
        await holder.rollback()
    assert (held, following) == ("ZIG-2031-000002", "ZIG-2031-000003")
    # The rolled-back number is a documented gap: it is never handed out again.
    assert await _allocate(sessionmaker) == "ZIG-2031-000004"


async def test_a_new_series_starts_after_the_numbers_counted_before_it(sessionmaker) -> None:
    async with sessionmaker() as session:
        await session.execute(text("INSERT INTO number_counters (scope, year, last_value) VALUES ('ZIG-C', 2031, 41)"))
        await session.commit()
    async with sessionmaker() as session:
        number = await numbering.allocate(session, prefix="ZIG", kind="C", year=2031, column=COLUMN)
        await session.commit()
    assert number == "ZIG-2031-C-000042"
