"""Verification of a log longer than one read batch (app/audit/verify.py ``BATCH``, 10,000 links)
with more distinct ``details`` than the ``COPY`` reader caches (4,096), one of them far larger than
a network read, on every reader the database has."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, text

from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink
from app.audit.state import Backlog
from app.audit.verify import VerifyResult, verify_log
from tests.audit.tampering import lift_protection
from tests.audit.test_verify_failures import event_values

LINKS = 10_001
START = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)
BIG = {"note": "x" * 300_000, "tab": "\t", "quote": '"', "é": "😀"}


def _rows() -> list[dict[str, object]]:
    return [
        event_values(
            n,
            occurred_at=START + dt.timedelta(milliseconds=n),
            ip="203.0.113.7" if n % 2 else None,
            # 5,000 distinct texts, each twice (1–5,000 then again): the cache is full before
            # the second round; one event far larger than a network read
            details=BIG if n == 7_000 else ({"n": n % 5_000} if n % 3 else {}),
        )
        for n in range(1, LINKS + 1)
    ]


async def _verify(sessionmaker, verifier) -> list[VerifyResult]:
    results = []
    for streamed in (None, False):
        async with sessionmaker() as session:
            conn = await session.connection()
            if conn.dialect.name == "postgresql":
                await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            elif streamed is False:
                break
            if streamed is None:
                results.append(await verify_log(conn, verifier))
            else:
                results.append(await verify_log(conn, verifier, streamed=streamed))
    return results


async def test_a_log_longer_than_one_batch_is_checked_to_its_last_link(app, sessionmaker, audit_log) -> None:
    async with sessionmaker() as session:
        await session.execute(insert(AuditEvent), _rows())
        await session.commit()
    await audit_log.seal()
    signer = app.state.audit_sequencer.signer
    async with sessionmaker() as session:
        checkpoints = (await session.execute(select(func.count()).select_from(AuditCheckpoint))).scalar_one()
        last_event = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == LINKS))).scalar_one()
    assert checkpoints >= 1
    results = await _verify(sessionmaker, signer)
    assert results and all(result == VerifyResult(LINKS, checkpoints, Backlog(0, None)) for result in results)

    # the last link is read in the second batch: an edit there is found and named
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": last_event})
        await session.commit()
    for result in await _verify(sessionmaker, signer):
        assert (result.checked, result.broken_seq, result.broken_id, result.reason) == (
            LINKS,
            LINKS,
            last_event,
            "content does not match its hash",
        )
