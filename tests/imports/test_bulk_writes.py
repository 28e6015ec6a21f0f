"""The bulk paths (the register import, a registration): rows written in bulk belong to the
transaction, and a constraint they break is the error the ORM would raise."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditPayload
from app.core import bulk
from app.core.integrity import is_unique_violation

PAYLOADS = cast(Table, AuditPayload.__table__)


def _payload() -> dict[str, object]:
    now = dt.datetime.now(dt.UTC)
    value = {"a": [1, "é"]}
    return {"id": uuid.uuid4(), "registrant_id": uuid.uuid4(), "salt": "00", "value": value, "created_at": now}


async def _payloads(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(AuditPayload))).scalar_one())


async def test_rows_written_in_bulk_roll_back_with_their_transaction(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    before = await _payloads(sessionmaker)
    async with sessionmaker() as session:
        # the bulk insert is the transaction's first statement (on PostgreSQL a COPY sent on the
        # driver connection): it must still be part of the transaction the session rolls back
        await bulk.insert_rows(session, PAYLOADS, [_payload(), _payload()])
        await session.rollback()
    assert await _payloads(sessionmaker) == before
    row = _payload()
    async with sessionmaker() as session:
        await bulk.insert_rows(session, PAYLOADS, [row])
        await session.commit()
    async with sessionmaker() as session:
        stored = (await session.execute(select(AuditPayload).where(AuditPayload.id == row["id"]))).scalar_one()
    assert (stored.value, stored.created_at) == ({"a": [1, "é"]}, row["created_at"])


async def test_rows_inserted_together_break_a_unique_constraint_as_an_integrity_error(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    before = await _payloads(sessionmaker)
    row = _payload()
    async with sessionmaker() as session:
        dialect = session.get_bind().dialect.name
        # the statement is the transaction's first (on PostgreSQL sent on the driver connection)
        assert await bulk.insert_together(session, [bulk.prepare(PAYLOADS, [row], dialect=dialect)]) == []
        await session.commit()
    assert await _payloads(sessionmaker) == before + 1
    async with sessionmaker() as session:
        again = [bulk.prepare(PAYLOADS, [_payload(), row], dialect=dialect)]
        with pytest.raises(IntegrityError) as caught:  # answered 409 unique-violation, not 500
            await bulk.insert_together(session, again)
        assert is_unique_violation(caught.value)
        await session.rollback()
    assert await _payloads(sessionmaker) == before + 1  # nothing of the failed statement is kept
