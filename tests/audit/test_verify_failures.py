"""Every answer of the verifier (app/audit/verify.py), whole, on every reader the database has.

A log of six events sealed in two batches (checkpoints at 3 and 6) is tampered with directly in
the database, as someone with full rights on it would; the verifier's whole result is compared:
the reason word for word, the link (``broken_seq``) and event (``broken_id``) it names, how many
links and checkpoints it checked, and the events still waiting to be sealed. SQLite has one
reader (the ORM's); PostgreSQL has two (the ``COPY`` stream, the default, and the keyset reader),
which must give the same answer. Where a forger needs every other check to pass, they also hold
the signing key (tests/audit/tampering.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import uuid

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import verify
from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink
from app.audit.signing import Checkpoint, Signer, load_signer
from app.audit.state import Backlog
from app.audit.verify import VerifyResult, verify_log
from tests.audit.tampering import lift_protection, relink, resign_head

WAITING_SINCE = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
WAITING = Backlog(1, WAITING_SINCE)


def event_values(n: int, **values: object) -> dict[str, object]:
    """The columns of event ``n`` as a staff action without a request writes it: no desk, request
    id, IP or user agent (``values`` replace any of them)."""
    content: dict[str, object] = {
        "occurred_at": dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=n),
        "actor_id": None,
        "actor_label": "system",
        "actor_role": "system",
        "action": "test.event",
        "entity_type": "test",
        "entity_id": str(n),
        "desk_id": None,
        "request_id": None,
        "ip": None,
        "user_agent": None,
        "details": {},
    }
    return content | values


def _event(n: int, **values: object) -> AuditEvent:
    return AuditEvent(**event_values(n, **values))


async def _sealed_log(sessionmaker, audit_log, batches: int = 2, per_batch: int = 3) -> None:
    """``batches`` × ``per_batch`` events, each batch sealed (a checkpoint at its last link), then
    one event committed and not sealed yet (the backlog every result reports)."""
    n = 0
    for _ in range(batches):
        async with sessionmaker() as session:
            for _ in range(per_batch):
                n += 1
                session.add(_event(n))
            await session.commit()
        await audit_log.seal()
    async with sessionmaker() as session:
        session.add(_event(99, occurred_at=WAITING_SINCE, action="test.waiting"))
        await session.commit()


def _signer(app) -> Signer:
    return app.state.audit_sequencer.signer


async def _event_id(session, seq: int) -> int:
    return (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == seq))).scalar_one()


async def _verify(sessionmaker, verifier, against: Checkpoint | None = None) -> list[VerifyResult]:
    """The result of every reader: the default one, then (PostgreSQL) the keyset reader."""
    results = []
    for streamed in (None, False):
        async with sessionmaker() as session:
            conn = await session.connection()
            if conn.dialect.name == "postgresql":
                await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            elif streamed is False:
                break  # SQLite: one reader
            if streamed is None:
                results.append(await verify_log(conn, verifier, against=against))
            else:
                results.append(await verify_log(conn, verifier, against=against, streamed=streamed))
    return results


async def test_an_intact_log_reports_its_links_checkpoints_and_backlog(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING)
        assert result.ok


async def test_a_deleted_link_is_named_as_the_missing_seq(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditLink).where(AuditLink.seq == 3))
        prev_2 = (await session.execute(text("SELECT hash FROM audit_links WHERE seq = 2"))).scalar_one()
        await relink(session, 4, first_prev=prev_2)
        await resign_head(session, _signer(app))
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        # and the event of the link deleted, left in no link before the head (the walk goes on past a fault)
        event_3 = 3
        passed = (
            f"event {event_3} is in no link, yet link 4 seals event 4, which comes after it in the sealing order: "
            "event 4's txid or id was edited, or link 4 was not written by the sequencer"
        )
        missing = (3, None, "link seq 3 is missing")
        assert result == VerifyResult(6, 1, WAITING, *missing, (missing, (4, 4, passed)))


async def test_a_broken_prev_link_names_its_link_and_event(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await relink(session, 4, first_prev="f" * 64)
        await resign_head(session, _signer(app))
        event_4 = await _event_id(session, 4)
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 1, WAITING, 4, event_4, "prev_hash does not match the previous link")


async def test_a_link_version_going_down_names_its_link_and_event(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await relink(session, 5, versions={5: 1})
        await resign_head(session, _signer(app))
        event_5 = await _event_id(session, 5)
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 1, WAITING, 5, event_5, "link version 1 after version 2")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("entity_id", "forged"),
        ("details", '{"amount": 1000}'),  # the details were {}
        ("desk_id", "5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10"),  # the event had no desk
        ("request_id", "req-1"),  # was NULL
        ("user_agent", 'curl "8"'),
    ],
    ids=["entity", "details", "desk", "request", "user-agent"],
)
async def test_an_edited_event_is_named_by_its_link_and_id(app, sessionmaker, audit_log, column, value) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        event_2 = await _event_id(session, 2)
        if column == "desk_id" and session.bind.dialect.name == "sqlite":
            value = uuid.UUID(value).hex  # how SQLAlchemy stores a UUID in SQLite
        await session.execute(
            text(f"UPDATE audit_events SET {column} = :v WHERE id = :id"), {"v": value, "id": event_2}
        )
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 2, event_2, "content does not match its hash")


async def test_a_link_relabelled_as_the_legacy_formula_does_not_match(app, sessionmaker, audit_log) -> None:
    """Link 1 may be version 1 (no version before it), but its hash was made by version 2."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(update(AuditLink).where(AuditLink.seq == 1).values(link_version=1))
        event_1 = await _event_id(session, 1)
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 1, event_1, "content does not match its hash")


