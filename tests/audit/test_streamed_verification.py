"""Verification's fast reader (PostgreSQL ``COPY``, app/audit/verify.py) agrees with the reference
formula on awkward values, and never accepts a line the reference formula refuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import pytest
from sqlalchemy import select, text

from app.audit import chain
from app.audit.copy_reader import PG_COPY, CopyLines
from app.audit.models import AuditEvent, AuditLink
from app.audit.service import verify_chain
from app.audit.verify import verify_log
from tests.audit.tampering import lift_protection, raw_copy_hash

TXID = 740  # the txid of event n is TXID + n
AWKWARD = ['say "hi"', "back\\slash", "tab\there", "new\nline\r", "bell\x07 unit\x1f", "😀 Ndèye", "", "\\N"]


def _copy_field(value: str | None) -> bytes:
    """``value`` as PostgreSQL's COPY text format writes it."""
    if value is None:
        return b"\\N"
    escapes = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
    return "".join(escapes.get(ch, ch) for ch in value).encode()


def _line(seq: int, prev: str, stored: str, content: dict, details_text: str, version: int = 2) -> bytes:
    texts = [content[name] for name in chain.V2_KEYS]
    fields = [str(seq), prev, stored, str(version), str(seq), str(TXID + seq), content["desk_id"], *texts, details_text]
    return b"\t".join(_copy_field(f) for f in fields)


def _content(value: str | None) -> dict:
    content = dict.fromkeys(chain.V2_KEYS, value)
    content |= {"occurred_at": "2026-11-30T04:00:00.000001+00:00", "actor_label": "agent", "actor_role": "agent"}
    return content | {"action": "test.awkward", "desk_id": "5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10"}


def _reference(seq: int, prev: str, content: dict, details: dict, version: int = 2) -> str:
    args = [content.get(name) for name in chain.CONTENT_FIELDS[:-1]] + [details]
    return chain.text_row_hash(version, prev, seq, *args)


def test_awkward_values_match_and_a_changed_one_does_not() -> None:
    details = {"note": 'q"\n\\', "z": [1, 2.5, None], "a": {"é": "😀"}}
    details_texts = [json.dumps(details), json.dumps(details, ensure_ascii=False, indent=1), "{}"]
    lines, expected = [], []
    for i, (value, details_text) in enumerate((v, t) for v in [None, "plain", *AWKWARD] for t in details_texts):
        seq, prev = i + 1, f"{i:064x}"
        content = _content(value)
        parsed = json.loads(details_text)
        stored = _reference(seq, prev, content, parsed)
        lines.append(_line(seq, prev, stored, content, details_text))
        expected.append((seq, prev.encode(), stored.encode(), 2, seq, TXID + seq, True))
        # the same line with one value changed after sealing
        changed = {**content, "user_agent": (value or "") + "x"}
        lines.append(_line(seq, prev, stored, changed, details_text))
        expected.append((seq, prev.encode(), stored.encode(), 2, seq, TXID + seq, False))
    assert CopyLines().links(lines) == expected


def test_legacy_links_are_hashed_by_the_legacy_formula() -> None:
    content = _content("plain")
    stored = _reference(3, "cd" * 32, content, {"note": "Ndèye"}, version=1)
    line = _line(3, "cd" * 32, stored, content, '{"note": "Nd\\u00e8ye"}', version=1)
    assert CopyLines().links([line]) == [(3, b"cd" * 32, stored.encode(), 1, 3, TXID + 3, True)]


def test_a_quote_cannot_move_text_from_one_field_to_another() -> None:
    """A forger who knows the cheap form hashes the naive bytes of a value holding ``"``: the
    reference formula escapes it, so the line must not match (it would if ``"`` were not checked),
    with empty details (hashed as stored where a checkpoint signs) and with details written
    otherwise (read into their canonical JSON, signed or not)."""
    content = _content("plain") | {"action": 'test.awkward","actor_id":"someone-else'}
    fields = [content[name] for name in chain.V2_KEYS]
    for details_text, canonical in (("{}", b"{}"), ('{"n": 1}', b'{"n":1}')):
        naive = chain.v2_content([f.encode() for f in fields], canonical, quoted=True)
        digest = hashlib.sha256(naive).hexdigest()
        forged = hashlib.sha256(f"{'ab' * 32}:1:{content['desk_id']}:{digest}".encode()).hexdigest()
        for signed_through in (0, 1):
            line = _line(1, "ab" * 32, forged, content, details_text)
            assert CopyLines(signed_through).links([line])[0][-1] is False


