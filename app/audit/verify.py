"""Verification of the audit log: the chain, every signed checkpoint, and an auditor's checkpoint.

Checked, in ``seq`` order (the first failure is reported):

* every ``seq`` from 1 to the last is present (a missing one: a link was deleted);
* each link's ``prev_hash`` is the previous link's hash;
* each link's hash is recomputed from its event's stored content (:func:`app.audit.chain.row_hash`)
  with its link version, which never goes back from 2 to 1;
* every checkpoint is signed by the trusted key, its ``seq`` exists and its hash is the link's
  hash there (a rewritten history or a truncated tail cannot match a signature made before);
* the last link is signed by a checkpoint (the sequencer signs each head in the transaction that
  links it, so an unsigned head means links were added or rewritten behind its back);
* no event ordered before the last link's event (``(txid, id)``, the sequencer's order) is left
  out of the chain: the sequencer seals only events of ended transactions, in that order, and
  resumes after the head, so such an event was passed over by a link written behind its back (the
  application's role may INSERT links) and would never be sealed nor counted as waiting;
* optionally, a checkpoint an auditor kept elsewhere (``verify-audit --against FILE``);
* then the events' personal values kept outside the chain: none altered, none deleted but by an
  erasure (:mod:`app.audit.payload_check`).

Events committed but not yet sealed are reported as pending, not as a failure.

On PostgreSQL the links and their events are streamed in one ``COPY … TO STDOUT`` (text format)
straight from asyncpg, in ``seq`` order, and checked as the bytes arrive, so reading and hashing
overlap (the server produces while this process hashes). The per-event work
(:func:`_copy_row`) is a split of the line, one ``bytes % tuple`` building the canonical content
from the fields as PostgreSQL wrote them (:func:`app.audit.chain.v2_content`), the canonical
JSON of ``details`` (cached by its text: many events share theirs) and two SHA-256. A line the
cheap form does not cover (a link version 1, a value needing a JSON escape) and any line whose
hash does not match that way is decoded field by field and hashed by the reference
:func:`app.audit.chain.text_row_hash` before anything is reported, so a mismatch is only ever
reported by the reference formula. ``verify_log(..., streamed=False)`` keeps the previous keyset
reader (bench/audit.py measures both).
"""

from __future__ import annotations

import asyncio
import binascii
import codecs
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import chain
from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditLink
from app.audit.payload_check import payload_fault, start_beside
from app.audit.sequencer import Backlog, Head, backlog, head, pin_search_path
from app.audit.signing import Checkpoint, Verifier

BATCH = 10_000

# Time and ids rendered as text by PostgreSQL, in the form the content digest uses.
_AS_TEXT = {
    "occurred_at": "to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')",
    "actor_id": "e.actor_id::text",
    "desk_id": "e.desk_id::text",
    "details": "e.details::text",
}
_COLUMNS = ", ".join(_AS_TEXT.get(name, f"e.{name}") for name in chain.CONTENT_FIELDS)
_PG_BATCH = (
    f"SELECT l.seq, l.prev_hash, l.hash, l.link_version, e.id, {_COLUMNS} "  # noqa: S608 (constant)
    "FROM audit_links l JOIN audit_events e ON e.id = l.event_id WHERE l.seq > $1 ORDER BY l.seq LIMIT $2"
)

