"""Write, list and verify audit events.

Every write and every read of a personal record calls :func:`record` in the same transaction as
the work, so the event commits or rolls back with it. Events that must survive a failed request
(a refused login) go through :func:`record_even_if_rolled_back`.

Events are only INSERTed, at commit (the ``before_commit`` hook adds them to the flush), or with
the statement they describe (:func:`event_values` for bulk writers, :func:`audited_read`,
:func:`logged_insert`): no shared row is locked, so writers never wait on one another for the
audit log. The sequencer
(:mod:`app.audit.sequencer`) links committed events into the hash chain shortly afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, bindparam, event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.audit import chain, payloads, verify
from app.audit.keys import KeyRing, read_rotations
from app.audit.models import AuditEvent, AuditLink, AuditPayload
from app.audit.signing import Checkpoint, Verifier
from app.audit.state import latest_checkpoint
from app.core import bulk
from app.core.context import Actor
from app.core.db import AppSession, idle_session_connection, on_failure, utcnow

MASK = "***"


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, sensitive: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """``{field: {"before": …, "after": …}}`` for the fields that changed; sensitive values masked."""
    if not before:  # a creation (an import makes thousands): every field given a value
        return {
            key: {"before": None, "after": MASK if key in sensitive else _jsonable(new)}
            for key, new in sorted(after.items())
            if new is not None
        }
    changes: dict[str, dict[str, Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in sensitive:
            changes[key] = {"before": MASK if old is not None else None, "after": MASK if new is not None else None}
        else:
            changes[key] = {"before": _jsonable(old), "after": _jsonable(new)}
    return changes


def separate(
    changes: Mapping[str, Mapping[str, Any]], personal: frozenset[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A :func:`diff` split in two: the changes with the ``personal`` fields' values masked (for an
    event's chained ``details``) and those fields' changes (for its erasable ``personal`` values,
    see :func:`record`)."""
    kept = {
        k: ({"before": _mask(c.get("before")), "after": _mask(c.get("after"))} if k in personal else dict(c))
        for k, c in changes.items()
    }
    return kept, {k: dict(c) for k, c in changes.items() if k in personal}


def _mask(value: Any) -> Any:
    return None if value is None else MASK


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: nothing to convert (checked first, it is the hot path)
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
    personal: Mapping[str, Any] | None = None,
    subject_id: uuid.UUID | None = None,
) -> None:
    """Record one event in the caller's transaction; it is written at commit.

    ``action`` is a dotted verb (``registrant.read``, ``auth.login_failed``…); ``details`` must
    already have sensitive values masked (see :func:`diff`) and hold no value identifying a
    person. Such values go in ``personal``, the values of the registrant ``subject_id``: they are
    stored apart (:func:`app.audit.payloads.seal`, erased with the person) and ``details`` gets
    ``"personal"``, a salted digest and reference. The event's time is now; it is inserted by the
    commit's flush and sealed into the chain by the sequencer once committed. A rollback discards
    the event with the work.
    """
    if personal:
        if subject_id is None:
            raise ValueError("personal values need the subject_id of the person they belong to")
        details = {**(details or {}), "personal": payloads.seal(session, registrant_id=subject_id, value=personal)}
    content = _content(actor, action, entity_type, entity_id, desk_id, details)
    event = AuditEvent(**{name: getattr(content, name) for name in chain.CONTENT_FIELDS})
    if not session.in_transaction():
        session.sync_session.begin()  # so a rollback before any statement still discards it
    session.info.setdefault(_PENDING, []).append(event)