async def _rewrite_event_2(session: AsyncSession) -> None:
    """The owner's rewrite of history: event 2's entity changed and the chain's hashes recomputed
    from it (the protection lifted first)."""
    await lift_protection(session)
    await session.execute(
        text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": await _event_id(session, 2)}
    )
    await relink(session, 2)


async def test_history_rewritten_without_the_key_fails_every_checkpoint_after_it(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await _rewrite_event_2(session)
        event_3, event_6 = await _event_id(session, 3), await _event_id(session, 6)
        await session.commit()
    at_3 = (3, event_3, "the checkpoint at seq 3 does not match the chain")
    at_6 = (6, event_6, "the checkpoint at seq 6 does not match the chain")
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, *at_3, (at_3, at_6))


async def test_history_rewritten_and_resigned_fails_the_auditors_kept_checkpoint(app, sessionmaker, audit_log) -> None:
    """The forger holds the key and re-signs the head; the auditor kept the checkpoint at 3."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        row = (await session.execute(select(AuditCheckpoint).where(AuditCheckpoint.seq == 3))).scalar_one()
        kept = Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)
        await _rewrite_event_2(session)
        await resign_head(session, _signer(app))
        event_3 = await _event_id(session, 3)
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 1, WAITING)  # consistent in itself
    for result in await _verify(sessionmaker, _signer(app), against=kept):
        assert result == VerifyResult(
            6, 1, WAITING, 3, event_3, "the kept checkpoint at seq 3 does not match the chain"
        )


async def test_history_rewritten_and_resigned_with_another_key_fails_the_signature(
    app, sessionmaker, audit_log, tmp_path
) -> None:
    """The forger without the key signs the rewritten head with a key of their own (its key_id
    too): nothing in the database names the trusted key, so the signature check refuses it, said
    once for every checkpoint (as a wrong --public-key is)."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await _rewrite_event_2(session)
        forger = load_signer(tmp_path / "forger.pem", create=True)
        await resign_head(session, forger)
        await session.commit()
    trusted = _signer(app)
    reason = (
        f"every checkpoint (1) is signed by key {forger.key_id}, not by the trusted key {trusted.key_id}: the key "
        "given (--public-key, or AUDIT_SIGNING_KEY_FILE's) is not the one that signs this log, or every checkpoint "
        "was replaced; the links were checked, not against a signature"
    )
    for result in await _verify(sessionmaker, trusted):
        assert result == VerifyResult(6, 0, WAITING, None, None, reason)  # every link still checked


