"""The audit log's hash chain: how an event is digested and linked.

Link version 2 (current, since revision 0006):

* ``content_digest`` = SHA-256 (hex) of the canonical JSON (keys sorted, no spaces, UTF-8) of the
  event's content: time, actor, action, entity, request id, IP, user agent and details.
* ``hash`` = SHA-256 (hex) of ``"{prev_hash}:{seq}:{desk_id}:{content_digest}"``, where
  ``prev_hash`` is the hash of link ``seq - 1`` (64 zeros before the first) and ``desk_id`` the
  event's desk as a lower-case UUID (empty when none).

Link version 1 (events chained before revision 0006): SHA-256 of the canonical JSON of the
content plus ``seq``, ``desk_id`` and ``prev_hash``. Only verification still computes it.

Events are written without a place in the chain (:mod:`app.audit.service`); the sequencer
(:mod:`app.audit.sequencer`) links them. :func:`row_hash` is the per-event work of sealing and
of verification, written to do as little as possible per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, TextClause, bindparam, text
from sqlalchemy.dialects import postgresql

from app.audit.models import AuditEvent
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
"""An event's content, in the order :func:`row_hash` takes it."""

CURRENT_LINK_VERSION = 2

_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode
_sha256 = hashlib.sha256
_UTC = dt.UTC


@dataclass(frozen=True)
class Content:
    """An event's content before it is written (see :data:`CONTENT_FIELDS`)."""

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


def row_hash(
    version: int,
    prev_hash: str,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: uuid.UUID | None,
    actor_label: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
    desk_id: uuid.UUID | None,
    request_id: str | None,
    ip: str | None,
    user_agent: str | None,
    details: dict[str, Any],
) -> str:
    """The chain hash (hex) of the event with this content at place ``seq`` after ``prev_hash``,
    by link formula ``version`` (1 or 2, see the module docstring)."""
    payload: dict[str, Any] = {
        "occurred_at": occurred_at.astimezone(_UTC).isoformat(timespec="microseconds"),
        "actor_id": str(actor_id) if actor_id else None,
        "actor_label": actor_label,
        "actor_role": actor_role,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "request_id": request_id,
        "ip": ip,
        "user_agent": user_agent,
        "details": details,
    }
    if version == 2:
        digest = _sha256(_canonical(payload).encode()).hexdigest()
        return _sha256(f"{prev_hash}:{seq}:{desk_id or ''}:{digest}".encode()).hexdigest()
    if version == 1:
        payload["seq"] = seq
        payload["desk_id"] = str(desk_id) if desk_id else None
        payload["prev_hash"] = prev_hash
        return _sha256(_canonical(payload).encode()).hexdigest()
    raise ValueError(f"unknown audit link version {version}")


def content_digest(event: Content | AuditEvent) -> str:
    """SHA-256 hex digest of ``event``'s content (all but its desk), link version 2."""
    payload = {
        "occurred_at": event.occurred_at.astimezone(_UTC).isoformat(timespec="microseconds"),
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
    return _sha256(_canonical(payload).encode()).hexdigest()


def link(prev_hash: str, seq: int, desk_id: uuid.UUID | None, digest: str) -> str:
    """The version 2 chain hash of event ``seq`` of desk ``desk_id`` whose content digest is ``digest``."""
    return _sha256(f"{prev_hash}:{seq}:{desk_id or ''}:{digest}".encode()).hexdigest()


def chain_hash(version: int, prev_hash: str, seq: int, event: Content | AuditEvent) -> str:
    """:func:`row_hash` of ``event``."""
    return row_hash(version, prev_hash, seq, *(getattr(event, name) for name in CONTENT_FIELDS))


def statement(sql: str) -> TextClause:
    """``sql`` (with named parameters for an event's content) with the types its values need."""
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
    """The named parameters (:data:`CONTENT_FIELDS`) of ``event``."""
    return {name: getattr(event, name) for name in CONTENT_FIELDS}
