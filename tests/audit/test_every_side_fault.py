"""The checks beside the chain, of the events' personal values (``app/audit/payload_check.py``) and
of the checkpoints' batches (``app/audit/batches.py``), report every fault they find as the
chain's checks do (up to the bound, the others counted).

They stopped at the first one: a second payload edited, deleted or planted hid behind the first,
and a second checkpoint deleted behind the first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy import delete, update

from app.audit.models import AuditPayload
from app.audit.payload_check import ERASED_PAYLOADS
from tests.audit.tampering import as_owner
from tests.audit.test_audit_chain import _cli
from tests.audit.test_payload_tampering import (
    ANNA,
    BINTA,
    NOW,
    _erase_directly,
    _erasure_event,
    _event_of,
    _person_events,
    _unlisted,
)
from tests.audit.test_unchained_fields import EDITED, _move, _sealed_at, _when
from tests.audit.test_verify_failures import _sealed_log, _signer, _verify


def _unmatched(event_id: int, payload_id: str) -> str:
    return f"event {event_id}: its personal values (payload {payload_id}) do not match their digest"


async def _edit_payload(sessionmaker, payload_id: str, name: str) -> tuple[int, int]:
    """The owner's edit of a payload's value; ``(seq, event id)`` of its event."""
    async with sessionmaker() as session:
        await session.execute(
            update(AuditPayload)
            .where(AuditPayload.id == uuid.UUID(payload_id))
            .values(value={"changes": {"family_name": [None, name]}})
        )
        await session.commit()
        return await _event_of(session, payload_id)


async def test_two_payloads_edited_are_both_named(app, sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    first, second = payload_ids[ANNA][0], payload_ids[BINTA][1]
    first_seq, first_event = await _edit_payload(sessionmaker, first, "Anna Ndiaye")
    second_seq, second_event = await _edit_payload(sessionmaker, second, "Binta Ndiaye")
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.faults == (
            (first_seq, first_event, _unmatched(first_event, first)),
            (second_seq, second_event, _unmatched(second_event, second)),
        )
        assert (result.broken_seq, result.broken_id, result.more_faults) == (first_seq, first_event, 0)


async def test_a_payload_edited_one_deleted_and_one_planted_are_each_named(app, sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    deleted, edited = payload_ids[ANNA][0], payload_ids[BINTA][1]
    edited_seq, edited_event = await _edit_payload(sessionmaker, edited, "Anna Ndiaye")
    stray = uuid.UUID(int=99)
    async with sessionmaker() as session:
        await session.execute(delete(AuditPayload).where(AuditPayload.id == uuid.UUID(deleted)))
        session.add(
            AuditPayload(id=stray, registrant_id=ANNA, salt="00" * 16, value={"family_name": "Diop"}, created_at=NOW)
        )
        await session.commit()
        deleted_seq, deleted_event = await _event_of(session, deleted)
    assert deleted_seq < edited_seq
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.faults == (
            (deleted_seq, deleted_event, _unlisted(deleted_event, deleted)),
            (edited_seq, edited_event, _unmatched(edited_event, edited)),
            (None, None, f"payload {stray} holds personal values that no event refers to"),
        )


async def test_two_erasures_whose_files_are_not_anonymised_are_both_named(app, sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    await _erase_directly(sessionmaker, ANNA, {ERASED_PAYLOADS: payload_ids[ANNA]}, anonymise=False)
    anna_erasure, _ = await _erasure_event(sessionmaker)
    await _erase_directly(sessionmaker, BINTA, {ERASED_PAYLOADS: payload_ids[BINTA]}, anonymise=False)
    await audit_log.seal()
    for result in await _verify(sessionmaker, _signer(app)):
        named = [reason for _, _, reason in result.faults]
        assert named == [
            f"event {anna_erasure}: its erasure names registrant {ANNA}, whose file is not anonymised",
            f"event {anna_erasure + 1}: its erasure names registrant {BINTA}, whose file is not anonymised",
        ]


def _unsigned_batch(first: int, last: int, sealed_at: dt.datetime) -> str:
    return (
        f"no checkpoint signs links {first} to {last}, sealed at {_when(sealed_at)}: the checkpoint at seq {last} "
        "was deleted, or a sealed_at edited"
    )


async def test_two_checkpoints_deleted_are_both_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=3)  # links 1-9, checkpoints at 3, 6 and 9
    first, second = await _sealed_at(sessionmaker, 1), await _sealed_at(sessionmaker, 4)
    await as_owner(app.state.engine, "DELETE FROM audit_checkpoints WHERE seq IN (3, 6)")
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.faults == (
            (3, None, _unsigned_batch(1, 3, first)),
            (6, None, _unsigned_batch(4, 6, second)),
        )


async def test_a_sealed_at_edited_and_a_later_checkpoint_deleted_are_each_named_once(
    app, sessionmaker, audit_log
) -> None:
    """The link moved out of its batch splits it in three runs: the fault is the link's, once; the
    batch it left, rejoined, ends at its checkpoint."""
    await _sealed_log(sessionmaker, audit_log, batches=4)  # links 1-12, checkpoints at 3, 6, 9 and 12
    batch, third = await _sealed_at(sessionmaker, 2), await _sealed_at(sessionmaker, 7)
    moved = batch - dt.timedelta(days=3)
    event_2 = await _move(sessionmaker, 2, moved)
    await as_owner(app.state.engine, "DELETE FROM audit_checkpoints WHERE seq = 9")
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.faults == (
            (
                2,
                event_2,
                f"link 2 was sealed at {_when(moved)}, apart from its batch (sealed at {_when(batch)}): {EDITED}",
            ),
            (9, None, _unsigned_batch(7, 9, third)),
        )


async def test_verify_audit_lists_both_payloads_edited(app, sessionmaker, audit_log, database_url, settings) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    first, second = payload_ids[ANNA][1], payload_ids[BINTA][0]
    first_seq, first_event = await _edit_payload(sessionmaker, first, "Anna Ndiaye")
    second_seq, second_event = await _edit_payload(sessionmaker, second, "Binta Ndiaye")
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "audit log BROKEN: 2 faults (4 links checked)",
        f"  at seq={first_seq} event id={first_event}: {_unmatched(first_event, first)}",
        f"  at seq={second_seq} event id={second_event}: {_unmatched(second_event, second)}",
    ]
