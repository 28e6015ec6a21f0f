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
* optionally, a checkpoint an auditor kept elsewhere (``verify-audit --against FILE``).

Events committed but not yet sealed are reported as pending, not as a failure.

On PostgreSQL the links are streamed in keyset batches straight from asyncpg (no ORM objects), so
the work per event is one canonical JSON encoding and two SHA-256 (bench/audit.py measures it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import chain
from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditLink
from app.audit.sequencer import Backlog, backlog
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


async def _pg_rows(conn: AsyncConnection) -> AsyncIterator[Sequence[Any]]:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    last = 0
    while True:
        rows = await driver.fetch(_PG_BATCH, last, BATCH)
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1][0]


async def _orm_rows(conn: AsyncConnection) -> AsyncIterator[Sequence[Any]]:
    content = [getattr(AuditEvent, name) for name in chain.CONTENT_FIELDS]
    base = select(AuditLink.seq, AuditLink.prev_hash, AuditLink.hash, AuditLink.link_version, AuditEvent.id, *content)
    base = base.join(AuditEvent, AuditEvent.id == AuditLink.event_id).order_by(AuditLink.seq).limit(BATCH)
    last = 0
    while True:
        rows = (await conn.execute(base.where(AuditLink.seq > last))).all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1][0]


async def verify_log(conn: AsyncConnection, verifier: Verifier, *, against: Checkpoint | None = None) -> VerifyResult:
    """Verify the chain and checkpoints visible to ``conn`` (see the module docstring).

    ``verifier`` holds the trusted public key; ``against`` is a checkpoint kept outside the
    database. Reads only; run it in a transaction with one snapshot (REPEATABLE READ on
    PostgreSQL) so a sealing batch in between cannot be mistaken for an inconsistency.
    """
    pending = await backlog(conn)
    stored = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))).all()
    checkpoints: dict[int, str] = {}
    for cp in stored:
        signed = Checkpoint(cp.seq, cp.hash, cp.signed_at, cp.key_id, cp.signature)
        if not verifier.verify(signed):
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

    postgres = conn.dialect.name == "postgresql"
    rows = _pg_rows(conn) if postgres else _orm_rows(conn)
    expected_seq, prev, version_floor = 1, GENESIS_HASH, 1
    row_hash = chain.text_row_hash if postgres else chain.row_hash
    async for seq, prev_hash, stored_hash, version, event_id, *content in rows:
        if seq != expected_seq:
            return VerifyResult(
                expected_seq - 1, len(checkpoints), pending, expected_seq, None, f"link seq {expected_seq} is missing"
            )
        if prev_hash != prev:
            return VerifyResult(
                seq - 1, len(checkpoints), pending, seq, event_id, "prev_hash does not match the previous link"
            )
        if version < version_floor:
            return VerifyResult(
                seq - 1,
                len(checkpoints),
                pending,
                seq,
                event_id,
                f"link version {version} after version {version_floor}",
            )
        if row_hash(version, prev, seq, *content) != stored_hash:
            return VerifyResult(seq - 1, len(checkpoints), pending, seq, event_id, "content does not match its hash")
        if seq in wanted and wanted[seq] != stored_hash:
            which = "kept checkpoint" if against is not None and seq == against.seq else "checkpoint"
            return VerifyResult(
                seq - 1, len(checkpoints), pending, seq, event_id, f"the {which} at seq {seq} does not match the chain"
            )
        prev, version_floor, expected_seq = stored_hash, version, seq + 1
    last = expected_seq - 1
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
    return VerifyResult(last, len(checkpoints), pending)


async def latest_checkpoint(conn: AsyncConnection) -> Checkpoint | None:
    """The most recent signed checkpoint, or None before the first event is sealed."""
    row = (await conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))).first()
    if row is None:
        return None
    return Checkpoint(row.seq, row.hash, row.signed_at, row.key_id, row.signature)
