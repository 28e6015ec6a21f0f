"""A gap or a repeat in the chain is named for what it is, on every reader.

The owner can delete an event under its link (the foreign key lifted) or store a link twice (the
primary key dropped): the verifier said "link seq N is missing" of a link still stored (its event
gone), "the log was truncated" when that link was the last, and named the seq after a repeated one
as missing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditLink
from app.audit.verify import VerifyResult
from tests.audit.tampering import as_owner
from tests.audit.test_verify_failures import WAITING, _sealed_log, _signer, _verify


async def _linked_event(sessionmaker, seq: int) -> int:
    async with sessionmaker() as session:
        return (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == seq).limit(1))).scalar_one()


@pytest.mark.parametrize(("seq", "checked", "checkpoints"), [(3, 6, 2), (6, 6, 2)], ids=["middle", "last"])
async def test_an_event_deleted_under_its_link_is_named(
    app, sessionmaker, audit_log, seq, checked, checkpoints
) -> None:
    await _sealed_log(sessionmaker, audit_log)
    event_id = await _linked_event(sessionmaker, seq)
    await as_owner(app.state.engine, "DELETE FROM audit_events WHERE id = :e", e=event_id)
    reason = f"the event of link seq {seq} (event {event_id}) was deleted"
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(checked, checkpoints, WAITING, seq, event_id, reason)


async def test_a_deleted_link_is_still_named_missing(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    await as_owner(app.state.engine, "DELETE FROM audit_links WHERE seq = 3")
    missing = (3, None, "link seq 3 is missing")
    passed = (  # its event, in no link before the head: named too (the walk goes on past a fault)
        4,
        4,
        "event 3 is in no link, yet link 4 seals event 4, which comes after it in the sealing order: event 4's "
        "txid or id was edited, or link 4 was not written by the sequencer",
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, *missing, (missing, passed))


async def test_sealing_goes_on_after_the_heads_event_was_deleted(app, sessionmaker, audit_log) -> None:
    """The head's event gone, the sequencer numbered its next link after the link before: that seq
    was taken, and every round failed. It numbers after the head and resumes after the event before."""
    await _sealed_log(sessionmaker, audit_log)
    await as_owner(app.state.engine, "DELETE FROM audit_events WHERE id = :e", e=await _linked_event(sessionmaker, 6))
    assert await audit_log.seal() == 1  # the event waiting
    async with sessionmaker() as session:
        seqs = (await session.execute(select(AuditLink.seq).order_by(AuditLink.seq))).scalars().all()
    assert seqs == [1, 2, 3, 4, 5, 6, 7]


async def test_a_link_stored_twice_is_named_as_such(app, sessionmaker, audit_log, database_url) -> None:
    await _sealed_log(sessionmaker, audit_log)
    if database_url.startswith("postgresql"):
        undone = [
            "ALTER TABLE audit_links DROP CONSTRAINT pk_audit_links",
            "ALTER TABLE audit_links DROP CONSTRAINT uq_audit_links_event_id",
        ]
    else:  # SQLite drops no constraint: the owner rebuilds the table without them
        undone = [
            "CREATE TABLE audit_links_copy AS SELECT * FROM audit_links",
            "DROP TABLE audit_links",
            "ALTER TABLE audit_links_copy RENAME TO audit_links",
        ]
    await as_owner(app.state.engine, *undone, "INSERT INTO audit_links SELECT * FROM audit_links WHERE seq = 3")
    event_3 = await _linked_event(sessionmaker, 3)
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 3, event_3, "link seq 3 appears twice")
