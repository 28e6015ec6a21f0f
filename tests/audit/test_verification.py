"""Each check of verification, proven by a log crafted to break exactly that check.

The forger here holds the signing key where a test needs every other check to pass (so only the
check under test can catch the change); the expected reasons are the ones the verification
documents (app/audit/verify.py).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, text, update

from app.audit.models import AuditCheckpoint, AuditLink
from app.audit.signing import Checkpoint, Signer, load_signer
from app.audit.verify import KeptUnsigned, KeyMismatch
from tests.audit.conftest import write_events
from tests.audit.tampering import lift_protection, relink, resign_head


async def _sealed_log(sessionmaker, audit_log, batches: int = 2, per_batch: int = 3) -> None:
    for _ in range(batches):
        await write_events(sessionmaker, per_batch)
        await audit_log.seal()


def _signer(app) -> Signer:
    return app.state.audit_sequencer.signer


async def test_a_missing_seq_is_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        old_hash_3 = (await session.execute(text("SELECT hash FROM audit_links WHERE seq = 3"))).scalar_one()
        await session.execute(delete(AuditLink).where(AuditLink.seq == 3))
        # link 4 now follows link 2: chained to it, and the head re-signed, so only the gap remains
        prev_2 = (await session.execute(text("SELECT hash FROM audit_links WHERE seq = 2"))).scalar_one()
        await relink(session, 4, first_prev=prev_2)
        await resign_head(session, _signer(app))
        await session.commit()
    assert old_hash_3 != prev_2
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.reason, result.checked) == (False, 3, "link seq 3 is missing", 6)


async def test_a_broken_prev_link_is_named_even_when_its_hash_matches_its_content(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        # link 4 hashed over a prev_hash that is not link 3's hash: its own hash is consistent
        await relink(session, 4, first_prev="f" * 64)
        await resign_head(session, _signer(app))
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.reason) == (False, 4, "prev_hash does not match the previous link")


async def test_a_link_version_going_back_to_the_legacy_formula_is_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await relink(session, 5, versions={5: 1})
        await resign_head(session, _signer(app))
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.reason) == (False, 5, "link version 1 after version 2")


async def test_history_rewritten_with_every_later_hash_recomputed_fails_the_signed_checkpoints(
    sessionmaker, audit_log
) -> None:
    await _sealed_log(sessionmaker, audit_log)  # checkpoints at 3 and 6
    async with sessionmaker() as session:
        await lift_protection(session)
        event_id = (await session.execute(text("SELECT event_id FROM audit_links WHERE seq = 2"))).scalar_one()
        await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": event_id})
        await relink(session, 2)
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.reason) == (
        False,
        3,
        "the checkpoint at seq 3 does not match the chain",
    )


async def test_a_checkpoint_moved_to_the_forged_head_fails_its_signature(sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        event_id = (await session.execute(text("SELECT event_id FROM audit_links WHERE seq = 5"))).scalar_one()
        await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": event_id})
        await relink(session, 5)
        forged_head = (await session.execute(text("SELECT hash FROM audit_links WHERE seq = 6"))).scalar_one()
        await session.execute(update(AuditCheckpoint).where(AuditCheckpoint.seq == 6).values(hash=forged_head))
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.reason) == (False, 6, "checkpoint at seq 6: signature does not verify")


async def test_a_truncated_tail_leaves_a_checkpoint_beyond_the_last_link(sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditLink).where(AuditLink.seq >= 5))
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.checked) == (False, 6, 4)
    assert result.reason == "checkpoint at seq 6 is beyond the last link 4 (the log was truncated)"


async def test_links_appended_without_a_checkpoint_leave_the_head_unsigned(sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == 6))
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.reason) == (False, 6, "the last link 6 is not signed by a checkpoint")


async def test_tail_and_checkpoints_truncated_together_are_caught_by_the_auditors_kept_checkpoint(
    client, make_staff, sessionmaker, audit_log, tmp_path
) -> None:
    auditor = await make_staff("auditor", [])
    await _sealed_log(sessionmaker, audit_log)
    kept = (await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)).json()
    assert kept["seq"] == 6
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq > 3))
        await session.execute(delete(AuditLink).where(AuditLink.seq > 3))
        await session.commit()
    assert (await audit_log.verify()).ok  # consistent in itself: only an outside copy can tell
    result = await audit_log.verify(against=Checkpoint.from_json(kept))
    assert (result.ok, result.broken_seq) == (False, 6)
    assert result.reason == "checkpoint at seq 6 is beyond the last link 3 (the log was truncated)"


async def _cut_after_3_and_edit_5(sessionmaker) -> int:
    """As the owner without the key: links and checkpoints after 3 deleted, event 5 edited (its id)."""
    async with sessionmaker() as session:
        event_5 = (await session.execute(text("SELECT event_id FROM audit_links WHERE seq = 5"))).scalar_one()
        await lift_protection(session)
        await session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq > 3))
        await session.execute(delete(AuditLink).where(AuditLink.seq > 3))
        await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": event_5})
        await session.commit()
    return event_5


async def test_events_cut_with_their_checkpoints_and_edited_are_not_signed_again_by_the_sequencer_that_signed_them(
    sessionmaker, audit_log, caplog
) -> None:
    """The running sequencer remembers the last checkpoint it signed (6): gone, it is stored again
    and nothing more is sealed, so the plain check names the cut."""
    await _sealed_log(sessionmaker, audit_log)
    await _cut_after_3_and_edit_5(sessionmaker)
    assert await audit_log.seal() == 0
    assert await audit_log.seal() == 0
    assert [r.getMessage() for r in caplog.records if r.name == "app.audit.sequencer"] == [
        "audit sequencer: the checkpoint this process witnessed at seq 6 is gone (stored as witnessed); the log was "
        "rewritten behind it: sealing stops (run verify-audit, and verify-audit --against the checkpoint /readyz "
        "shows)"
    ]
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq, result.pending.count) == (False, 6, 3)
    assert result.reason == "checkpoint at seq 6 is beyond the last link 3 (the log was truncated)"


async def test_events_cut_with_their_checkpoints_and_edited_are_signed_by_a_new_process_only_a_kept_one_tells(
    app, client, make_staff, sessionmaker, audit_log
) -> None:
    """A sequencer started after the cut (a restart) has no witness: it seals the cut events
    again, edit and all, and signs the new head. Documented (docs/audit.md): only a checkpoint
    kept outside tells."""
    from app.audit.sequencer import Sequencer

    auditor = await make_staff("auditor", [])
    await _sealed_log(sessionmaker, audit_log)
    kept = (await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)).json()
    await _cut_after_3_and_edit_5(sessionmaker)
    restarted = Sequencer(app.state.engine, app.state.audit_sequencer.signer)
    assert await restarted.seal_all() == 3
    assert (await audit_log.verify()).ok  # signed again by the new sequencer
    result = await audit_log.verify(against=Checkpoint.from_json(kept))
    assert (result.ok, result.broken_seq) == (False, 6)
    assert result.reason == "the kept checkpoint at seq 6 differs from the stored one"


async def test_a_kept_checkpoint_verifies_a_log_that_went_on_and_refuses_one_signed_by_another_key(
    app, sessionmaker, audit_log, tmp_path
) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=1)
    async with sessionmaker() as session:
        kept = await audit_current(session)
    await _sealed_log(sessionmaker, audit_log, batches=1)
    result = await audit_log.verify(against=kept)
    assert (result.ok, result.checked, result.checkpoints) == (True, 6, 2)
    other = load_signer(tmp_path / "other.pem", create=True)
    stranger = other.sign(kept.seq, kept.hash, kept.signed_at)
    with pytest.raises(KeyMismatch) as refused:  # the auditor's file or key is not this log's: exit 2
        await audit_log.verify(against=stranger)
    assert (refused.value.kept_key_id, refused.value.key_id) == (other.key_id, kept.key_id)
    forged = Checkpoint.from_json({**kept.as_json(), "hash": "0" * 64})
    assert json.loads(json.dumps(forged.as_json()))["hash"] == "0" * 64
    with pytest.raises(KeptUnsigned, match=f"^the kept checkpoint is not one key {kept.key_id} signed"):
        await audit_log.verify(against=forged)  # the file's fault, not the log's: exit 2


async def audit_current(session) -> Checkpoint:
    from app.audit.service import current_checkpoint

    checkpoint = await current_checkpoint(session)
    assert checkpoint is not None
    return checkpoint
