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

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects import postgresql

from app.audit import strict_json
from app.audit.models import AuditEvent
from app.core.db import CanonicalJSON, UTCDateTime

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

_encode_string = json.encoder.encode_basestring  # the C routine json.dumps(ensure_ascii=False) uses
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
    details: dict[str, Any] | str,
) -> str:
    """The chain hash (hex) of the event with this content at place ``seq`` after ``prev_hash``,
    by link formula ``version`` (1 or 2, see the module docstring); ``details`` may be its JSON
    text (read as :func:`text_row_hash` reads it)."""
    return text_row_hash(
        version,
        prev_hash,
        seq,
        occurred_at.astimezone(_UTC).isoformat(timespec="microseconds"),
        str(actor_id) if actor_id else None,
        actor_label,
        actor_role,
        action,
        entity_type,
        entity_id,
        str(desk_id) if desk_id else None,
        request_id,
        ip,
        user_agent,
        details,
    )


def text_row_hash(
    version: int,
    prev_hash: str,
    seq: int,
    occurred_at: str,
    actor_id: str | None,
    actor_label: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
    desk_id: str | None,
    request_id: str | None,
    ip: str | None,
    user_agent: str | None,
    details: dict[str, Any] | str,
) -> str:
    """:func:`row_hash` with the time and ids already as text: ``occurred_at`` in UTC as
    ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, the UUIDs lower-case with hyphens (what PostgreSQL's
    ``to_char``/``::text`` give, so verification does no conversion in Python); ``details`` may be
    its JSON text, read by :func:`canonical_details` (``DuplicateKey``, a ``ValueError``, when an
    object in it holds a key twice).

    The canonical JSON is assembled field by field, keys in sorted order, each value encoded by
    the same routine :mod:`json` uses (``encode_basestring``): the same bytes as
    ``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, for a third of
    the work (tests pin both against hand-written JSON).
    """
    details_json = canonical_details(details).decode() if isinstance(details, str) else _canonical(details)
    head = (
        f'{{"action":{_string(action)},"actor_id":{_string(actor_id)},'
        f'"actor_label":{_string(actor_label)},"actor_role":{_string(actor_role)},'
    )
    tail = (
        f'"entity_id":{_string(entity_id)},"entity_type":{_string(entity_type)},"ip":{_string(ip)},'
        f'"occurred_at":{_string(occurred_at)},'
    )
    if version == 2:
        content = (
            f'{head}"details":{details_json},{tail}'
            f'"request_id":{_string(request_id)},"user_agent":{_string(user_agent)}}}'
        )
        digest = _sha256(content.encode()).hexdigest()
        return _sha256(f"{prev_hash}:{seq}:{desk_id or ''}:{digest}".encode()).hexdigest()
    if version == 1:
        content = (
            f'{head}"desk_id":{_string(desk_id)},"details":{details_json},{tail}"prev_hash":{_string(prev_hash)},'
            f'"request_id":{_string(request_id)},"seq":{int(seq)},"user_agent":{_string(user_agent)}}}'
        )
        return _sha256(content.encode()).hexdigest()
    raise ValueError(f"unknown audit link version {version}")


def _string(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


V2_KEYS = (
    "action",
    "actor_id",
    "actor_label",
    "actor_role",
    "entity_id",
    "entity_type",
    "ip",
    "occurred_at",
    "request_id",
    "user_agent",
)
"""The text fields of the version 2 content in the canonical JSON's key order (``details``
goes between ``actor_role`` and ``entity_id``), as :func:`v2_content` takes them."""

V2_QUOTED = (
    b'{"action":"%s","actor_id":"%s","actor_label":"%s","actor_role":"%s","details":%s,"entity_id":"%s",'
    b'"entity_type":"%s","ip":"%s","occurred_at":"%s","request_id":"%s","user_agent":"%s"}'
)
V2_ENCODED = (
    b'{"action":%s,"actor_id":%s,"actor_label":%s,"actor_role":%s,"details":%s,"entity_id":%s,'
    b'"entity_type":%s,"ip":%s,"occurred_at":%s,"request_id":%s,"user_agent":%s}'
)


def v2_content(fields: list[bytes], details: bytes, *, quoted: bool) -> bytes:
    """The canonical JSON (UTF-8) of a version 2 content from its :data:`V2_KEYS` ``fields`` and
    the canonical JSON of its ``details``: each field already a JSON value (``quoted=False``), or
    each the UTF-8 of a string needing no JSON escape (no ``"``, ``\\``, control character)
    (``quoted=True``). One ``bytes % tuple`` per event: the bytes :func:`text_row_hash` hashes."""
    a, b, c, d, e, f, g, h, i, j = fields
    return (V2_QUOTED if quoted else V2_ENCODED) % (a, b, c, d, details, e, f, g, h, i, j)


_sort_encode = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, str, _encode_string, None, ":", ",", True, False, True
)
"""The C encoder behind :data:`_canonical`, built once (``JSONEncoder.encode`` builds one per call)."""
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def canonical_details(text: str) -> bytes:
    """The canonical JSON (UTF-8) of the JSON ``text`` of an event's details: what
    :func:`text_row_hash` puts in the content for it. Raises ``DuplicateKey`` (a ``ValueError``)
    for a key twice in one object (:func:`app.audit.strict_json.check_unique`), ``ValueError`` for
    text that is not JSON, ``RecursionError`` past Python's nesting limit."""
    if text == "{}":
        return b"{}"
    try:
        value, end = _scan(text, 0)  # json.loads without its per-call checks
    except StopIteration:
        end = -1
    if end != len(text):  # leading or trailing white space, or not JSON: json.loads decides
        value = json.loads(text)
    canonical = "".join(_sort_encode(value, 0))
    strict_json.check_unique(text, canonical)
    return canonical.encode()


def canonical_json(value: Any) -> str:
    """The canonical JSON of ``value``, the form the chain and the personal values' digests hash:
    keys sorted, no white space, non-ASCII as it is
    (``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)``:
    a value :mod:`json` cannot write, such as a UUID or a date, is written as its ``str``).
    ``TypeError`` for a key that is not a string, number, boolean or None, or for keys of types
    that do not sort together; ``ValueError`` for a circular reference."""
    return _canonical(value)


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
    return text(sql).bindparams(bindparam("occurred_at", type_=UTCDateTime), bindparam("details", type_=CanonicalJSON))


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
        values = {**values, "details": CanonicalJSON.serialize(values["details"])}
        return [values[name] for name in self.names]


def values(event: Content | AuditEvent) -> dict[str, Any]:
    """The named parameters (:data:`CONTENT_FIELDS`) of ``event``."""
    return {name: getattr(event, name) for name in CONTENT_FIELDS}