async def test_a_kept_checkpoint_that_differs_from_the_stored_one_is_named_before_reading_the_chain(
    app, sessionmaker, audit_log
) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        row = (await session.execute(select(AuditCheckpoint).where(AuditCheckpoint.seq == 6))).scalar_one()
        kept = Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)
        await lift_protection(session)
        await session.execute(
            text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": await _event_id(session, 5)}
        )
        await relink(session, 5)
        await resign_head(session, _signer(app))
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app), against=kept):
        assert result == VerifyResult(
            6, 1, WAITING, 6, None, "the kept checkpoint at seq 6 differs from the stored one"
        )


async def test_a_kept_checkpoint_signed_by_another_key_is_refused(app, sessionmaker, audit_log, tmp_path) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        row = (await session.execute(select(AuditCheckpoint).where(AuditCheckpoint.seq == 3))).scalar_one()
    other = load_signer(tmp_path / "other.pem", create=True)
    stranger = other.sign(row.seq, row.hash, row.signed_at)
    with pytest.raises(verify.KeyMismatch, match=f"^the kept checkpoint is signed by key {other.key_id}, which "):
        await _verify(sessionmaker, _signer(app), against=stranger)


async def test_every_stored_checkpoint_with_a_bad_signature_is_named_in_seq_order(app, sessionmaker, audit_log) -> None:
    """Both checkpoints are forged (the later one rewritten first): the one at 3 is named first."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        for seq in (6, 3):
            await session.execute(update(AuditCheckpoint).where(AuditCheckpoint.seq == seq).values(hash="0" * 64))
        await session.commit()
    at_3 = (3, None, "checkpoint at seq 3: signature does not verify")
    at_6 = (6, None, "checkpoint at seq 6: signature does not verify")
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 0, WAITING, *at_3, (at_3, at_6))


async def test_a_truncated_tail_reports_the_checkpoint_beyond_it(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditLink).where(AuditLink.seq >= 5))
        await session.commit()
    # the events of links 5 and 6 are waiting again, with the one never sealed
    waiting = Backlog(3, dt.datetime(2026, 11, 30, 4, 0, 5, tzinfo=dt.UTC))
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(
            4, 2, waiting, 6, None, "checkpoint at seq 6 is beyond the last link 4 (the log was truncated)"
        )


async def test_an_unsigned_head_is_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == 6))
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 1, WAITING, 6, None, "the last link 6 is not signed by a checkpoint")


async def test_a_single_link_without_any_checkpoint_is_unsigned(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=1, per_batch=1)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditCheckpoint))
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(1, 0, WAITING, 1, None, "the last link 1 is not signed by a checkpoint")


async def test_an_empty_log_verifies(app, sessionmaker, audit_log) -> None:
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(0, 0, Backlog(0, None))


async def test_a_link_of_an_unknown_version_is_named_as_such(app, sessionmaker, audit_log) -> None:
    """It was "content does not match its hash": the content is the one sealed, the version is not."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(update(AuditLink).where(AuditLink.seq == 4).values(link_version=3))
        event_4 = await _event_id(session, 4)
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 4, event_4, "unknown link version 3")


async def test_a_check_beside_the_chain_that_fails_first_is_retrieved_not_left_to_asyncio(  # type: ignore[no-untyped-def]
    app, sessionmaker, audit_log, monkeypatch, caplog
) -> None:
    # PostgreSQL checks the batches and the personal values on a second connection beside the
    # chain. When both fail (a dropped table), the one beside may fail first; its error must be
    # retrieved, not printed by asyncio at exit as "Task exception was never retrieved" with a
    # traceback (verify-audit's standard error holds none)
    await _sealed_log(sessionmaker, audit_log)

    async def fails_at_once(self, conn) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("the check beside the chain failed")

    async def fails_after_it(*args) -> None:  # type: ignore[no-untyped-def]
        (beside,) = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "_in_snapshot"]  # type: ignore[union-attr]
        await asyncio.wait([beside])  # done (its connection given back), its exception not retrieved
        raise RuntimeError("the chain failed")

    monkeypatch.setattr(verify._Beside, "check", fails_at_once)
    monkeypatch.setattr(verify, "_verify_chain", fails_after_it)
    async with sessionmaker() as session:
        conn = await session.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("the checks run beside the chain on PostgreSQL only")
        await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            with pytest.raises(RuntimeError, match="the chain failed"):
                await verify.verify_log(conn, _signer(app))
            gc.collect()  # a task whose exception nobody retrieved says so when it is collected
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
