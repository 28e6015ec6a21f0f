"""The witness a server keeps outside the database (``DATA_DIR/audit_witness-….json``): a log
rewritten while every server was stopped is not sealed again, by a server nor by ``verify-audit
--seal``; a fresh or upgraded install (no file) seals and writes it; a file its key did not sign
stops sealing (docs/audit.md, "The witness file")."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlalchemy import select

from app.audit.models import AuditCheckpoint
from app.audit.sequencer import witness_file_for
from app.audit.signing import Checkpoint
from app.main import create_app
from tests.audit.conftest import write_events
from tests.audit.tampering import as_owner
from tests.audit.test_audit_chain import _cli

REWRITE = (
    "UPDATE audit_events SET ip = '10.66.66.66' WHERE id = (SELECT event_id FROM audit_links WHERE seq = 2)",
    "DELETE FROM audit_checkpoints",
    "DELETE FROM audit_witnessed_checkpoints",
    "DELETE FROM audit_links",
)


async def _latest(sessionmaker) -> Checkpoint:
    async with sessionmaker() as session:
        row = (await session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))).scalar()
    assert row is not None
    return Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)


async def test_a_log_rewritten_while_every_server_was_stopped_is_not_sealed_again(
    app, settings, sessionmaker, audit_log
) -> None:
    await write_events(sessionmaker, 4)
    assert await audit_log.seal() == 4
    witnessed = await _latest(sessionmaker)
    assert json.loads(witness_file_for(settings).read_text()) == witnessed.as_json()
    await as_owner(app.state.engine, *REWRITE)
    restarted = create_app(settings)
    try:
        sequencer = restarted.state.audit_sequencer
        assert await sequencer.seal_all() == 0
        assert sequencer.state == "stopped"
        assert sequencer.witnessed == witnessed
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = (await client.get("/readyz")).json()
        assert (ready["status"], ready["audit"]["sealing"]) == ("degraded", "stopped")
        assert ready["audit"]["witnessed_checkpoint"] == witnessed.as_json()
        async with sessionmaker() as session:
            assert (await session.execute(select(AuditCheckpoint))).first() is None  # nothing signed again
    finally:
        await restarted.state.engine.dispose()
    result = await audit_log.verify()  # the plain check: the witnessed checkpoint stored again
    assert (result.ok, result.broken_seq) == (False, 4)
    done = await asyncio.to_thread(_cli, settings.database_url, settings.data_dir, "verify-audit", "--seal")
    assert done.returncode == 1
    assert done.stderr.strip().startswith(
        f"sealing refused: the log does not extend checkpoint 4 of {witness_file_for(settings)}"
    )


async def test_a_fresh_install_seals_and_an_install_without_the_file_trusts_its_database(
    app, settings, sessionmaker, audit_log
) -> None:
    path = witness_file_for(settings)
    assert not path.exists()
    await write_events(sessionmaker, 2)
    assert await audit_log.seal() == 2
    assert json.loads(path.read_text()) == (await _latest(sessionmaker)).as_json()
    path.unlink()  # an install upgraded from a version without the file
    restarted = create_app(settings)
    try:
        await write_events(sessionmaker, 3)
        assert await restarted.state.audit_sequencer.seal_all() == 3
        assert restarted.state.audit_sequencer.state == "running"
        assert json.loads(path.read_text()) == (await _latest(sessionmaker)).as_json()
    finally:
        await restarted.state.engine.dispose()
    done = await asyncio.to_thread(
        _cli, settings.database_url, settings.data_dir, "verify-audit", "--against", str(path)
    )
    assert done.returncode == 0, done.stderr


async def test_a_witness_file_its_key_did_not_sign_stops_sealing(app, settings, sessionmaker, audit_log) -> None:
    await write_events(sessionmaker, 2)
    await audit_log.seal()
    path = witness_file_for(settings)
    path.write_text(json.dumps({**json.loads(path.read_text()), "hash": "0" * 64}))
    restarted = create_app(settings)
    try:
        sequencer = restarted.state.audit_sequencer
        await write_events(sessionmaker, 1)
        assert await sequencer.seal_all() == 0
        assert sequencer.state == "stopped"
        assert sequencer.refused is not None and sequencer.refused.startswith(f"the witness file {path} ")
    finally:
        await restarted.state.engine.dispose()


async def test_a_database_made_again_keeps_sealing_stopped_until_the_file_is_removed_and_then_verifies(
    app, settings, sessionmaker, audit_log
) -> None:
    """The database made again with the same DATABASE_URL (here: every audit row removed, as a
    new database has none), the file of the old one kept: sealing stays stopped, saying what to
    do, and nothing of the old log is stored in the new one — it verifies once the file is gone
    (the old checkpoint stored as witnessed failed it for good)."""
    await write_events(sessionmaker, 4)
    assert await audit_log.seal() == 4
    path = witness_file_for(settings)
    await as_owner(app.state.engine, *REWRITE[1:], "DELETE FROM audit_events")
    restarted = create_app(settings)
    try:
        sequencer = restarted.state.audit_sequencer
        assert await sequencer.seal_all() == 0
        assert sequencer.state == "stopped"
        assert sequencer.refused is not None and sequencer.refused.startswith(
            f"the witness file {path} holds checkpoint seq 4 signed at "
        )
        assert "If the database was made again or restored on purpose, remove the file and restart" in (
            sequencer.refused
        )
    finally:
        await restarted.state.engine.dispose()
    path.unlink()
    again = create_app(settings)
    try:
        await write_events(sessionmaker, 3)
        assert await again.state.audit_sequencer.seal_all() == 3
    finally:
        await again.state.engine.dispose()
    assert (await audit_log.verify()).ok
