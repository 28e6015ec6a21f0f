"""The sequencer: writers do not wait on one another, and events are sealed once, in commit-safe order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from app.audit.models import AuditEvent, AuditLink
from app.audit.sequencer import Sequencer
from app.core.context import SYSTEM_ACTOR
from tests.audit.conftest import write_events


def _event(entity_id: str) -> AuditEvent:
    return AuditEvent(
        occurred_at=dt.datetime.now(dt.UTC),
        actor_label=SYSTEM_ACTOR.email,
        actor_role=SYSTEM_ACTOR.role,
        action="test.order",
        entity_type="test",
        entity_id=entity_id,
        details={},
    )


async def _sealed_entities(sessionmaker) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditEvent.entity_id).join(AuditLink, AuditLink.event_id == AuditEvent.id).order_by(AuditLink.seq)
        )
        return [r for (r,) in rows]


async def test_an_event_committed_after_a_later_one_is_sealed_not_skipped(
    database_url, sessionmaker, audit_log
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: commit order is id order there")
    async with sessionmaker() as early:
        early.add(_event("early"))
        await early.flush()  # holds the smaller id, not committed yet
        async with sessionmaker() as late:
            # no lock is shared with the open transaction: this would wait (lock_timeout) if it were
            await late.execute(text("SET LOCAL lock_timeout = '2s'"))
            late.add(_event("late"))
            await late.commit()
        assert await audit_log.seal() == 0  # the later one waits for the earlier transaction to end
        await early.commit()
    assert await audit_log.seal() == 2
    assert await _sealed_entities(sessionmaker) == ["early", "late"]
    assert (await audit_log.verify()).ok


async def test_a_transaction_that_took_its_id_before_writing_holds_the_horizon_back(
    database_url, sessionmaker, audit_log
) -> None:
    """A transaction with an id but no table touched yet (no lock on anything of this database)
    may still write an event: the events of later transactions wait for it, and it is sealed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: commit order is id order there")
    async with sessionmaker() as early:
        await early.execute(text("SELECT pg_current_xact_id()"))  # an id, no lock on any table
        await write_events(sessionmaker, 2)
        assert await audit_log.seal() == 0  # the later ones wait for the earlier transaction to end
        early.add(_event("early"))
        await early.commit()
    assert await audit_log.seal() == 3
    assert (await _sealed_entities(sessionmaker))[0] == "early"
    assert (await audit_log.verify()).ok


async def test_a_rolled_back_transaction_leaves_no_hole(sessionmaker, audit_log) -> None:
    async with sessionmaker() as session:
        session.add(_event("rolled-back"))
        await session.flush()
        await session.rollback()
    await write_events(sessionmaker, 2)
    assert await audit_log.seal() == 2
    assert (await audit_log.verify()).checked == 2


async def test_batches_resume_where_the_last_one_stopped_and_each_head_is_signed(app, sessionmaker) -> None:
    await write_events(sessionmaker, 7)
    sequencer = Sequencer(app.state.engine, app.state.audit_sequencer.signer, batch=3)
    results = [await sequencer.seal_once() for _ in range(4)]
    assert [(r.sealed, r.head_seq, r.checkpoint is not None) for r in results] == [
        (3, 3, True),
        (3, 6, True),
        (1, 7, True),
        (0, 7, False),
    ]
    async with sessionmaker() as session:
        seqs = (await session.execute(text("SELECT seq FROM audit_checkpoints ORDER BY seq"))).scalars().all()
    assert seqs == [3, 6, 7]


async def test_another_process_holding_the_sequencing_lock_makes_this_one_skip(database_url, app, sessionmaker) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; SQLite's writers are serialised by BEGIN IMMEDIATE")
    from app.audit.sequencer import ADVISORY_LOCK_KEY

    await write_events(sessionmaker, 1)
    async with app.state.engine.connect() as other:
        await other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        assert await app.state.audit_sequencer.seal_once() is None
        await other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
    assert (await app.state.audit_sequencer.seal_once()).sealed == 1


async def test_readyz_reports_the_unsealed_backlog(client, sessionmaker, audit_log) -> None:
    await write_events(sessionmaker, 4)
    body = (await client.get("/readyz")).json()
    assert body["audit"]["unsealed_events"] == 4
    assert body["audit"]["oldest_unsealed_seconds"] >= 0
    await audit_log.seal()
    sealed = (await client.get("/readyz")).json()
    assert sealed == {
        "status": "ready",
        "tzdata": "2026f",
        "audit": {"unsealed_events": 0, "oldest_unsealed_seconds": 0.0, "lagging": False, "sealing": "running"},
    }


async def test_the_checkpoint_is_exported_to_auditors_with_its_public_key(
    client, make_staff, sessionmaker, audit_log
) -> None:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    auditor, agent = await make_staff("auditor", []), await make_staff("agent")
    assert (await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)).status_code == 404
    await write_events(sessionmaker, 2)
    await audit_log.seal()
    assert (await client.get("/api/v1/audit/checkpoint", headers=agent.headers)).status_code == 403
    body = (await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)).json()
    assert body["seq"] == 2
    # Verified here with the library directly, over the note as documented (signing.py).
    note = f"diaspora-desk audit log\n2\n{body['hash']}\n{body['signed_at']}\n".encode()
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]))
    key.verify(base64.b64decode(body["signature"]), note)  # raises InvalidSignature if wrong
