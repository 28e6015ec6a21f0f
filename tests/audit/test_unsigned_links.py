"""The sequencer never signs over links it did not write.

The application's role may INSERT links (its sequencer runs in the application). A link of its
own after the head, with a forged hash, was signed by the next round (and sealing went on on top
of it; ``/readyz`` stayed healthy; the checkpoint endpoint handed auditors the signed forged
head); a right one for a later event, inserted while an earlier event's transaction was still
open, left that event in no link for good, and ``/readyz`` said nothing was waiting. Now a round
finds links after the last checkpoint (each batch is signed in the transaction that writes it),
checks them as ``verify-audit`` does, and refuses to seal and sign: stopped, logged once, shown.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import insert, select, text

from app.audit import chain
from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink
from app.audit.state import head
from tests.audit.conftest import write_events
from tests.audit.tampering import as_owner


async def _event(sessionmaker, action: str) -> int:
    await write_events(sessionmaker, 1, action=action)
    async with sessionmaker() as session:
        return (await session.execute(select(AuditEvent.id).where(AuditEvent.action == action))).scalar_one()


async def _link(sessionmaker, event_id: int, *, forged_hash: str | None = None) -> int:
    """A link after the head for event ``event_id``, its hash right (or ``forged_hash``), as an
    INSERT of the application's role; its seq."""
    async with sessionmaker() as session:
        last = await head(await session.connection())
        event = (await session.execute(select(AuditEvent).where(AuditEvent.id == event_id))).scalar_one()
        digest = forged_hash or chain.chain_hash(2, last.hash, last.seq + 1, event)
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
    return int(last.seq + 1)


async def _checkpoint_seqs(sessionmaker) -> list[int]:
    async with sessionmaker() as session:
        return list((await session.execute(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq))).scalars())


async def test_a_link_with_a_forged_hash_is_never_signed_and_sealing_stops_shown(
    app, client, make_staff, sessionmaker, audit_log, caplog
) -> None:
    auditor, admin = await make_staff("auditor", []), await make_staff("admin", [])
    await write_events(sessionmaker, 3)
    await audit_log.seal()  # links 1-3, checkpoint 3
    forged_event = await _event(sessionmaker, "test.forged")
    seq = await _link(sessionmaker, forged_event, forged_hash="a" * 64)
    await write_events(sessionmaker, 2, action="test.after")
    with caplog.at_level(logging.ERROR, logger="app.audit.sequencer"):
        for _ in range(3):
            assert await audit_log.seal() == 0
    assert await _checkpoint_seqs(sessionmaker) == [3]
    sequencer = app.state.audit_sequencer
    assert sequencer.state == "stopped"
    assert sequencer.refused == (
        f"link {seq}, after the last checkpoint, not written by a sequencer: link {seq} (event {forged_event}): "
        "content does not match its hash"
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "app.audit.sequencer"]
    assert logged == [f"audit sequencer: {sequencer.refused}: sealing stops, nothing is signed (run verify-audit)"]
    ready = (await client.get("/readyz")).json()
    assert (ready["status"], ready["audit"]["sealing"]) == ("degraded", "stopped")
    assert "diaspora_desk_audit_sealing_stopped 1.0" in (await client.get("/metrics", headers=admin.headers)).text
    checkpoint = (await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)).json()
    assert checkpoint["seq"] == 3  # never the forged head
    result = await audit_log.verify()
    assert result.faults[0] == (seq, forged_event, "content does not match its hash")


