"""Events left out of the chain: a link written for a later event, so the sequencer resumes past
an earlier one that waits (the application's role may INSERT links; the link formula is public).

The sequencer seals in ``(txid, id)`` order and resumes after the last link's event, so an event
ordered before the head and not linked is never sealed and no longer counted as waiting. A
sequencer never leaves one behind (it seals only events of ended transactions, in that order):
the verifier names such an event, on every reader, even once the forged head has been signed.

A checkpoint the application's role inserts is not signed by the key: the verifier names it, and
the checkpoint endpoint refuses to hand it to auditors.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.audit import chain
from app.audit.models import AuditEvent, AuditLink
from app.audit.state import Backlog, head
from app.audit.verify import VerifyResult
from tests.audit.test_verify_failures import WAITING, _event, _sealed_log, _signer, _verify


async def _link_next(sessionmaker, event_id: int) -> None:
    """Link event ``event_id`` after the head, hash and all, as an INSERT of the application's role would."""
    async with sessionmaker() as session:
        conn = await session.connection()
        last = await head(conn)
        event = (await session.execute(select(AuditEvent).where(AuditEvent.id == event_id))).scalar_one()
        digest = chain.chain_hash(2, last.hash, last.seq + 1, event)
        await session.execute(
            insert(AuditLink).values(
                seq=last.seq + 1,
                event_id=event_id,
                prev_hash=last.hash,
                hash=digest,
                link_version=2,
                sealed_at=dt.datetime.now(dt.UTC),
            )
        )
        await session.commit()


async def _write(sessionmaker, n: int) -> int:
    async with sessionmaker() as session:
        event = _event(n)
        session.add(event)
        await session.commit()
        return event.id


async def test_an_event_passed_over_by_a_forged_link_is_named_and_the_head_never_signed(
    app, sessionmaker, audit_log
) -> None:
    """The sequencer signed the head it found, and resumed after event 8, leaving 7 (and 99) out
    for good; it now refuses to sign links it did not write (tests/audit/test_unsigned_links.py)."""
    await _sealed_log(sessionmaker, audit_log)  # links 1-6, checkpoints 3 and 6, event 99 waiting
    passed_over = await _write(sessionmaker, 7)
    later = await _write(sessionmaker, 8)
    await _link_next(sessionmaker, later)  # link 7: event 8, leaving 7 (and 99) behind
    assert await audit_log.seal() == 0
    assert app.state.audit_sequencer.state == "stopped"
    async with sessionmaker() as session:
        sealed = (await session.execute(select(AuditLink.event_id).order_by(AuditLink.seq))).scalars().all()
    assert later in sealed and passed_over not in sealed
    async with sessionmaker() as session:
        waiting_id = (
            await session.execute(select(AuditEvent.id).where(AuditEvent.action == "test.waiting"))
        ).scalar_one()
    first = waiting_id  # written (and committed) before event 7: the first one passed over
    unsigned = (7, None, "the last link 7 is not signed by a checkpoint")
    passed = (
        7,
        later,
        f"event {first} is in no link, yet link 7 seals event {later}, which comes after it in the sealing "
        f"order: event {later}'s txid or id was edited, or link 7 was not written by the sequencer",
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(7, 2, Backlog(0, None), *unsigned, (unsigned, passed))


async def test_a_forged_link_is_named_as_the_unsigned_head_before_the_sequencer_runs(
    app, sessionmaker, audit_log
) -> None:
    await _sealed_log(sessionmaker, audit_log)
    await _link_next(sessionmaker, await _write(sessionmaker, 7))
    for result in await _verify(sessionmaker, _signer(app)):
        assert (result.ok, result.broken_seq, result.reason) == (
            False,
            7,
            "the last link 7 is not signed by a checkpoint",
        )


async def test_events_waiting_after_the_head_are_pending_not_passed_over(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    await _write(sessionmaker, 7)
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, Backlog(2, dt.datetime(2026, 11, 30, 4, 0, 7, tzinfo=dt.UTC)))
        assert result.ok


async def _raise_txid(sessionmaker, seq: int, txid: int) -> int:
    """The owner's edit of the txid of link ``seq``'s event (not chained); its id."""
    from sqlalchemy import text

    from tests.audit.tampering import lift_protection

    async with sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":  # this transaction only: the txid trigger stays on
            await session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            await lift_protection(session)
        event_id = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == seq))).scalar_one()
        await session.execute(text("UPDATE audit_events SET txid = :t WHERE id = :e"), {"t": txid, "e": event_id})
        await session.commit()
    return event_id


