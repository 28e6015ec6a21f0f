"""Another signing key is never silently taken; a rotation hands the log over from one key to the next.

A server restarted with another AUDIT_SIGNING_KEY_FILE (a rotated key, a secret mounted wrong, a
DATA_DIR changed in development, where a new key is made) started as if nothing were wrong, its
sequencer signed new checkpoints with the new key, and from then on verify-audit failed with
either key, for good. Now its sequencer refuses to sign over another key's checkpoints (stopped,
logged once, shown), and ``diaspora-desk rotate-audit-key --new-key FILE``, run with both keys,
records a rotation both keys sign, which the sequencer and verify-audit follow from either key.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
from sqlalchemy import select

from app.audit import service as audit
from app.audit.keys import ROTATION_ACTION, rotation_details
from app.audit.models import AuditCheckpoint
from app.audit.sequencer import Sequencer
from app.audit.signing import Signer, Verifier, load_signer
from app.core.context import SYSTEM_ACTOR
from app.main import create_app
from tests.audit.conftest import write_events
from tests.audit.test_audit_chain import _cli


async def _keys(sessionmaker) -> list[tuple[int, str]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.key_id).order_by(AuditCheckpoint.seq))
        return [(seq, key_id) for seq, key_id in rows]


async def _verify(app, root: Verifier):
    async with app.state.sessionmaker() as session:
        return await audit.verify_chain(session, root)


async def test_a_server_started_with_another_key_signs_nothing_and_says_why(
    app, settings, sessionmaker, audit_log, make_staff, tmp_path: Path, caplog
) -> None:
    auditor = await make_staff("auditor", [])
    old = app.state.audit_sequencer.signer
    await write_events(sessionmaker, 3)
    await audit_log.seal()  # links 1-3, checkpoint 3, the old key's
    load_signer(tmp_path / "other.pem", create=True)  # a secret mounted wrong, a key rotated by hand
    other = create_app(settings.model_copy(update={"audit_signing_key_file": tmp_path / "other.pem"}))
    try:
        new = other.state.audit_sequencer.signer
        assert new.key_id != old.key_id
        await write_events(sessionmaker, 2)
        with caplog.at_level(logging.ERROR, logger="app.audit.sequencer"):
            for _ in range(3):
                assert await other.state.audit_sequencer.seal_all() == 0
        sequencer = other.state.audit_sequencer
        assert sequencer.state == "stopped"
        assert sequencer.refused.startswith(
            f"the checkpoint at seq 3 is signed by key {old.key_id}, not by this server's key {new.key_id} "
            "(AUDIT_SIGNING_KEY_FILE) nor by a key a rotation handed over to it"
        )
        assert len([r for r in caplog.records if r.name == "app.audit.sequencer"]) == 1
        assert await _keys(sessionmaker) == [(3, old.key_id)]
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = (await client.get("/readyz")).json()
            assert (ready["status"], ready["audit"]["sealing"]) == ("degraded", "stopped")
            answer = await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)
            assert answer.status_code == 500  # another key's head is handed to no auditor
    finally:
        await other.state.engine.dispose()
    result = await _verify(app, old)  # the log is intact: the old key verifies it all
    assert (result.ok, result.checked, result.pending.count) == (True, 3, 2)


async def test_a_rotation_run_with_both_keys_is_followed_from_either_key(
    app, settings, sessionmaker, audit_log, make_staff, database_url, tmp_path: Path
) -> None:
    auditor = await make_staff("auditor", [])
    old = app.state.audit_sequencer.signer
    new_file = tmp_path / "next" / "audit_signing_key.pem"
    new = load_signer(new_file, create=True)
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    done = await asyncio.to_thread(
        _cli, database_url, settings.data_dir, "rotate-audit-key", "--new-key", str(new_file)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"signing key {old.key_id} hands over to {new.key_id} at link 4 (event ")
    again = await asyncio.to_thread(
        _cli, database_url, settings.data_dir, "rotate-audit-key", "--new-key", str(new_file)
    )
    assert again.returncode == 0, again.stderr  # nothing recorded twice
    assert await _keys(sessionmaker) == [(3, old.key_id), (4, old.key_id)]  # the old key sealed the rotation
    restarted = Sequencer(app.state.engine, new)
    await write_events(sessionmaker, 2)
    assert await restarted.seal_all() == 2
    assert restarted.state == "running"
    assert await _keys(sessionmaker) == [(3, old.key_id), (4, old.key_id), (6, new.key_id)]
    for root in (old, new, Verifier.from_b64(new.public_key_b64)):
        result = await _verify(app, root)
        assert (result.ok, result.checked, result.checkpoints) == (True, 6, 3), result
    # the auditor who kept only the old public key: the command line follows the rotation too
    cli = await asyncio.to_thread(
        _cli,
        database_url,
        tmp_path,
        "verify-audit",
        "--public-key",
        old.public_key_b64,
        env={"DATA_DIR": str(tmp_path)},
    )
    assert (cli.returncode, cli.stdout.strip()) == (0, "audit chain valid: 6 events, 3 signed checkpoints"), cli.stderr
    # a server still on the old key hands auditors the new key's head, with the new public key
    answer = await httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver").get(
        "/api/v1/audit/checkpoint", headers=auditor.headers
    )
    assert (answer.status_code, answer.json()["key_id"], answer.json()["public_key"]) == (
        200,
        new.key_id,
        new.public_key_b64,
    )


async def test_a_process_still_on_the_old_key_does_not_sign_after_the_new_key(
    app, sessionmaker, audit_log, tmp_path
) -> None:
    old = app.state.audit_sequencer.signer
    new = load_signer(tmp_path / "new.pem", create=True)
    await write_events(sessionmaker, 1)
    await audit_log.seal()
    await _record_rotation(sessionmaker, old, new, 1)
    await audit_log.seal()  # the rotation, by the old key: link 2
    await write_events(sessionmaker, 1)
    assert await Sequencer(app.state.engine, new).seal_all() == 1  # link 3, the new key
    await write_events(sessionmaker, 1)
    still_old = Sequencer(app.state.engine, old)
    assert await still_old.seal_all() == 0  # a later key signed the head: it refuses
    assert still_old.state == "stopped"
    assert (await _verify(app, old)).ok


def test_each_key_signs_from_its_rotation_on_and_never_after_the_next_one() -> None:
    """The rules of app.audit.keys.KeyRing.check, on checkpoints in seq order."""
    import datetime as dt

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.audit.keys import KeyRing, Rotation

    old, new = Signer(Ed25519PrivateKey.generate()), Signer(Ed25519PrivateKey.generate())
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    ring = KeyRing(old, [Rotation(2, 10, old, new, 1, "0" * 64)])
    early = new.sign(1, "1" * 64, at)
    assert (
        ring.check(early)
        == f"checkpoint at seq 1: signed by key {new.key_id} before the rotation handing over to it (link 2)"
    )
    assert [
        ring.check(cp) for cp in (old.sign(1, "1" * 64, at), old.sign(2, "2" * 64, at), new.sign(3, "3" * 64, at))
    ] == [
        None,
        None,
        None,
    ]
    assert ring.check(old.sign(4, "4" * 64, at)) == (
        f"checkpoint at seq 4: signed by key {old.key_id} after key {new.key_id} took over"
    )
    stranger = Signer(Ed25519PrivateKey.generate())
    assert ring.check(stranger.sign(5, "5" * 64, at)) == (
        f"checkpoint at seq 5: signed by key {stranger.key_id}, not by the trusted key {old.key_id} nor by a key a "
        "rotation handed over to or from it"
    )
    # from the new key, the old one is trusted the same way
    assert KeyRing(new, [Rotation(2, 10, old, new, 1, "0" * 64)]).check(old.sign(1, "1" * 64, at)) is None


async def _record_rotation(sessionmaker, old: Signer, new: Signer, head_seq: int, **change: object) -> None:
    async with sessionmaker() as session:
        head = (await session.execute(select(AuditCheckpoint).where(AuditCheckpoint.seq == head_seq))).scalar_one()
        details = rotation_details(old, new, head_seq, head.hash) | change
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action=ROTATION_ACTION,
            entity_type="audit_key",
            entity_id=new.key_id,
            details=details,
        )
        await session.commit()


async def test_a_rotation_without_the_old_keys_signature_is_refused_and_followed_by_nothing(
    app, sessionmaker, audit_log, tmp_path
) -> None:
    """Who can record events (the application's role) but holds only a key of their own cannot hand
    the log over to it: the old key's signature is missing, and the event is named."""
    old = app.state.audit_sequencer.signer
    forger = load_signer(tmp_path / "forger.pem", create=True)
    await write_events(sessionmaker, 1)
    await audit_log.seal()
    unsigned = rotation_details(forger, forger, 1, "0" * 64)["signature"]
    await _record_rotation(sessionmaker, old, forger, 1, previous_signature=unsigned)
    await audit_log.seal()  # sealed by the old key as any event
    await write_events(sessionmaker, 1)
    sequencer = Sequencer(app.state.engine, forger)
    assert await sequencer.seal_all() == 0
    assert sequencer.refused is not None and sequencer.refused.startswith("the checkpoint at seq 2 is signed by key")
    result = await _verify(app, old)
    assert result.faults[0][2].endswith("is refused: its previous key's signature does not verify")


async def test_rotate_audit_key_refuses_the_key_in_use_and_a_log_another_key_signs(
    app, settings, sessionmaker, audit_log, database_url, tmp_path: Path
) -> None:
    key_file = settings.data_dir / "audit_signing_key.pem"
    await write_events(sessionmaker, 1)
    await audit_log.seal()
    same = await asyncio.to_thread(
        _cli, database_url, settings.data_dir, "rotate-audit-key", "--new-key", str(key_file)
    )
    assert (same.returncode, same.stderr.strip()) == (
        2,
        f"{key_file} holds the key in use ({app.state.audit_sequencer.signer.key_id}): nothing to rotate",
    )
    stranger = tmp_path / "stranger"
    load_signer(stranger / "audit_signing_key.pem", create=True)
    load_signer(tmp_path / "next.pem", create=True)
    done = await asyncio.to_thread(
        _cli, database_url, stranger, "rotate-audit-key", "--new-key", str(tmp_path / "next.pem")
    )
    assert done.returncode == 1
    assert done.stderr.startswith("the latest checkpoint (seq 1) is signed by key ")