def event_values(
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
    personal: Mapping[str, Any] | None = None,
    subject_id: uuid.UUID | None = None,
    details_ready: bool = False,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The event :func:`record` would write (same arguments), as the column values of its
    ``audit_events`` row, and the ``audit_payloads`` row of its ``personal`` values (None without).

    For a bulk writer that stores thousands of events at once with :func:`insert_events`, in the
    same transaction as what they describe. ``details_ready``: ``details`` holds JSON values only
    (strings, numbers, booleans, None, lists and string-keyed dicts of them, as :func:`diff`
    gives), taken as they are instead of converted (the same event, for less work per row).
    """
    payload: dict[str, Any] | None = None
    if personal:
        if subject_id is None:
            raise ValueError("personal values need the subject_id of the person they belong to")
        payload, reference = payloads.payload_values(registrant_id=subject_id, value=personal)
        details = {**(details or {}), "personal": reference}
    if not details_ready:
        content = _content(actor, action, entity_type, entity_id, desk_id, details)
        return chain.values(content), payload
    ctx = actor.context
    # chain.values(_content(…)) (in the order of chain.CONTENT_FIELDS), without converting the
    # details nor building the Content in between
    return {
        "occurred_at": utcnow(),
        "actor_id": actor.user_id,
        "actor_label": actor.email,
        "actor_role": actor.role,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id) if entity_id is not None else None,
        "desk_id": desk_id,
        "request_id": ctx.request_id,
        "ip": ctx.ip,
        "user_agent": ctx.user_agent,
        "details": _with_client(actor, details),
    }, payload


def prepare_events(
    events: Sequence[Mapping[str, Any]], personal: Sequence[Mapping[str, Any]], *, dialect: str | None
) -> list[bulk.Prepared]:
    """Events of :func:`event_values` and their payload rows made ready for
    :func:`app.core.bulk.insert_prepared` (payloads first, then the events in this order) on a
    database of ``dialect``. CPU only. Insert them in the same transaction as the work they describe:
    they commit or roll back with it, and the sequencer seals them once committed, like any other."""
    return [bulk.prepare(_PAYLOADS, personal, dialect=dialect), bulk.prepare(_EVENTS, events, dialect=dialect)]


async def insert_events(
    session: AsyncSession, events: Sequence[Mapping[str, Any]], personal: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Insert events of :func:`event_values` and their payload rows in the session's transaction,
    in bulk (see :func:`prepare_events`)."""
    for prepared in prepare_events(events, personal, dialect=session.get_bind().dialect.name):
        await bulk.insert_prepared(session, prepared)


_EVENTS = cast(Table, AuditEvent.__table__)
_PAYLOADS = cast(Table, AuditPayload.__table__)


def audited_read(select_sql: str) -> chain.DriverStatement:
    """PostgreSQL: ``select_sql`` (a SELECT of at most one row having a ``desk_id`` column, with
    named parameters) made into one statement that also logs the read: an event is inserted when,
    and only when, the row is found, with the row's desk. The statement returns the row.

    Run it with :func:`read_logged`. Compile once, at import time: compiling costs more than
    running it.
    """
    # Composed from SQL written in this code base, never from input; values are bound parameters.
    columns = ", ".join(chain.CONTENT_FIELDS)
    content = ", ".join("r.desk_id" if name == "desk_id" else f":{name}" for name in chain.CONTENT_FIELDS)
    sql = (
        f"WITH r AS ({select_sql}),\n"  # noqa: S608
        f"logged AS (INSERT INTO audit_events ({columns}) SELECT {content} FROM r)\n"
        "SELECT r.* FROM r"
    )
    return chain.DriverStatement.compile(chain.statement(sql))


async def read_logged(
    session: AsyncSession,
    statement: chain.DriverStatement,
    params: Mapping[str, Any],
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Run an :func:`audited_read` statement with ``params``: the row as a dict, or ``None`` (and
    then nothing is logged).

    The read and its event are one statement. When the request has a transaction open, the
    statement joins it through the session and commits or rolls back with it. Otherwise (the hot
    path: nothing else done yet) it runs straight on a pooled asyncpg connection and commits on
    its own before this returns, so the row is never handed out before its event is stored.
    """
    content = _content(actor, action, entity_type, entity_id, None, details)
    values = {**params, **chain.values(content)}
    if session.in_transaction():
        found = (await session.execute(statement.clause, values)).mappings().one_or_none()
        return dict(found) if found is not None else None
    async with idle_session_connection(session) as driver:
        row = await driver.fetchrow(statement.sql, *statement.arguments(values))
    return dict(row) if row is not None else None


def logged_insert(table_insert: Insert) -> Select[Any]:
    """PostgreSQL: ``table_insert`` (an ``INSERT … RETURNING`` of one row, which may insert
    nothing: ``ON CONFLICT DO NOTHING``) made into one statement that also inserts an audit event
    when, and only when, the row is inserted (a data-modifying ``WITH``); the statement returns
    what ``table_insert`` returns. The event's values are bound as ``audit_<field>``
    (:func:`logged_values`). Build it once and keep it: building costs more than running it.

    The event goes in at once, not at commit like :func:`record`'s: call it only when no event of
    :func:`record` is pending (:func:`nothing_pending`), so that events keep the order they were
    recorded in.
    """
    inserted = table_insert.cte("inserted")
    names = list(chain.CONTENT_FIELDS)
    content = select(*(bindparam(f"audit_{name}", type_=_EVENTS.c[name].type) for name in names))
    logged = insert(_EVENTS).from_select(names, content.select_from(inserted)).cte("logged")
    return select(*inserted.c).add_cte(logged)


def logged_values(
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The parameters of a :func:`logged_insert` statement's event (arguments as :func:`record`'s,
    no personal values)."""
    content = _content(actor, action, entity_type, entity_id, desk_id, details)
    return {f"audit_{name}": value for name, value in chain.values(content).items()}


def nothing_pending(session: AsyncSession) -> bool:
    """Whether no event of :func:`record` waits for the commit in ``session``."""
    return not session.info.get(_PENDING)


def _content(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID | None,
    desk_id: uuid.UUID | None,
    details: Mapping[str, Any] | None,
) -> chain.Content:
    ctx = actor.context
    return chain.Content(
        occurred_at=utcnow(),
        actor_id=actor.user_id,
        actor_label=actor.email,
        actor_role=actor.role,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        desk_id=desk_id,
        request_id=ctx.request_id,
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        details=_jsonable(_with_client(actor, details)),
    )


def _with_client(actor: Actor, details: Mapping[str, Any] | None) -> dict[str, Any]:
    """``details``, plus ``via_client`` (the OAuth ``client_id``) when an app client acted."""
    out = dict(details or {})
    if actor.client_id is not None:
        out.setdefault("via_client", actor.client_id)
    return out


_PENDING = "audit_events_pending"


@event.listens_for(AppSession, "before_commit")
def _add_pending(session: Session) -> None:
    """Add the transaction's pending events, in order; the commit's flush inserts them."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if pending:
        session.add_all(pending)


@event.listens_for(AppSession, "after_transaction_end")
def _discard_pending(session: Session, transaction: SessionTransaction) -> None:
    # The root transaction ended without committing its events (a savepoint's end keeps them).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def record_even_if_rolled_back(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Queue an event that is written even though the request fails (a refused login…).

    The session dependency rolls the request back, then writes the event in its own transaction.
    """

    async def write(fresh: AsyncSession) -> None:
        await record(
            fresh,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            desk_id=desk_id,
            details=details,
        )

    on_failure(session, write)


@dataclass(frozen=True)
class AuditFilters:
    """Filters of the audit event listing; times are inclusive bounds in UTC."""

    actor_id: uuid.UUID | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    desk_id: uuid.UUID | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def list_query(filters: AuditFilters) -> Select[AuditEvent]:
    """The filtered select, unordered (the caller paginates by ``id``, the order of insertion)."""
    stmt = select(AuditEvent)
    if filters.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == filters.entity_id)
    if filters.desk_id:
        stmt = stmt.where(AuditEvent.desk_id == filters.desk_id)
    if filters.since:
        stmt = stmt.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEvent.occurred_at <= filters.until)
    return stmt