async def test_a_head_whose_txid_was_raised_neither_stops_sealing_nor_goes_unnamed(
    app, sessionmaker, audit_log
) -> None:
    """The head's ``txid`` is not chained: the owner raising it (or a restore into a new cluster,
    whose transaction ids start again from low) left every later event below the head, never
    sealed and never counted as waiting, and the verifier named the first of them, not the event
    edited. A txid no transaction has had yet is now passed: sealing resumes after the link before
    it, and the event edited is named, before and after the events waiting are sealed."""
    await _sealed_log(sessionmaker, audit_log)  # links 1-6, event 99 waiting
    edited = await _raise_txid(sessionmaker, 6, 9_000_000_000_000_000_000)
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(
            6,
            2,
            WAITING,
            6,
            edited,
            f"event {edited} has txid 9000000000000000000, which no transaction has had yet: it was edited",
        )
    assert await audit_log.seal() == 1  # event 99: it was left waiting for ever
    later = await _write(sessionmaker, 7)
    assert await audit_log.seal() == 1
    async with sessionmaker() as session:
        sealed = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq > 6))).scalars().all()
    assert later in sealed
    reason = (
        f"event {edited} is out of the sealing order (txid, id) at link 6: its txid or id was edited, "
        "or the link was not written by the sequencer"
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(8, 4, Backlog(0, None), 6, edited, reason)


async def test_a_txid_raised_in_the_middle_of_the_chain_is_named(app, sessionmaker, audit_log) -> None:
    """Raised above the next link's event (a lowered one would be named the same way: the event
    out of line with the link before the pair)."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        conn = await session.connection()
        next_txid = (await head(conn)).txid + 1_000
    edited = await _raise_txid(sessionmaker, 3, next_txid)
    reason = (
        f"event {edited} is out of the sealing order (txid, id) at link 3: its txid or id was edited, "
        "or the link was not written by the sequencer"
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 3, edited, reason)


async def test_the_checkpoint_endpoint_does_not_hand_auditors_a_checkpoint_the_key_did_not_sign(
    client, make_staff, sessionmaker, audit_log
) -> None:
    """The application's role may INSERT checkpoints: a forged one beyond the head was the latest
    stored, and ``GET /api/v1/audit/checkpoint`` gave it to auditors to keep. PostgreSQL refuses it
    at INSERT (it names no link: revision 3401); on SQLite the endpoint refuses to hand it out."""
    from app.audit.models import AuditCheckpoint

    auditor = await make_staff("auditor", [])
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        real = (await session.execute(select(AuditCheckpoint).where(AuditCheckpoint.seq == 6))).scalar_one()
        forged = AuditCheckpoint(
            seq=1000, hash="ab" * 32, signed_at=real.signed_at, key_id=real.key_id, signature=real.signature
        )
        session.add(forged)
        if session.bind.dialect.name == "postgresql":  # a checkpoint must name a link there (revision 3401)
            with pytest.raises(IntegrityError, match="audit checkpoint refused: no link at seq 1000 has hash"):
                await session.commit()
            return
        await session.commit()
    answer = await client.get("/api/v1/audit/checkpoint", headers={**auditor.headers, "Accept-Language": "en"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert (body["type"], body["status"]) == ("/problems/internal-error", 500)
    assert body["detail"] == (
        "The latest stored checkpoint (seq 1000) is not signed by this server's key: "
        "the audit log was tampered with (run verify-audit)."
    )
