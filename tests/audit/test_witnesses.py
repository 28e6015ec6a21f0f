"""Every running sequencer witnesses the heads it sees; a log cut and sealed again behind one of them
is named by ``verify-audit`` without a checkpoint kept outside, and the stopped sequencer is shown.

The owner here lacks the signing key; the processes sharing the database (and the key) are two
:class:`~app.audit.sequencer.Sequencer` objects on the app's engine, as two server processes are.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, text

from app.audit.models import AuditLink, AuditWitnessedCheckpoint
from app.audit.sequencer import Sequencer
from app.audit.signing import load_signer
from tests.audit.tampering import lift_protection
from tests.audit.test_verification import _cut_after_3_and_edit_5, _sealed_log


def _other_process(app) -> Sequencer:
    return Sequencer(app.state.engine, app.state.audit_sequencer.signer)


async def test_a_process_that_read_a_head_another_signed_stops_when_the_log_is_cut_under_it(
    app, sessionmaker, audit_log
) -> None:
    """Process B never signed checkpoint 6 (A did) but read it: cut, it stores it again and seals
    nothing, so the cut events are not signed again and the plain check names the cut."""
    other = _other_process(app)
    await _sealed_log(sessionmaker, audit_log)
    assert await other.seal_all() == 0  # nothing to seal: it reads head 6 and witnesses it
    assert other.witnessed is not None and other.witnessed.seq == 6
    await _cut_after_3_and_edit_5(sessionmaker)
    assert await other.seal_all() == 0
    assert other.stopped
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq) == (False, 6)
    assert result.reason == "checkpoint at seq 6 is beyond the last link 3 (the log was truncated)"


async def test_a_head_sealed_again_by_a_new_process_is_named_from_the_checkpoint_the_old_one_kept(
    app, client, sessionmaker, audit_log
) -> None:
    """B starts after the cut (no witness) and signs the edited events again at seq 6; A, still
    running, finds another checkpoint where its own was, keeps its own as witnessed and stops."""
    await _sealed_log(sessionmaker, audit_log)
    await _cut_after_3_and_edit_5(sessionmaker)
    assert await _other_process(app).seal_all() == 3
    assert (await audit_log.verify()).ok  # consistent in itself until A's next round
    assert await audit_log.seal() == 0
    sequencer = app.state.audit_sequencer
    assert sequencer.stopped
    async with sessionmaker() as session:
        kept = (await session.execute(select(AuditWitnessedCheckpoint))).scalars().all()
    assert [(row.seq, row.hash) for row in kept] == [(6, sequencer.witnessed.hash)]
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq) == (False, 6)
    assert result.reason.startswith("the witnessed checkpoint at seq 6 (hash ")
    assert result.reason.endswith("two signed heads of one size, the log was cut and sealed again after it was signed")
    ready = (await client.get("/readyz")).json()
    assert ready["audit"]["sealing"] == "stopped"


async def test_a_witnessed_checkpoint_deleted_by_the_owner_is_stored_again(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    await _cut_after_3_and_edit_5(sessionmaker)
    await _other_process(app).seal_all()
    await audit_log.seal()
    async with sessionmaker() as session:
        await lift_protection(session)
        await session.execute(delete(AuditWitnessedCheckpoint))
        await session.commit()
    await audit_log.seal()
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(AuditWitnessedCheckpoint))).scalar_one() == 1
    assert not (await audit_log.verify()).ok


async def test_a_witnessed_checkpoint_not_signed_by_the_trusted_key_is_passed_over(
    app, sessionmaker, audit_log, tmp_path
) -> None:
    await _sealed_log(sessionmaker, audit_log)
    stranger = load_signer(tmp_path / "other.pem", create=True)
    async with sessionmaker() as session:
        head = (await session.execute(select(AuditLink.hash).where(AuditLink.seq == 6))).scalar_one()
        forged = stranger.sign(6, head, app.state.audit_sequencer.clock())
        session.add(
            AuditWitnessedCheckpoint(
                seq=6, hash=head, signed_at=forged.signed_at, key_id=forged.key_id, signature=forged.signature
            )
        )
        await session.commit()
    # It proves nothing, and the application's role may INSERT there: verification goes on
    result = await audit_log.verify()
    assert (result.ok, result.checked) == (True, 6)


async def test_a_witnessed_checkpoint_that_is_the_chains_verifies(app, sessionmaker, audit_log) -> None:
    """A witness stored when nothing else differs (the row lost and stored again) agrees."""
    await _sealed_log(sessionmaker, audit_log)
    witnessed = app.state.audit_sequencer.witnessed
    async with sessionmaker() as session:
        session.add(
            AuditWitnessedCheckpoint(
                seq=witnessed.seq,
                hash=witnessed.hash,
                signed_at=witnessed.signed_at,
                key_id=witnessed.key_id,
                signature=witnessed.signature,
            )
        )
        await session.commit()
    result = await audit_log.verify()
    assert (result.ok, result.checked) == (True, 6)


async def test_a_checkpoint_left_above_a_cut_head_is_not_signed_over_nor_fails_every_round(
    app, sessionmaker, audit_log, caplog
) -> None:
    """Links after 3 cut, their checkpoints left: a process started then (no witness) neither
    tries to sign head 3 again (it has its checkpoint: every idle round failed on the key) nor
    signs over the old checkpoint at 6 once new events reach it; it logs that once."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        event_5 = (await session.execute(text("SELECT event_id FROM audit_links WHERE seq = 5"))).scalar_one()
        await lift_protection(session)
        await session.execute(delete(AuditLink).where(AuditLink.seq > 3))
        await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": event_5})
        await session.commit()
    other = _other_process(app)
    assert await other.seal_all() == 3  # the events cut wait again (one edited: head 6 differs)
    assert await other.seal_all() == 0
    assert [r.levelname for r in caplog.records if r.name == "app.audit.sequencer"] == ["ERROR"]
    assert "the checkpoint stored at seq 6 is not the chain's head there" in caplog.records[-1].getMessage()
    result = await audit_log.verify()
    assert (result.ok, result.broken_seq) == (False, 6)
    assert result.reason == "the checkpoint at seq 6 does not match the chain"