async def verify_chain(
    session: AsyncSession, verifier: Verifier, *, against: Checkpoint | None = None
) -> verify.VerifyResult:
    """:func:`app.audit.verify.verify_log` on ``session``'s connection (one snapshot on PostgreSQL)."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    return await verify.verify_log(conn, verifier, against=against)


async def links_of(session: AsyncSession, event_ids: list[int]) -> dict[int, AuditLink]:
    """The chain links of ``event_ids`` (events not sealed yet have none)."""
    if not event_ids:
        return {}
    rows = await session.execute(select(AuditLink).where(AuditLink.event_id.in_(event_ids)))
    return {link.event_id: link for link in rows.scalars()}


async def trusted_key(session: AsyncSession, trusted: Verifier, key_id: str) -> Verifier | None:
    """The key of id ``key_id`` when a verifier trusting ``trusted`` trusts it too: a rotation
    sealed in the chain handed over between them (:class:`app.audit.keys.KeyRing`); None otherwise."""
    rotations, _ = await read_rotations(await session.connection())
    return KeyRing(trusted, rotations).verifier_for(key_id)


async def current_checkpoint(session: AsyncSession) -> Checkpoint | None:
    """The latest signed checkpoint (None before anything is sealed)."""
    return await latest_checkpoint(await session.connection())
