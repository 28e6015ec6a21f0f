"""The audit log: hash chain, append-only storage, verification, listing."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.audit import service as audit
from app.audit.models import AuditEvent, AuditLink
from app.core.context import SYSTEM_ACTOR
from tests.audit.conftest import write_events
from tests.audit.tampering import lift_protection

ROOT = Path(__file__).resolve().parents[2]


async def _write_events(sessionmaker, count: int) -> None:
    await write_events(sessionmaker, count)


async def _tamper(sessionmaker, seq: int) -> None:
    """Change one sealed event's content behind the application's back, as someone with database access could."""
    async with sessionmaker() as session:
        await lift_protection(session)
        event_id = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == seq))).scalar_one()
        await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE id = :id"), {"id": event_id})
        await session.commit()


async def test_a_fresh_chain_verifies(sessionmaker, audit_log) -> None:
    await _write_events(sessionmaker, 5)
    assert await audit_log.seal() == 5
    result = await audit_log.verify()
    assert (result.ok, result.checked, result.checkpoints, result.pending.count) == (True, 5, 1, 0)


async def test_events_wait_unsealed_until_the_sequencer_runs_and_are_reported_pending(sessionmaker, audit_log) -> None:
    await _write_events(sessionmaker, 3)
    result = await audit_log.verify()
    assert (result.ok, result.checked, result.pending.count) == (True, 0, 3)
    assert await audit_log.seal() == 3
    result = await audit_log.verify()
    assert (result.ok, result.checked, result.pending.count) == (True, 3, 0)


async def test_tampered_event_is_named_by_verification(sessionmaker, audit_log) -> None:
    await _write_events(sessionmaker, 6)
    await audit_log.seal()
    await _tamper(sessionmaker, 4)
    result = await audit_log.verify()
    assert not result.ok
    assert result.broken_seq == 4
    assert result.checked == 6  # every link: a later fault would be named too
    assert result.reason == "content does not match its hash"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "UPDATE audit_links SET hash = 'x'",
        "DELETE FROM audit_links",
        "UPDATE audit_checkpoints SET hash = 'x'",
        "DELETE FROM audit_checkpoints",
    ],
)
async def test_the_database_refuses_to_change_the_audit_log(sessionmaker, audit_log, statement: str) -> None:
    await _write_events(sessionmaker, 1)
    await audit_log.seal()
    async with sessionmaker() as session:
        with pytest.raises(DBAPIError, match="is append-only"):
            await session.execute(text(statement))


@pytest.mark.parametrize(
    ("table", "key"), [("audit_events", "id"), ("audit_links", "seq"), ("audit_checkpoints", "seq")]
)
async def test_a_row_inserted_over_a_stored_one_does_not_replace_it(
    sessionmaker, audit_log, table: str, key: str
) -> None:
    """SQLite's REPLACE deletes the stored row without firing its DELETE trigger (revision 2402);
    PostgreSQL's upsert fires the UPDATE trigger."""
    await _write_events(sessionmaker, 1)
    await audit_log.seal()
    async with sessionmaker() as session:
        if session.bind.dialect.name == "sqlite":
            statement = f"INSERT OR REPLACE INTO {table} SELECT * FROM {table}"
        else:
            statement = (
                f"INSERT INTO {table} SELECT * FROM {table} ON CONFLICT ({key}) DO UPDATE SET {key} = {table}.{key}"
            )
        with pytest.raises(DBAPIError, match="is append-only"):
            await session.execute(text(statement))
    assert (await audit_log.verify()).ok


async def test_concurrent_writers_form_one_unbroken_chain(sessionmaker, audit_log) -> None:
    async def writer(n: int) -> None:
        async with sessionmaker() as session:
            await audit.record(
                session, actor=SYSTEM_ACTOR, action="test.concurrent", entity_type="test", entity_id=str(n)
            )
            await asyncio.sleep(0)
            await session.commit()

    await asyncio.gather(*(writer(n) for n in range(25)))
    assert await audit_log.seal() == 25
    result = await audit_log.verify()
    async with sessionmaker() as session:
        seqs = (await session.execute(select(AuditLink.seq).order_by(AuditLink.seq))).scalars().all()
    assert result.ok
    assert seqs == list(range(1, 26))


async def test_sensitive_values_are_masked_in_diffs() -> None:
    changes = audit.diff(
        {"residence_status": "irregular", "city": "Rabat"},
        {"residence_status": "card pending", "city": "Fès"},
        sensitive=frozenset({"residence_status"}),
    )
    assert changes == {
        "city": {"before": "Rabat", "after": "Fès"},
        "residence_status": {"before": "***", "after": "***"},
    }


