"""Verification of the audit events' personal values (``audit_payloads``), after the chain's.

The chain hashes each event with the digest of its personal values, never the values
(:mod:`app.audit.payloads`), so that erasing a person leaves the chain verifiable. Someone with
full rights on the database could therefore change a payload, or delete it, without breaking a
chain hash. Checked here, for every sealed event that refers to a payload, in ``seq`` order (the
first fault is reported):

* a payload that is there holds the values its event was written with (its salted digest is the
  one in the chained ``details``): a payload is never edited, only deleted by an erasure, so any
  difference is tampering;
* a payload that is gone was deleted by an erasure: its id is in the ``erased_payloads`` of a
  ``privacy.erasure`` event (sealed or still waiting to be sealed: the erasure deletes the payloads
  and records its event in one transaction).

Erasures recorded before their events listed the payloads they deleted name only the person:
a payload gone since then is accepted when the person erased is its event's ``entity_id``
(events of a registrant's file), or, for an event of another entity (a case's), when an erasure
was recorded after the event. The check reads every referring event once, joined to its payload, in one
streamed query, on SQLite and PostgreSQL alike.

On PostgreSQL the verifier runs this check beside the chain's (:func:`start_beside`): on a second
connection whose transaction imports the verifier's snapshot (``pg_export_snapshot()``, then ``SET
TRANSACTION SNAPSHOT``; PostgreSQL documentation, "Snapshot Synchronization Functions"), so both
passes see the same log while the server joins the payloads and this process hashes the chain.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.audit import payloads
from app.audit.models import AuditEvent, AuditLink, AuditPayload
from app.audit.sequencer import pin_search_path

ERASURE_ACTION = "privacy.erasure"
"""The action of the event an erasure records (``app.privacy.erasure``)."""

ERASED_PAYLOADS = "erased_payloads"
"""The key of an erasure event's ``details`` listing the ids of the payloads it deleted."""

BATCH = 2_000

Fault = tuple[int, int, str]
"""``(seq, event id, reason)``: what :func:`payload_fault` reports."""

_REFERENCE = AuditEvent.details["personal"]
_PAYLOAD_ID = _REFERENCE["payload"].as_string()
_DIGEST = _REFERENCE["digest"].as_string()


@dataclass
class _Erasures:
    """What the log's erasure events allow to be gone."""

    payload_ids: set[str] = field(default_factory=set)
    legacy_subjects: set[str] = field(default_factory=set)  # erased persons, from erasures listing no payloads
    last_legacy_event: int = 0  # the id of the last such erasure event (0: none)

    def allow(self, event_id: int, entity_type: str, entity_id: str | None, payload_id: str) -> bool:
        """Whether the payload of event ``event_id`` may be gone."""
        if payload_id in self.payload_ids:
            return True
        if entity_type == "registrant":
            return entity_id in self.legacy_subjects
        return event_id < self.last_legacy_event


async def _erasures(conn: AsyncConnection) -> _Erasures:
    found = _Erasures()
    rows = await conn.execute(
        select(AuditEvent.id, AuditEvent.entity_id, AuditEvent.details).where(AuditEvent.action == ERASURE_ACTION)
    )
    for event_id, entity_id, details in rows:
        listed = details.get(ERASED_PAYLOADS) if isinstance(details, dict) else None
        if isinstance(listed, list):
            found.payload_ids.update(str(i) for i in listed)
        else:
            found.legacy_subjects.add(str(entity_id))
            found.last_legacy_event = max(found.last_legacy_event, event_id)
    return found


def _payload_id_matches(dialect: str) -> Any:
    """The join of a payload to the event naming it: the id as the event's text wrote it (a
    garbage reference joins nothing, never raises)."""
    if dialect == "postgresql":
        return cast(AuditPayload.id, String) == _PAYLOAD_ID
    return AuditPayload.id == func.replace(_PAYLOAD_ID, "-", "")  # SQLite keeps a UUID as 32 hex digits


async def payload_fault(conn: AsyncConnection) -> Fault | None:
    """The first sealed event (``seq`` order) whose personal values were altered, or deleted other
    than by an erasure, as ``(seq, event id, reason)``; None when every payload checks.

    One pass: the sealed events that refer to a payload, each with its payload if stored (one
    join, streamed). Read-only; run it in the verifier's transaction (one snapshot). A value the
    driver cannot convert raises what it raises (``ValueError``, ``TypeError``), as the chain's
    readers do.
    """
    erasures = await _erasures(conn)
    stmt = (
        select(
            AuditLink.seq,
            AuditEvent.id,
            AuditEvent.entity_type,
            AuditEvent.entity_id,
            _PAYLOAD_ID,
            _DIGEST,
            AuditPayload.salt,
            AuditPayload.value,
        )
        .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
        .outerjoin(AuditPayload, _payload_id_matches(conn.dialect.name))
        # The text test first: parsing JSON costs the server more, and a reference's key is in
        # the text as written (the chain, checked before, vouches for the details).
        .where(cast(AuditEvent.details, String).contains('"personal"'), _PAYLOAD_ID.is_not(None))
        .order_by(AuditLink.seq)
    )
    result = await conn.stream(stmt.execution_options(yield_per=BATCH))
    try:
        async for rows in result.partitions():
            for seq, event_id, entity_type, entity_id, payload_id, digest, salt, value in rows:
                if salt is None:
                    if not erasures.allow(event_id, entity_type, entity_id, payload_id):
                        reason = f"its personal values (payload {payload_id}) were deleted, yet no erasure lists them"
                        return seq, event_id, reason
                elif not isinstance(value, dict) or payloads.digest(salt, value) != digest:
                    return seq, event_id, f"its personal values (payload {payload_id}) do not match their digest"
    finally:
        await result.close()
    return None


# The snapshot of a transaction that keeps one for its whole length (REPEATABLE READ or
# SERIALIZABLE); NULL under READ COMMITTED, whose statements each take a new one.
_EXPORT = text(
    "SELECT CASE WHEN current_setting('transaction_isolation') IN ('repeatable read', 'serializable') "
    "THEN pg_catalog.pg_export_snapshot() END"
)
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


async def start_beside(conn: AsyncConnection) -> asyncio.Task[Fault | None] | None:
    """:func:`payload_fault` started as a task on a second connection of ``conn``'s engine, in
    ``conn``'s snapshot; None where it cannot share one (SQLite; a transaction other than
    REPEATABLE READ or SERIALIZABLE): the caller then runs :func:`payload_fault` on ``conn``.

    The task must be awaited or cancelled before ``conn``'s transaction ends: an exported
    snapshot can be imported only while its transaction is open. The task raises what
    :func:`payload_fault` raises, and ``sqlalchemy.exc.DBAPIError`` when the second connection
    cannot be had or the snapshot imported.
    """
    if conn.dialect.name != "postgresql":
        return None
    snapshot = (await conn.execute(_EXPORT)).scalar_one()
    if not isinstance(snapshot, str) or not _SNAPSHOT_ID.fullmatch(snapshot):
        return None
    return asyncio.ensure_future(_in_snapshot(conn.engine, snapshot))


async def _in_snapshot(engine: AsyncEngine, snapshot: str) -> Fault | None:
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        await conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked: hex digits and dashes
        await pin_search_path(conn)
        return await payload_fault(conn)