async def test_a_right_link_for_a_later_event_passing_an_earlier_one_over_is_never_signed(
    app, sessionmaker, audit_log, database_url
) -> None:
    """On PostgreSQL the earlier event's transaction is still open when the link is written (its
    event not even visible): the link's event is not below the horizon. Once it commits (and on
    SQLite, whose writers take turns), the earlier event is named as passed over."""
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    sequencer = app.state.audit_sequencer
    if database_url.startswith("postgresql"):
        async with sessionmaker() as early:
            early.add(
                AuditEvent(
                    occurred_at=dt.datetime.now(dt.UTC),
                    actor_label="system",
                    actor_role="system",
                    action="test.early",
                    entity_type="test",
                    details={},
                )
            )
            await early.flush()
            later = await _event(sessionmaker, "test.later")
            seq = await _link(sessionmaker, later)
            assert await audit_log.seal() == 0
            assert sequencer.refused is not None
            assert sequencer.refused.startswith(
                f"link {seq}, after the last checkpoint, not written by a sequencer: link {seq} (event {later}): "
                "its event's transaction ("
            )
            await early.commit()
        async with sessionmaker() as session:
            early_id = (
                await session.execute(select(AuditEvent.id).where(AuditEvent.action == "test.early"))
            ).scalar_one()
    else:
        early_id = await _event(sessionmaker, "test.early")
        later = await _event(sessionmaker, "test.later")
        seq = await _link(sessionmaker, later)
    assert await audit_log.seal() == 0
    assert sequencer.refused == (
        f"link {seq}, after the last checkpoint, not written by a sequencer: link {seq} (event {later}): event "
        f"{early_id} is in no link, yet link {seq} seals event {later}, which comes after it in the sealing order: "
        f"event {later}'s txid or id was edited, or link {seq} was not written by the sequencer"
    )
    assert await _checkpoint_seqs(sessionmaker) == [3]


async def test_a_right_link_for_the_next_event_is_not_signed_either(app, sessionmaker, audit_log) -> None:
    """Nothing wrong in it but that no sequencer wrote it: signed, its batch (sealed at another time
    than the checkpoint's) would fail every verification after."""
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    seq = await _link(sessionmaker, await _event(sessionmaker, "test.next"))
    assert await audit_log.seal() == 0
    assert app.state.audit_sequencer.refused == (
        f"link {seq}, after the last checkpoint (seq 3), signed by no checkpoint: not written by a sequencer (it "
        "signs each batch in the transaction that writes it)"
    )
    assert await _checkpoint_seqs(sessionmaker) == [3]


async def test_sealing_resumes_once_the_owner_removed_the_link(app, client, sessionmaker, audit_log, caplog) -> None:
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    forged_event = await _event(sessionmaker, "test.forged")
    seq = await _link(sessionmaker, forged_event, forged_hash="a" * 64)
    assert await audit_log.seal() == 0
    await as_owner(app.state.engine, f"DELETE FROM audit_links WHERE seq = {seq}")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.audit.sequencer"):
        assert await audit_log.seal() == 1  # the event, sealed by the sequencer this time
    assert app.state.audit_sequencer.state == "running"
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["audit sequencer: sealing resumes"]
    assert (await client.get("/readyz")).json()["audit"]["sealing"] == "running"
    assert (await audit_log.verify()).ok


async def test_as_the_application_role_a_forged_link_is_never_signed(
    app, app_role_connection, sessionmaker, audit_log
) -> None:
    """The tester's statement, as the application's role, in one transaction."""
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    async with app_role_connection.transaction():
        event_id = await app_role_connection.fetchval(
            "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
            "VALUES (now(), 'system', 'system', 'test.forged', 'test', '{}') RETURNING id"
        )
        await app_role_connection.execute(
            "INSERT INTO audit_links (seq, event_id, prev_hash, hash, link_version, sealed_at) "
            "SELECT seq + 1, $1, hash, repeat('a', 64), 2, now() FROM audit_links ORDER BY seq DESC LIMIT 1",
            event_id,
        )
    assert await audit_log.seal() == 0
    assert await _checkpoint_seqs(sessionmaker) == [3]
    assert app.state.audit_sequencer.state == "stopped"
    async with sessionmaker() as session:
        assert (await session.execute(text("SELECT max(seq) FROM audit_links"))).scalar_one() == 4