def _cli(
    database_url: str, data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "ENVIRONMENT": "test", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


async def test_verify_audit_command_seals_passes_then_fails_naming_the_event(
    sessionmaker, database_url, settings
) -> None:
    await _write_events(sessionmaker, 3)
    pending = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert pending.returncode == 0, pending.stderr
    assert "audit chain valid: 0 events, 0 signed checkpoints; 3 events not sealed yet" in pending.stdout
    ok = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--seal")
    assert ok.returncode == 0, ok.stderr
    assert "sealed 3 events" in ok.stdout
    assert "audit chain valid: 3 events, 1 signed checkpoint" in ok.stdout
    await _tamper(sessionmaker, 2)
    broken = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert broken.returncode == 1
    assert "seq=2" in broken.stderr
    assert "content does not match its hash" in broken.stderr


async def test_listing_is_for_auditors_and_paginates_without_repeats(
    client, make_staff, sessionmaker, audit_log
) -> None:
    auditor = await make_staff("auditor", [])
    agent = await make_staff("agent")
    await _write_events(sessionmaker, 7)
    await audit_log.seal()
    assert (await client.get("/api/v1/audit/events", headers=agent.headers)).status_code == 403
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, "action": "test.event"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/audit/events", params=params, headers=auditor.headers)).json()
        seen += [e["entity_id"] for e in page["items"]]
        assert all(e["seq"] is not None and len(e["hash"]) == 64 for e in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["6", "5", "4", "3", "2", "1", "0"]


async def test_listing_rejects_a_naive_since_and_a_forged_cursor(client, make_staff) -> None:
    auditor = await make_staff("auditor", [])
    naive = await client.get("/api/v1/audit/events", params={"since": "2026-01-01T00:00:00"}, headers=auditor.headers)
    assert naive.status_code == 422
    forged = await client.get("/api/v1/audit/events", params={"cursor": "%%%"}, headers=auditor.headers)
    assert forged.status_code == 400
    assert forged.json()["type"] == "/problems/bad-request"


async def test_events_survive_a_savepoint_rollback_and_die_with_the_transaction(sessionmaker) -> None:
    async with sessionmaker() as session:
        await audit.record(session, actor=SYSTEM_ACTOR, action="test.kept", entity_type="test")
        try:
            async with session.begin_nested():
                raise ValueError("inner failure")
        except ValueError:
            pass
        await session.commit()
    async with sessionmaker() as session:
        await audit.record(session, actor=SYSTEM_ACTOR, action="test.dropped", entity_type="test")
        await session.rollback()
        await session.commit()
    async with sessionmaker() as session:
        actions = (await session.execute(select(AuditEvent.action).order_by(AuditEvent.id))).scalars().all()
    assert actions == ["test.kept"]


def test_an_event_hash_links_the_previous_hash_its_seq_its_desk_and_its_content_digest() -> None:
    import datetime as dt
    import hashlib
    import json
    import uuid

    from app.audit import chain

    event = chain.Content(
        occurred_at=dt.datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=dt.UTC),
        actor_id=None,
        actor_label="system",
        actor_role="system",
        action="registrant.read",
        entity_type="registrant",
        entity_id="42",
        desk_id=uuid.UUID("5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10"),
        request_id="r1",
        ip=None,
        user_agent=None,
        details={"note": "Ndèye"},
    )
    content = (
        '{"action":"registrant.read","actor_id":null,"actor_label":"system","actor_role":"system",'
        '"details":{"note":"Ndèye"},"entity_id":"42","entity_type":"registrant","ip":null,'
        '"occurred_at":"2026-11-29T10:00:00.123456+00:00","request_id":"r1","user_agent":null}'
    )
    assert json.loads(content)["details"] == {"note": "Ndèye"}
    digest = hashlib.sha256(content.encode()).hexdigest()
    assert chain.content_digest(event) == digest
    link = f"{'ab' * 32}:7:5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10:{digest}"
    assert chain.chain_hash(2, "ab" * 32, 7, event) == hashlib.sha256(link.encode()).hexdigest()


def test_the_legacy_hash_is_the_one_events_were_written_with_before_revision_0006() -> None:
    import datetime as dt
    import uuid

    from app.audit import chain

    event = chain.Content(
        occurred_at=dt.datetime(2026, 11, 1, 9, 3, tzinfo=dt.UTC),
        actor_id=None,
        actor_label="system",
        actor_role="system",
        action="test.before_upgrade",
        entity_type="test",
        entity_id="3",
        desk_id=uuid.UUID("5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10"),
        request_id=None,
        ip=None,
        user_agent=None,
        details={"note": "Ndèye"},
    )
    # Computed by the previous code's event_digest (commit f9481e2) for this event at seq 3.
    assert (
        chain.chain_hash(1, "cd" * 32, 3, event) == "93f72d5d394fd4380c2da9fe3b84d303e61a17cb1df920b8e4781c20bc2d5a8e"
    )


def test_the_fast_digest_gives_the_bytes_of_json_dumps_for_awkward_values() -> None:
    """Verification assembles the canonical JSON itself; it must equal the json.dumps formula the
    chain is documented with, for quotes, control characters, non-BMP text, nulls and nesting."""
    import hashlib
    import itertools
    import json

    from app.audit import chain

    names = ("occurred_at", "actor_id", "actor_label", "actor_role", "action", "entity_type", "entity_id")
    names += ("desk_id", "request_id", "ip", "user_agent", "details")
    awkward = ['a"b', "é\u2028\n\t\\", None, "", "\x00\x1f", "😀 Ndèye"]
    detail_values = [{}, {"b": 1, "a": [1, "é"], "z": {"y": None, "x": 1.5}}, {"note": 'q"\n'}]
    for i, (text_value, details) in enumerate(itertools.product(awkward, detail_values)):
        content = dict.fromkeys(names, text_value)
        content |= {"occurred_at": "2026-11-30T04:00:00.000001+00:00", "actor_label": "x", "details": details}
        payload = {k: v for k, v in content.items() if k != "desk_id"}
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        v2 = hashlib.sha256(f"{'ab' * 32}:{i + 1}:{content['desk_id'] or ''}:{digest}".encode()).hexdigest()
        legacy = {**payload, "seq": i + 1, "desk_id": content["desk_id"], "prev_hash": "ab" * 32}
        v1 = hashlib.sha256(
            json.dumps(legacy, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        args = [content[name] for name in names]
        assert chain.text_row_hash(2, "ab" * 32, i + 1, *args) == v2
        assert chain.text_row_hash(1, "ab" * 32, i + 1, *args) == v1
        args[-1] = json.dumps(details)  # details as the database's JSON text
        assert chain.text_row_hash(2, "ab" * 32, i + 1, *args) == v2


async def test_verify_audit_command_checks_a_kept_checkpoint_with_a_published_key(
    sessionmaker, database_url, settings, audit_log, app, tmp_path
) -> None:
    import json

    from app.audit.service import current_checkpoint

    await _write_events(sessionmaker, 2)
    await audit_log.seal()
    async with sessionmaker() as session:
        kept = await current_checkpoint(session)
    kept_file = tmp_path / "kept.json"
    kept_file.write_text(json.dumps(kept.as_json()))
    public_key = app.state.audit_sequencer.signer.public_key_b64
    # another DATA_DIR: no private key there, the published public key is all the auditor has
    auditor_dir = tmp_path / "auditor"
    ok = await asyncio.to_thread(
        _cli, database_url, auditor_dir, "verify-audit", "--against", str(kept_file), "--public-key", public_key
    )
    assert ok.returncode == 0, ok.stderr
    assert "audit chain valid: 2 events, 1 signed checkpoint" in ok.stdout
    assert not (auditor_dir / "audit_signing_key.pem").exists()
    kept_file.write_text("{not json")
    bad = await asyncio.to_thread(
        _cli, database_url, auditor_dir, "verify-audit", "--against", str(kept_file), "--public-key", public_key
    )
    assert bad.returncode == 2
    assert "is not JSON" in bad.stderr


async def test_verify_audit_without_the_private_key_exits_2_and_makes_no_key(
    sessionmaker, database_url, settings, audit_log, tmp_path
) -> None:
    """Outside production the running app makes its key once; the command line never does: a new
    key would only make every signature fail, reported as tampering."""
    await _write_events(sessionmaker, 2)
    await audit_log.seal()
    elsewhere = tmp_path / "no-key-here"
    for args in (("verify-audit",), ("verify-audit", "--seal")):
        result = await asyncio.to_thread(_cli, database_url, elsewhere, *args)
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert "does not exist" in result.stderr
        assert not (elsewhere / "audit_signing_key.pem").exists()
    ok = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert ok.returncode == 0, ok.stderr


async def test_verify_audit_with_an_empty_key_file_setting_uses_the_data_dir_key(
    sessionmaker, database_url, settings, audit_log
) -> None:
    """``AUDIT_SIGNING_KEY_FILE=""`` (a variable left empty in a unit file) means unset, as other
    empty settings do; it was the path ``.``: "cannot be read: Is a directory", exit 2."""
    await _write_events(sessionmaker, 2)
    await audit_log.seal()
    unset = {"AUDIT_SIGNING_KEY_FILE": ""}
    result = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--seal", env=unset)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "sealed 0 events\naudit chain valid: 2 events, 1 signed checkpoint\n"
