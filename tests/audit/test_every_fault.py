"""The verifier goes on past a fault and reports every one it finds (up to a bound, the others
counted): it stopped at the first hash failure, so a later edit hid behind an earlier one, and a
checkpoint signed by another key kept every link from being checked.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import delete, text

from app.audit.verify import VerifyResult
from app.audit.walk import Faults
from tests.audit.tampering import lift_protection
from tests.audit.test_audit_chain import _cli
from tests.audit.test_verify_failures import WAITING, _event_id, _sealed_log, _signer, _verify

CONTENT = "content does not match its hash"


async def _edit(sessionmaker, *seqs: int) -> list[int]:
    """The owner edits the events of links ``seqs``; their ids."""
    ids = []
    async with sessionmaker() as session:
        await lift_protection(session)
        for seq in seqs:
            event_id = await _event_id(session, seq)
            await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :e"), {"e": event_id})
            ids.append(event_id)
        await session.commit()
    return ids


async def test_a_later_edit_does_not_hide_behind_an_earlier_one(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)  # links 1-6, checkpoints at 3 and 6
    second, fifth = await _edit(sessionmaker, 2, 5)
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 2, second, CONTENT, ((2, second, CONTENT), (5, fifth, CONTENT)), 0)


async def test_links_deleted_and_an_event_deleted_under_its_link_are_each_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=3)  # links 1-9, checkpoints at 3, 6 and 9
    async with sessionmaker() as session:
        event_7 = await _event_id(session, 7)
    from tests.audit.tampering import as_owner

    await as_owner(app.state.engine, "DELETE FROM audit_links WHERE seq IN (2, 3)")
    await as_owner(app.state.engine, "DELETE FROM audit_events WHERE id = :e", e=event_7)
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.checked == 9
        assert result.faults[:2] == (
            (2, None, "links seq 2 to 3 are missing"),
            (7, event_7, f"the event of link seq 7 (event {event_7}) was deleted"),
        )


async def test_a_checkpoint_signed_by_another_key_leaves_every_link_checked(app, sessionmaker, audit_log) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.audit.models import AuditCheckpoint
    from app.audit.signing import Signer

    await _sealed_log(sessionmaker, audit_log)
    other = Signer(Ed25519PrivateKey.generate())
    async with sessionmaker() as session:
        await lift_protection(session)
        row = await session.get(AuditCheckpoint, 3)
        forged = other.sign(3, row.hash, row.signed_at)
        await session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == 3))
        session.add(AuditCheckpoint(**forged.__dict__))
        await session.commit()
    (fifth,) = await _edit(sessionmaker, 5)
    unsigned = f"checkpoint at seq 3: signed by key {other.key_id}, not by the trusted key {_signer(app).key_id}"
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 1, WAITING, 3, None, unsigned, ((3, None, unsigned), (5, fifth, CONTENT)), 0)


def test_the_faults_past_the_bound_are_counted_not_kept() -> None:
    faults = Faults(limit=2)
    for seq in range(1, 6):
        faults.add((seq, seq, CONTENT))
    assert (faults.kept, faults.more, len(faults)) == ([(1, 1, CONTENT), (2, 2, CONTENT)], 3, 5)


async def test_verify_audit_lists_every_fault_one_a_line(app, sessionmaker, audit_log, database_url, settings) -> None:
    await _sealed_log(sessionmaker, audit_log)
    second, fifth = await _edit(sessionmaker, 2, 5)
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "audit log BROKEN: 2 faults (6 links checked; 1 event not sealed yet)",
        f"  at seq=2 event id={second}: {CONTENT}",
        f"  at seq=5 event id={fifth}: {CONTENT}",
    ]
