"""Fields outside the hash that the owner can edit: each is verified as far as it is evidence.

* ``sealed_at`` of the links and the set of checkpoints: every batch of links the sequencer sealed
  together ends at a checkpoint signed at their ``sealed_at`` (``app/audit/batches.py``). A
  checkpoint deleted (not the last: the last link is signed, checked before), a ``sealed_at``
  edited, a head signed again after its checkpoint was deleted: named.
* an event's ``id``, renumbered with its link: the chain follows the sealing order ``(txid, id)``
  (``app/audit/walk.py``); and the payload check orders erasures by the chain, not by ids.
* an event's ``txid``: ``tests/audit/test_passed_over.py``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from app.audit import service as audit
from app.audit.models import AuditLink, AuditPayload
from app.audit.sequencer import Sequencer
from app.audit.state import Backlog
from app.audit.verify import VerifyResult
from app.core.context import SYSTEM_ACTOR
from tests.audit.tampering import as_owner, lift_protection
from tests.audit.test_payload_tampering import ANNA, BINTA, _erase_directly, _erasure_event, _event_of, _unlisted
from tests.audit.test_verify_failures import WAITING, _event_id, _sealed_log, _signer, _verify

OUT_OF_ORDER = (
    "event {event} is out of the sealing order (txid, id) at link {seq}: its txid or id was edited, "
    "or the link was not written by the sequencer"
)

EDITED = "its sealed_at was edited"


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


async def _sealed_at(sessionmaker, seq: int) -> dt.datetime:
    async with sessionmaker() as session:
        return (await session.execute(select(AuditLink.sealed_at).where(AuditLink.seq == seq))).scalar_one()


async def _move(sessionmaker, seq: int, sealed_at: dt.datetime) -> int:
    """The owner's edit of link ``seq``'s ``sealed_at``; its event's id."""
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(update(AuditLink).where(AuditLink.seq == seq).values(sealed_at=sealed_at))
        event_id = await _event_id(session, seq)
        await session.commit()
    return event_id


async def test_a_checkpoint_deleted_between_two_others_is_named(app, sessionmaker, audit_log) -> None:
    """The head at 6 still covers links 1-3; what was lost is the signed time at which the log
    held them. It verified clean."""
    await _sealed_log(sessionmaker, audit_log)  # links 1-3 and 4-6, checkpoints 3 and 6
    first = await _sealed_at(sessionmaker, 1)
    await as_owner(app.state.engine, "DELETE FROM audit_checkpoints WHERE seq = 3")
    reason = (
        f"no checkpoint signs links 1 to 3, sealed at {_when(first)}: the checkpoint at seq 3 was deleted, "
        "or a sealed_at edited"
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 1, WAITING, 3, None, reason)


async def test_a_sealed_at_edited_inside_a_batch_is_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    batch = await _sealed_at(sessionmaker, 2)
    moved = batch - dt.timedelta(days=3)
    event_2 = await _move(sessionmaker, 2, moved)
    reason = f"link 2 was sealed at {_when(moved)}, apart from its batch (sealed at {_when(batch)}): {EDITED}"
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 2, event_2, reason)


async def test_a_sealed_at_edited_at_the_end_of_a_batch_is_named(app, sessionmaker, audit_log) -> None:
    """Link 3 carries the batch's checkpoint, signed at the batch's time."""
    await _sealed_log(sessionmaker, audit_log)
    batch = await _sealed_at(sessionmaker, 3)
    moved = batch + dt.timedelta(seconds=1)
    event_3 = await _move(sessionmaker, 3, moved)
    reason = f"link 3 was sealed at {_when(moved)}, apart from its batch (sealed at {_when(batch)}): {EDITED}"
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 3, event_3, reason)


async def test_a_head_whose_checkpoint_was_deleted_is_not_signed_again_and_is_named(
    app, sessionmaker, audit_log
) -> None:
    """The owner deleting the last checkpoint had the next process started sign the head again, at
    another time (only the batch check then told). A sequencer no longer signs links it did not
    write in that round (app/audit/tail.py): the head stays unsigned, and is named so."""
    await _sealed_log(sessionmaker, audit_log)
    await audit_log.seal()  # the event waiting: link 7, checkpoint 7
    await as_owner(app.state.engine, "DELETE FROM audit_checkpoints WHERE seq = 7")
    restarted = Sequencer(app.state.engine, _signer(app))
    assert (await restarted.seal_once()).checkpoint is None
    assert restarted.refused == (
        "link 7, after the last checkpoint (seq 6), signed by no checkpoint: not written by a sequencer (it signs "
        "each batch in the transaction that writes it)"
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(7, 2, Backlog(0, None), 7, None, "the last link 7 is not signed by a checkpoint")


async def test_an_event_renumbered_with_its_link_is_named(app, sessionmaker, audit_log) -> None:
    """Events 1-3 were written in one transaction: their order is their ids'."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        event_2 = await _event_id(session, 2)
    await as_owner(
        app.state.engine,
        "UPDATE audit_events SET id = :n WHERE id = :e",
        "UPDATE audit_links SET event_id = :n WHERE seq = 2",
        n=event_2 + 1000,
        e=event_2,
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(
            6, 2, WAITING, 2, event_2 + 1000, OUT_OF_ORDER.format(event=event_2 + 1000, seq=2)
        )


async def test_an_erasure_renumbered_past_an_event_no_longer_excuses_its_deleted_payload(
    app, sessionmaker, audit_log, database_url
) -> None:
    """An erasure recorded before erasures listed their payloads excuses the payloads gone of case
    events recorded before it. Which are before it was decided by ids: the owner renumbering the
    erasure past a later event (with its link) excused that event's payload, deleted. On
    PostgreSQL the erasure, alone in its transaction, stays in the sealing order: the payload check
    names the event (it orders by the chain now); on SQLite the order is the ids': the erasure is."""
    await _erase_directly(sessionmaker, ANNA, {"trigger": "request"})  # as written before the lists
    await audit_log.seal()
    async with sessionmaker() as session:
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="case.update",
            entity_type="case",
            entity_id="7",
            personal={"note": "Binta Sow"},
            subject_id=BINTA,
        )
        await session.commit()
    await audit_log.seal()
    assert (await audit_log.verify()).ok
    erasure, _ = await _erasure_event(sessionmaker)
    async with sessionmaker() as session:
        payload_id = str((await session.execute(select(AuditPayload.id))).scalar_one())
        seq, event_id = await _event_of(session, payload_id)
    renumbered = event_id + 1000
    await as_owner(
        app.state.engine,
        "DELETE FROM audit_payloads",
        "UPDATE audit_events SET id = :n WHERE id = :e",
        "UPDATE audit_links SET event_id = :n WHERE event_id = :e",
        n=renumbered,
        e=erasure,
    )
    result = await audit_log.verify()
    if database_url.startswith("postgresql"):
        assert (result.broken_seq, result.broken_id, result.reason) == (seq, event_id, _unlisted(event_id, payload_id))
    else:
        assert (result.broken_seq, result.broken_id, result.reason) == (
            1,
            renumbered,
            OUT_OF_ORDER.format(event=renumbered, seq=1),
        )