# COPY: the link, the event's desk, its text fields in the canonical key order, details last.
_COPY_FIELDS = ["l.seq", "l.prev_hash", "l.hash", "l.link_version", "e.id", "e.desk_id"]
_COPY_FIELDS += [_AS_TEXT.get(name, f"e.{name}") for name in chain.V2_KEYS] + ["e.details"]
_PG_COPY = (
    f"SELECT {', '.join(_COPY_FIELDS)} "  # noqa: S608 (constant)
    "FROM audit_links l JOIN audit_events e ON e.id = l.event_id ORDER BY l.seq"
)
_WIDTH = len(_COPY_FIELDS)
_NULL = b"\\N"  # COPY's text form of NULL; a backslash in a value is always doubled
_TAB_NULL = b"\t\\N"
# Bytes a JSON string must escape, other than the tab (COPY's separator; a tab inside a value
# arrives as ``\t``) and the backslash (counted separately).
_NEEDS_ESCAPE = re.compile(rb'[\x00-\x08\x0a-\x1f"]')
_REFERENCE_ORDER = [6 + chain.V2_KEYS.index(name) if name in chain.V2_KEYS else None for name in chain.CONTENT_FIELDS]
_DETAILS_CACHE_LIMIT = 4096
_sha256 = hashlib.sha256
_hexlify = binascii.hexlify


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_log` found: links and checkpoints checked, the first failure (if any),
    and the events still waiting to be sealed."""

    checked: int
    checkpoints: int
    pending: Backlog
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


Link = tuple[int, Any, Any, int | None, int, bool]
"""One link as :class:`_Walk` checks it: ``seq``, ``prev_hash``, ``hash`` (both ``str``, or both
``bytes`` from COPY), link version (None when it is NULL or not a number), event id, and whether
the event's content hashes to ``hash`` after ``prev_hash``."""


class _Walk:
    """The checks of the chain, link after link in ``seq`` order (module docstring); the first
    failure is kept in :attr:`failure` as ``(seq, event id, reason)``."""

    def __init__(self, wanted: dict[int, Any], kept_seq: int | None, genesis: str | bytes = GENESIS_HASH) -> None:
        self.wanted = wanted
        self.kept_seq = kept_seq
        self.expected_seq, self.prev, self.version_floor = 1, genesis, 1
        self.failure: tuple[int, int | None, str] | None = None

    def links(self, links: Iterable[Link]) -> bool:
        """Check ``links`` (the next ones in ``seq`` order); True once a check has failed."""
        if self.failure is not None:
            return True
        expected_seq, prev, version_floor, wanted = self.expected_seq, self.prev, self.version_floor, self.wanted
        try:
            for seq, prev_hash, stored_hash, version, event_id, matches in links:
                if seq != expected_seq:
                    self.failure = (expected_seq, None, f"link seq {expected_seq} is missing")
                    return True
                if prev_hash != prev:
                    self.failure = (seq, event_id, "prev_hash does not match the previous link")
                    return True
                if not isinstance(version, int):  # NULL, or garbage where a number belongs
                    self.failure = (seq, event_id, "link version is not a number")
                    return True
                if version < version_floor:
                    self.failure = (seq, event_id, f"link version {version} after version {version_floor}")
                    return True
                if not matches:
                    self.failure = (seq, event_id, "content does not match its hash")
                    return True
                if seq in wanted and wanted[seq] != stored_hash:
                    which = "kept checkpoint" if seq == self.kept_seq else "checkpoint"
                    self.failure = (seq, event_id, f"the {which} at seq {seq} does not match the chain")
                    return True
                prev, version_floor, expected_seq = stored_hash, version, seq + 1
        finally:
            self.expected_seq, self.prev, self.version_floor = expected_seq, prev, version_floor
        return False


def _reference_link(fields: Sequence[bytes]) -> Link:
    """A COPY line's fields decoded one by one and hashed by :func:`chain.text_row_hash`.

    A NULL hash or ``prev_hash`` (``\\N``) matches nothing; a link version that is NULL or not a
    number is passed on as None (:class:`_Walk` names it); ``ValueError`` when ``seq`` or the event
    id is not a number (a column of another type)."""
    seq, prev_hash, stored_hash, version, event_id, desk, *_ = values = [_decoded(f) for f in fields]
    number = _number(version)
    content: list[Any] = [values[i] if i is not None else desk for i in _REFERENCE_ORDER[:-1]]
    content.append(values[-1])  # details, as its JSON text
    matches = (
        number is not None
        and prev_hash is not None
        and stored_hash is not None
        and _matches(chain.text_row_hash, number, prev_hash, int(seq or ""), content, stored_hash)
    )
    return int(seq or ""), fields[1], fields[2], number, int(event_id or ""), matches


def _number(text: Any) -> int | None:
    """``text`` (a link version as read) as an integer, None when it is NULL or not one."""
    try:
        return int(text) if text is not None else None
    except (ValueError, TypeError):
        return None


def _decoded(field: bytes) -> str | None:
    """A COPY text field as the value it stands for (``\\N`` is NULL; backslash escapes undone)."""
    if field == _NULL:
        return None
    return (codecs.escape_decode(field)[0] if b"\\" in field else field).decode()


class _CopyLines:
    """Turns the lines of the ``COPY`` into :data:`Link` tuples (hashes as ``bytes``), hashing
    each event as cheaply as its line allows."""

    def __init__(self) -> None:
        self.details: dict[bytes, bytes] = {}

    def canonical_details(self, text: bytes) -> bytes:
        """The canonical JSON of a details field as COPY wrote it, cached by that text."""
        canonical = self.details.get(text)
        if canonical is None:
            if len(self.details) >= _DETAILS_CACHE_LIMIT:
                self.details.clear()
            json_text = codecs.escape_decode(text)[0] if b"\\" in text else text
            canonical = self.details[text] = chain.canonical_details(json_text.decode())
        return canonical

    def links(self, lines: list[bytes]) -> list[Link]:
        """The links of ``lines``, in order.

        The cheap form applies when the line's fields hold no backslash but NULLs' ``\\N`` (no
        COPY escape to undo) and no ``"`` (no JSON escape to add), so each text value is its own
        JSON string between quotes. A raw control character (COPY leaves 0x01-0x07, 0x0e-0x1f as
        they are) is not looked for: the canonical JSON never holds one, so such a line cannot
        match its hash the cheap way and goes to the reference formula.
        """
        out: list[Link] = []
        append, sha256, hexlify, details_of = out.append, _sha256, _hexlify, self.canonical_details
        quoted, encoded, null, tab_null, width = chain.V2_QUOTED, chain.V2_ENCODED, _NULL, _TAB_NULL, _WIDTH
        for line in lines:
            fields = line.split(b"\t")
            if len(fields) != width:
                append(_reference_link(fields))
                continue
            seq, prev_hash, stored_hash, version, event_id, desk, a, b, c, d, e, f, g, h, i, j, details = fields
            cut = len(line) - len(details) - 1
            backslashes = line.count(b"\\", 0, cut)
            if (
                version != b"2"
                or line.find(b'"', 0, cut) >= 0
                or (backslashes and backslashes != line.count(tab_null, 0, cut))
            ):
                append(_reference_link(fields))
                continue
            try:
                canonical = b"{}" if details == b"{}" else details_of(details)
            except (ValueError, RecursionError):  # not JSON (a column of another type), or nested past Python's limit
                append(_reference_link(fields))
                continue
            if backslashes:  # NULLs only
                a, b, c, d, e, f, g, h, i, j = (b"null" if v == null else b'"' + v + b'"' for v in fields[6:-1])
                content = encoded % (a, b, c, d, canonical, e, f, g, h, i, j)
                if desk == null:
                    desk = b""
            else:
                content = quoted % (a, b, c, d, canonical, e, f, g, h, i, j)
            link = b":".join((prev_hash, seq, desk, hexlify(sha256(content).digest())))
            if hexlify(sha256(link).digest()) == stored_hash:
                append((int(seq), prev_hash, stored_hash, 2, int(event_id), True))
            else:
                append(_reference_link(fields))
        return out


async def _pg_copy(conn: AsyncConnection, walk: _Walk) -> None:
    """Stream every link with its event through ``COPY`` into ``walk`` (the rest of the stream is
    read and dropped once a check has failed)."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    lines = _CopyLines()
    rest = b""
    error: Exception | None = None

    async def received(data: bytes) -> None:
        nonlocal rest, error
        if walk.failure is not None or error is not None:
            return
        try:
            end = data.rfind(b"\n")
            if end < 0:
                rest += data
                return
            block = rest + data[:end]
            rest = bytes(data[end + 1 :])
            walk.links(lines.links(block.split(b"\n")))
        except Exception as exc:  # raised below, once the COPY has ended: asyncpg hangs on a broken one
            error = exc

    await driver.copy_from_query(_PG_COPY, output=received)
    if error is not None:
        raise error
    if rest and walk.failure is None:
        walk.links(lines.links(rest.split(b"\n")))


async def _pg_links(conn: AsyncConnection) -> AsyncIterator[list[Link]]:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    last = 0
    row_hash = chain.text_row_hash
    while True:
        rows = await driver.fetch(_PG_BATCH, last, BATCH)
        if not rows:
            return
        yield [
            (seq, prev_hash, stored, version, event_id, _matches(row_hash, version, prev_hash, seq, content, stored))
            for seq, prev_hash, stored, raw_version, event_id, *content in rows
            for version in (raw_version if type(raw_version) is int else _number(raw_version),)
        ]
        last = rows[-1][0]


async def _orm_links(conn: AsyncConnection) -> AsyncIterator[list[Link]]:
    content = [getattr(AuditEvent, name) for name in chain.CONTENT_FIELDS]
    base = select(AuditLink.seq, AuditLink.prev_hash, AuditLink.hash, AuditLink.link_version, AuditEvent.id, *content)
    base = base.join(AuditEvent, AuditEvent.id == AuditLink.event_id).order_by(AuditLink.seq).limit(BATCH)
    last = 0
    row_hash = chain.row_hash
    while True:
        rows = (await conn.execute(base.where(AuditLink.seq > last))).all()
        if not rows:
            return
        yield [
            (seq, prev_hash, stored, version, event_id, _matches(row_hash, version, prev_hash, seq, content, stored))
            for seq, prev_hash, stored, raw_version, event_id, *content in rows
            for version in (raw_version if type(raw_version) is int else _number(raw_version),)
        ]
        last = rows[-1][0]


def _matches(row_hash: Any, version: int | None, prev_hash: str, seq: int, content: list[Any], stored: str) -> bool:
    """Whether the event's ``content`` hashes to ``stored`` by link formula ``version`` (an unknown
    version matches nothing: it is reported as a content mismatch, as the ``COPY`` reader does; so
    does content that cannot be hashed: a NULL or a value of another type where the application
    never writes one, details that are not JSON or nested past Python's recursion limit)."""
    try:
        return bool(row_hash(version, prev_hash, seq, *content) == stored)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return False


async def verify_log(
    conn: AsyncConnection, verifier: Verifier, *, against: Checkpoint | None = None, streamed: bool = True
) -> VerifyResult:
    """Verify the chain and checkpoints visible to ``conn``, then the personal values (see the
    module docstring).

    ``verifier`` holds the trusted public key; ``against`` is a checkpoint kept outside the
    database. Reads only; run it in a transaction with one snapshot (REPEATABLE READ on
    PostgreSQL) so a sealing batch in between cannot be mistaken for an inconsistency. In such a
    transaction on PostgreSQL the personal values are checked on a second connection of
    ``conn``'s engine sharing the snapshot, beside the chain
    (:func:`app.audit.payload_check.start_beside`). ``streamed=False`` reads PostgreSQL in keyset
    batches, hashes each event with the reference formula only and checks the personal values
    after the chain (the previous reader, kept for comparison). On PostgreSQL the rest of the
    transaction runs with :data:`app.audit.sequencer.PINNED_SEARCH_PATH`.
    """
    if conn.dialect.name == "postgresql":
        await pin_search_path(conn)
    beside = await start_beside(conn) if streamed else None
    try:
        result = await _verify_chain(conn, verifier, against, streamed)
        if not result.ok:
            return result
        try:
            fault = await beside if beside is not None else await payload_fault(conn)
        except (ValueError, TypeError, AttributeError) as exc:  # a payload the driver or the ORM cannot convert
            return replace(result, reason=f"the payloads cannot be read ({exc!r})")
        if fault is not None:
            seq, event_id, reason = fault
            reason = f"event {event_id}: {reason}" if event_id is not None else reason
            return replace(result, broken_seq=seq, broken_id=event_id, reason=reason)
        return result
    finally:
        if beside is not None and not beside.done():  # the chain failed first, or raised
            beside.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await beside


async def _verify_chain(
    conn: AsyncConnection, verifier: Verifier, against: Checkpoint | None, streamed: bool
) -> VerifyResult:
    """:func:`verify_log` but for the personal values."""
    pending = await backlog(conn)
    try:
        stored = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))).all()
    except (ValueError, TypeError, AttributeError) as exc:  # a row the driver or the ORM cannot convert
        reason = f"the checkpoints cannot be read ({type(exc).__name__}: {exc})"
        return VerifyResult(0, 0, pending, None, None, reason)
    checkpoints: dict[int, str] = {}
    for cp in stored:
        signed = Checkpoint(cp.seq, cp.hash, cp.signed_at, cp.key_id, cp.signature)
        if not isinstance(cp.seq, int) or not verifier.verify(signed):
            return VerifyResult(0, 0, pending, cp.seq, None, f"checkpoint at seq {cp.seq}: signature does not verify")
        checkpoints[cp.seq] = cp.hash
    if against is not None:
        if not verifier.verify(against):
            return VerifyResult(0, 0, pending, against.seq, None, "the kept checkpoint's signature does not verify")
        if checkpoints.get(against.seq, against.hash) != against.hash:
            return VerifyResult(
                0,
                0,
                pending,
                against.seq,
                None,
                f"the kept checkpoint at seq {against.seq} differs from the stored one",
            )
    wanted = dict(checkpoints)
    if against is not None:
        wanted[against.seq] = against.hash

    kept_seq = against.seq if against is not None else None
    walk = _Walk(wanted, kept_seq)
    try:
        if conn.dialect.name != "postgresql":
            async for batch in _orm_links(conn):
                if walk.links(batch):
                    break
        elif streamed:
            walk = _Walk({seq: value.encode() for seq, value in wanted.items()}, kept_seq, GENESIS_HASH.encode())
            await _pg_copy(conn, walk)
        else:
            async for batch in _pg_links(conn):
                if walk.links(batch):
                    break
    except (ValueError, TypeError, RecursionError) as exc:  # a row the driver or the ORM cannot even convert
        seq = walk.expected_seq
        reason = f"a link from seq {seq} on cannot be read ({type(exc).__name__}: {exc})"
        return VerifyResult(seq - 1, len(checkpoints), pending, seq, None, reason)
    if walk.failure is not None:
        at_seq, event_id, reason = walk.failure
        return VerifyResult(walk.expected_seq - 1, len(checkpoints), pending, at_seq, event_id, reason)
    last = walk.expected_seq - 1
    beyond = max(wanted, default=0)
    if beyond > last:
        return VerifyResult(
            last,
            len(checkpoints),
            pending,
            beyond,
            None,
            f"checkpoint at seq {beyond} is beyond the last link {last} (the log was truncated)",
        )
    if last and max(checkpoints, default=0) != last:
        return VerifyResult(
            last, len(checkpoints), pending, last, None, f"the last link {last} is not signed by a checkpoint"
        )
    passed_over = await _passed_over(conn, await head(conn), last) if last else None
    if passed_over is not None:
        event_id, seq = passed_over
        return VerifyResult(
            last,
            len(checkpoints),
            pending,
            seq,
            event_id,
            f"event {event_id} is not in the chain, yet link {seq} seals an event written after it",
        )
    return VerifyResult(last, len(checkpoints), pending)


async def _passed_over(conn: AsyncConnection, last: Head, links: int) -> tuple[int, int] | None:
    """The first event before the head's in the sealing order (``(txid, id)``) that no link seals,
    and the first link sealing an event after it; None when every such event is linked.

    ``links`` is the number of links (all checked, ``seq`` 1 to ``links``). Counted first, cheaply
    (the index on ``(txid, id)``; no join but over the few events after the head): the events up
    to the head's are all linked when they are no more than the links that do not seal an event
    after the head's. Only when they are more is the first one looked for.
    """
    linked = exists().where(AuditLink.event_id == AuditEvent.id)
    order = tuple_(AuditEvent.txid, AuditEvent.id)
    at_head = tuple_(last.txid, last.event_id)
    counted = select(func.count()).select_from(AuditEvent)
    up_to_head = (await conn.execute(counted.where(order <= at_head))).scalar_one()
    linked_after = (await conn.execute(counted.where(order > at_head, linked))).scalar_one()
    if up_to_head <= links - linked_after:
        return None
    row = (
        await conn.execute(
            select(AuditEvent.txid, AuditEvent.id)
            .where(order < at_head, ~linked)
            .order_by(AuditEvent.txid, AuditEvent.id)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    txid, event_id = row
    seq = (
        await conn.execute(
            select(func.min(AuditLink.seq))
            .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
            .where(order > tuple_(txid, event_id))
        )
    ).scalar_one()
    return event_id, seq


async def latest_checkpoint(conn: AsyncConnection) -> Checkpoint | None:
    """The most recent signed checkpoint, or None before the first event is sealed."""
    row = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))).first()
    if row is None:
        return None
    return Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)
