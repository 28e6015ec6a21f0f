"""The audit log's hash chain: how an event is digested, linked and appended.

Two digests, so that the link can be computed by the database itself:

* ``content_digest`` = SHA-256 (hex) of the canonical JSON (keys sorted, no spaces, UTF-8) of the
  event's content: time, actor, action, entity, request id, IP, user agent and details.
* ``hash`` = SHA-256 (hex) of ``"{prev_hash}:{seq}:{desk_id}:{content_digest}"``, where
  ``prev_hash`` is the hash of event ``seq - 1`` (64 zeros before the first event) and ``desk_id``
  the event's desk as a lower-case UUID (empty when none). The desk sits in the link, not in the
  content digest, because it is the one field the database may supply itself: a read can log
  itself with the desk of the record it found, in the same statement (:func:`append_ctes`).

Appending locks the single ``audit_chain_head`` row, so concurrent writers form one unbroken
chain. On PostgreSQL one statement (:data:`APPEND_SQL`) locks the head, computes the link with the
built-in ``sha256()`` (PostgreSQL 11+), moves the head and inserts the event: one round trip per
event, and the lock is held only from that statement to the end of its transaction. On SQLite,
whose transactions are serialised by ``BEGIN IMMEDIATE``, Python reads the head and computes the
same link (:func:`append_in_python`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, TextClause, bindparam, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.audit.models import AuditChainHead, AuditEvent
from app.core.db import UTCDateTime

CONTENT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "action",
    "entity_type",
    "entity_id",
    "desk_id",
    "request_id",
    "ip",
    "user_agent",
    "details",
)


@dataclass(frozen=True)
class Content:
    """An event's content before it is chained (see :data:`CONTENT_FIELDS`)."""

    occurred_at: dt.datetime
    actor_id: uuid.UUID | None
    actor_label: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str | None
    desk_id: uuid.UUID | None
    request_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]


def _content_payload(event: Content | AuditEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "request_id": event.request_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details,
    }


def _sha256_of_canonical_json(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def content_digest(event: Content | AuditEvent) -> str:
    """SHA-256 hex digest of ``event``'s content (all but ``desk_id``, ``seq``, ``prev_hash``, ``hash``)."""
    return _sha256_of_canonical_json(_content_payload(event))


def link(prev_hash: str, seq: int, desk_id: uuid.UUID | None, digest: str) -> str:
    """The chain hash of event ``seq`` of desk ``desk_id`` whose content digest is ``digest``."""
    return hashlib.sha256(f"{prev_hash}:{seq}:{desk_id or ''}:{digest}".encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """The hash ``event`` must carry given its content, desk, ``seq`` and ``prev_hash``."""
    return link(event.prev_hash, event.seq, event.desk_id, content_digest(event))


def legacy_event_hash(event: AuditEvent) -> str:
    """The hash of an event appended before revision 0006: SHA-256 of the canonical JSON of all its
    fields, ``seq``, ``desk_id`` and ``prev_hash`` included. Only :func:`verify_chain` needs it."""
    desk_id = str(event.desk_id) if event.desk_id else None
    payload = {**_content_payload(event), "seq": event.seq, "desk_id": desk_id, "prev_hash": event.prev_hash}
    return _sha256_of_canonical_json(payload)


def append_ctes(*, desk_id: str = ":desk_id", guard: str = "TRUE") -> str:
    """PostgreSQL: the CTEs ``head, next, moved, logged`` that append one event, to be placed in a
    ``WITH`` clause (named parameters: ``content_digest`` and the content fields but the desk).

    ``desk_id`` is the SQL expression of the event's desk; ``guard`` a condition: when false,
    nothing is locked, moved or logged. Under READ COMMITTED, ``FOR UPDATE`` waits for a concurrent
    appender and then reads the head it committed, and the ``UPDATE`` re-checks that same row, so
    each event links to the one committed just before it.
    """
    # Composed from SQL fragments written in this code base, never from input; values are bound.
    return f"""head AS (
    SELECT seq, hash FROM audit_chain_head WHERE id = 1 AND ({guard}) FOR UPDATE
), next AS (
    SELECT head.seq + 1 AS seq, head.hash AS prev_hash, CAST({desk_id} AS uuid) AS desk_id,
           encode(sha256(convert_to(head.hash || ':' || (head.seq + 1)::text || ':'
                                    || coalesce(CAST({desk_id} AS uuid)::text, '') || ':' || :content_digest,
                                    'UTF8')), 'hex') AS hash
    FROM head
), moved AS (
    UPDATE audit_chain_head SET seq = next.seq, hash = next.hash FROM next WHERE audit_chain_head.id = 1
), logged AS (
    INSERT INTO audit_events (seq, prev_hash, hash, occurred_at, actor_id, actor_label, actor_role, action,
                              entity_type, entity_id, desk_id, request_id, ip, user_agent, details)
    SELECT next.seq, next.prev_hash, next.hash, :occurred_at, :actor_id, :actor_label, :actor_role, :action,
           :entity_type, :entity_id, next.desk_id, :request_id, :ip, :user_agent, :details
    FROM next
    RETURNING seq, prev_hash, hash
)"""  # noqa: S608


APPEND_SQL = f"WITH {append_ctes()}\nSELECT seq, prev_hash, hash FROM logged"
"""PostgreSQL: append one event (named parameters: ``content_digest``, ``desk_id`` and the rest
of the content)."""


def statement(sql: str) -> TextClause:
    """``sql`` (with the parameters of :func:`append_ctes`) with the types its values need."""
    return text(sql).bindparams(bindparam("occurred_at", type_=UTCDateTime), bindparam("details", type_=JSON))


@dataclass(frozen=True)
class DriverStatement:
    """A statement, and the same compiled for asyncpg directly: ``$n`` placeholders and the names
    they stand for."""

    clause: TextClause
    sql: str
    names: tuple[str, ...]

    @classmethod
    def compile(cls, clause: TextClause) -> DriverStatement:
        compiled = clause.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
        return cls(clause, str(compiled), tuple(compiled.positiontup or ()))

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        """The positional arguments for ``values`` (``details`` as JSON text, as SQLAlchemy's
        asyncpg codec expects)."""
        values = {**values, "details": json.dumps(values["details"], separators=(",", ":"), ensure_ascii=False)}
        return [values[name] for name in self.names]


def values(event: Content | AuditEvent) -> dict[str, Any]:
    """The named parameters of :func:`append_ctes` for ``event`` (and ``desk_id``)."""
    out = {name: getattr(event, name) for name in CONTENT_FIELDS}
    out["content_digest"] = content_digest(event)
    return out


_APPEND = statement(APPEND_SQL)


def append_with_sql(session: Session, events: Sequence[AuditEvent]) -> None:
    """PostgreSQL: append ``events`` in order, one :data:`APPEND_SQL` statement each."""
    for item in events:
        item.seq, item.prev_hash, item.hash = session.execute(_APPEND, values(item)).one()


def append_in_python(session: Session, events: Sequence[AuditEvent]) -> None:
    """Any database whose transaction already excludes other writers (SQLite's ``BEGIN
    IMMEDIATE``): read the head, link ``events`` in Python, add them and move the head."""
    head = session.execute(select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()).scalar_one()
    seq, prev = head.seq, head.hash
    for item in events:
        seq += 1
        item.seq, item.prev_hash = seq, prev
        item.hash = prev = event_hash(item)
    head.seq, head.hash = seq, prev
    session.add_all(events)