def test_an_escape_is_undone_before_hashing() -> None:
    """COPY writes a vertical tab as ``\\v``, which JSON writes ``\\u000b``: a hash over the
    bytes as they arrived must not match (it would if escapes were not looked for), with empty
    details (hashed as stored where a checkpoint signs) and with details written otherwise (read
    into their canonical JSON, signed or not)."""
    content = _content("plain") | {"user_agent": "a\vb"}
    fields = [_copy_field(content[name]) for name in chain.V2_KEYS]  # as COPY wrote them
    for details_text, details in (("{}", {}), ('{"n": 1}', {"n": 1})):
        canonical = json.dumps(details, separators=(",", ":")).encode()
        digest = hashlib.sha256(chain.v2_content(fields, canonical, quoted=True)).hexdigest()
        forged = hashlib.sha256(f"{'ab' * 32}:1:{content['desk_id']}:{digest}".encode()).hexdigest()
        honest = _reference(1, "ab" * 32, content, details)
        for signed_through in (0, 1):
            lines = CopyLines(signed_through)
            assert lines.links([_line(1, "ab" * 32, forged, content, details_text)])[0][-1] is False
            assert lines.links([_line(1, "ab" * 32, honest, content, details_text)])[0][-1] is True


async def _awkward_log(sessionmaker, audit_log) -> None:
    async with sessionmaker() as session:
        for i, value in enumerate([None, *AWKWARD]):
            session.add(
                AuditEvent(
                    occurred_at=dt.datetime(2026, 11, 30, 4, 0, i, 1000 * i, tzinfo=dt.UTC),
                    actor_id=uuid.uuid4() if value else None,
                    actor_label=value or "system",
                    actor_role="agent",
                    action="test.awkward",
                    entity_type="test",
                    entity_id=value,
                    desk_id=None,
                    request_id=value,
                    ip=value,
                    user_agent=value,
                    details={"value": value, "n": i, "nested": {"b": [value], "a": 1.5}} if i % 2 else {},
                )
            )
        await session.commit()
    await audit_log.seal()


async def test_a_log_of_awkward_values_verifies_by_both_readers(sessionmaker, audit_log, app) -> None:
    await _awkward_log(sessionmaker, audit_log)
    signer = app.state.audit_sequencer.signer
    for streamed in (True, False):
        async with sessionmaker() as session:
            conn = await session.connection()
            if conn.dialect.name == "postgresql":
                await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            result = await verify_log(conn, signer, streamed=streamed)
        assert (result.ok, result.checked) == (True, len(AWKWARD) + 1), (streamed, result)


async def test_a_changed_awkward_value_is_named(sessionmaker, audit_log, app) -> None:
    await _awkward_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await lift_protection(session)
        event_id = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == 5))).scalar_one()
        await session.execute(text("UPDATE audit_events SET user_agent = 'tab\there' WHERE id = :id"), {"id": event_id})
        await session.commit()
    async with sessionmaker() as session:
        result = await verify_chain(session, app.state.audit_sequencer.signer)
    assert (result.ok, result.broken_seq, result.reason) == (False, 5, "content does not match its hash")


async def test_a_raw_control_character_hashed_raw_is_refused(sessionmaker, audit_log, app) -> None:
    """The owner writes a raw control character into the last event and its link the hash of the
    line's bytes as COPY sends them (the character raw, where the canonical JSON escapes it):
    the COPY reader refuses the content, as the reference formula does."""
    await _awkward_log(sessionmaker, audit_log)
    last = len(AWKWARD) + 1
    async with sessionmaker() as session:
        conn = await session.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("the COPY reader runs on PostgreSQL only")
        await lift_protection(session)
        event_id = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == last))).scalar_one()
        await session.execute(  # plain values beside it, so that the line takes the cheap form
            text(
                "UPDATE audit_events SET user_agent = 'agent' || chr(1), actor_label = 'agent', entity_id = '1',"
                " request_id = 'r', ip = '203.0.113.7' WHERE id = :id"
            ),
            {"id": event_id},
        )
        copied: list[bytes] = []
        driver = (await conn.get_raw_connection()).driver_connection
        await driver.copy_from_query(PG_COPY, output=lambda data: _append(copied, data))
        line = b"".join(copied).rstrip(b"\n").split(b"\n")[-1]
        assert b"\x01" in line.split(b"\t")[16]  # COPY sends it raw
        forged = raw_copy_hash(line)
        await session.execute(text("UPDATE audit_links SET hash = :h WHERE seq = :s"), {"h": forged, "s": last})
        await session.commit()
    async with sessionmaker() as session:
        conn = await session.connection()
        await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        result = await verify_log(conn, app.state.audit_sequencer.signer, streamed=True)
    assert (result.ok, result.broken_seq, result.reason) == (False, last, "content does not match its hash")


async def _append(copied: list[bytes], data: bytes) -> None:
    copied.append(bytes(data))
