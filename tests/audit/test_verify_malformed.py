"""A log rewritten into values the application never writes: NULLs, garbage, columns of another
type, a dropped table. The verifier names the link or checkpoint (or says the log cannot be read)
on every reader; ``verify-audit`` exits 1 or 2 with a message, never with a traceback.

NULLs need the owner to drop a NOT NULL constraint first (PostgreSQL: ``ALTER TABLE``); SQLite
keeps a text where a number or JSON belongs (its columns have an affinity, not a type).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditLink
from app.audit.verify import VerifyResult
from tests.audit.tampering import lift_protection
from tests.audit.test_audit_chain import _cli
from tests.audit.test_verify_failures import WAITING, _sealed_log, _signer, _verify

CONTENT = "content does not match its hash"
SIGNATURE_3 = "checkpoint at seq 3: signature does not verify"


async def _event_2(session) -> int:
    return (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == 2))).scalar_one()


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            [
                "ALTER TABLE audit_links ALTER prev_hash DROP NOT NULL",
                "UPDATE audit_links SET prev_hash = NULL WHERE seq = 2",
            ],
            (6, 2, 2, True, "prev_hash does not match the previous link"),
        ),
        (
            ["ALTER TABLE audit_links ALTER hash DROP NOT NULL", "UPDATE audit_links SET hash = NULL WHERE seq = 2"],
            (6, 2, 2, True, CONTENT),
        ),
        (
            [
                "ALTER TABLE audit_links ALTER link_version DROP NOT NULL",
                "UPDATE audit_links SET link_version = NULL WHERE seq = 2",
            ],
            (6, 2, 2, True, "link version is not a number"),
        ),
        (
            [
                "ALTER TABLE audit_links ALTER link_version TYPE text",
                "UPDATE audit_links SET link_version = 'two' WHERE seq = 2",
            ],
            (6, 2, 2, True, "link version is not a number"),
        ),
        (
            [
                "ALTER TABLE audit_checkpoints ALTER signature DROP NOT NULL",
                "UPDATE audit_checkpoints SET signature = NULL WHERE seq = 3",
            ],
            (6, 1, 3, False, SIGNATURE_3),
        ),
        (
            [
                "ALTER TABLE audit_checkpoints ALTER signed_at DROP NOT NULL",
                "UPDATE audit_checkpoints SET signed_at = NULL WHERE seq = 3",
            ],
            (6, 1, 3, False, SIGNATURE_3),
        ),
        (
            [
                "ALTER TABLE audit_events ALTER details TYPE text",
                "UPDATE audit_events SET details = 'not json' WHERE id = :e",
            ],
            # and the check of the personal values, which reads the details as JSON, says it cannot run
            (6, 2, 2, True, CONTENT, "the personal values cannot be checked (operator does not exist: text -> text)"),
        ),
        (
            ["UPDATE audit_events SET details = (repeat('[', 5000) || repeat(']', 5000))::json WHERE id = :e"],
            (6, 2, 2, True, CONTENT),
        ),
    ],
    ids=[
        "null-prev-hash",
        "null-hash",
        "null-version",
        "text-version",
        "null-signature",
        "null-signed-at",
        "details-not-json",
        "details-too-deep",
    ],
)
async def test_postgresql_nulls_and_garbage_are_named_by_every_reader(
    app, sessionmaker, audit_log, database_url, statements, expected
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("NOT NULL and column types are PostgreSQL's to drop and change here; SQLite cases below")
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        event_2 = await _event_2(session)
        for statement in statements:
            await session.execute(text(statement), {"e": event_2} if ":e" in statement else {})
        await session.commit()
    checked, checkpoints, broken_seq, names_event, reason, *also = expected
    first = (broken_seq, event_2 if names_event else None, reason)
    faults = (first, *((None, None, other) for other in also))
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(checked, checkpoints, WAITING, *first, faults)


async def test_sqlite_a_text_where_the_link_version_belongs_is_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        if session.bind.dialect.name != "sqlite":
            pytest.skip("PostgreSQL: the column's type is changed first, above")
        await lift_protection(session)
        await session.execute(text("UPDATE audit_links SET link_version = 'two' WHERE seq = 2"))
        event_2 = await _event_2(session)
        await session.commit()
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(6, 2, WAITING, 2, event_2, "link version is not a number")


@pytest.mark.parametrize("details", ["not json", "[" * 5000 + "]" * 5000], ids=["not-json", "too-deep"])
async def test_sqlite_details_that_are_not_json_or_nested_too_deep_are_named_as_on_postgresql(
    app, sessionmaker, audit_log, details
) -> None:
    """The details are read as stored (their JSON text, read strictly), no longer decoded by the
    ORM: the link and event are named, where the log was "unreadable from seq 1"."""
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        if session.bind.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's json type refuses a text that is not JSON")
        await lift_protection(session)
        await session.execute(text("UPDATE audit_events SET details = :d WHERE id = :e"), {"d": details, "e": 2})
        await session.commit()
    [result] = await _verify(sessionmaker, _signer(app))
    assert result == VerifyResult(6, 2, WAITING, 2, 2, CONTENT)


async def test_verify_audit_with_a_table_dropped_says_the_log_cannot_be_read(
    app, sessionmaker, audit_log, database_url, settings
) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await session.execute(text("DROP TABLE audit_checkpoints"))
        await session.commit()
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("audit log cannot be read: ")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


async def test_verify_audit_refuses_a_kept_file_nested_too_deep_and_an_empty_public_key(
    app, sessionmaker, audit_log, database_url, settings, tmp_path: Path
) -> None:
    """An empty ``--public-key`` (an auditor's unset variable) is refused, not taken for "the
    server's own key file"."""
    await _sealed_log(sessionmaker, audit_log)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--against", str(deep))
    assert (done.returncode, done.stderr.strip()) == (2, f"{deep} is not a checkpoint: JSON nested too deep")
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--public-key", "")
    assert (done.returncode, done.stderr.strip()) == (2, "not an Ed25519 public key (base64 of 32 bytes)")
    kept = tmp_path / "kept.json"
    kept.write_text(json.dumps({"seq": 1}))
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--against", str(kept))
    assert (done.returncode, done.stderr.strip()) == (
        2,
        f"{kept} is not a checkpoint: hash, signed_at, key_id, signature missing",
    )


async def test_verify_audit_seal_reports_an_event_it_cannot_hash_without_a_traceback(
    app, client, sessionmaker, audit_log, database_url, settings, caplog
) -> None:
    """Details nested past Python's recursion limit (the application's role may INSERT any event)
    cannot be hashed: sealing stops there (the events after it wait, as ``verify-audit`` and
    ``/readyz`` report) and ``--seal`` says so in one line. PostgreSQL refuses such an event at
    INSERT (revision 3401, ``test_unreadable_events.py``); SQLite has no roles to refuse it to."""
    await _sealed_log(sessionmaker, audit_log)
    deep = '{"a": ' + "[" * 3000 + "]" * 3000 + "}"
    async with sessionmaker() as session:
        postgres = session.bind.dialect.name == "postgresql"
        insert = text(
            "INSERT INTO audit_events (txid, occurred_at, actor_label, actor_role, action, entity_type, details) "
            f"VALUES (0, :at, 'system', 'system', 'test.deep', 'test', CAST(:d AS TEXT){'::json' if postgres else ''})"
        )
        if postgres:
            with pytest.raises(IntegrityError, match="audit event refused: details hold objects or arrays nested"):
                await session.execute(insert, {"at": WAITING.oldest, "d": deep})
            return
        await session.execute(insert, {"at": WAITING.oldest, "d": deep})
        await session.commit()
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--seal")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("sealing failed: RecursionError: ")
    assert done.stderr.strip().endswith("(event 8; 1 event sealed before it)")  # the one waiting before it
    assert len(done.stderr.strip().splitlines()) == 1
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert done.returncode == 0, done.stderr
    assert "; 1 event not sealed yet" in done.stdout
    # The server's sequencer: stopped before it, shown, logged once however many rounds
    sequencer = app.state.audit_sequencer
    with caplog.at_level("ERROR", logger="app.audit.sequencer"):
        assert await audit_log.seal() == 0
        assert await audit_log.seal() == 0
    assert sequencer.stopped and sequencer.blocked[0] == 8
    logged = [r.getMessage() for r in caplog.records if r.name == "app.audit.sequencer"]
    assert len(logged) == 1 and logged[0].startswith("audit sequencer: event 8 cannot be hashed (RecursionError: ")
    assert (await client.get("/readyz")).json()["audit"]["sealing"] == "stopped"
