"""Delta sync: everything in the actor's desks that changed since a cursor.

How it works (docs/mobile-api.md, "Sync"):

* **Change feed = the audit log.** Every write already appends an audit event naming its entity
  (``entity_type``, ``entity_id``) and its desk, in the transaction of the write; the sequencer
  (:mod:`app.audit.sequencer`) gives committed events a gapless, total order ``seq`` shortly after
  commit, never placing an event before one already sequenced. A cursor is a ``seq``: events
  above it are exactly the changes not yet seen, in order, whatever the commit order of
  concurrent writers was. Nothing is added to the write path.
* **First sync** (no cursor) lists the records of the actor's desks from the tables (imports and
  data older than the log are included), type by type in id order, with the sealed head ``seq``
  taken at the first page; it then continues with the events after that head. A record changed
  while the first sync pages is sent twice (the latest state wins), never missed.
* **Incremental sync** reads the next ``limit`` events of the actor's desks after the cursor
  (reads are left out) and answers the *current* state of each record they name, once, at the
  position of its last event in the page — or a **tombstone** when the record no longer exists
  (``deleted``), is gone in another way the last event names (``merged``, ``anonymised``, ``erased``,
  ``purged``), or exists outside the actor's desks (``out_of_scope``). Only events of the actor's
  desks are read, so an agent never learns even the id of another desk's record.
* **Scope changes**: the cursor carries a fingerprint of the actor's desks and sensitive-data
  right. If they changed, the answer starts over (``reset: true``): the app drops what it holds
  and takes the first sync again (records it may no longer see are not listed one by one).

The same cursor gives the same answer for the same state: events above a ``seq`` never change, and
pages are cut by ``seq`` (changes) or id (first sync). Derived fields computed against today
(a case's ``overdue``) are those of the moment of the read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.models import AuditEvent, AuditLink
from app.core.context import Actor
from app.core.errors import BadRequest
from app.core.integers import BIGINT_MAX
from app.sync import records

DEFAULT_LIMIT: Final = 200
MAX_LIMIT: Final = 1000
_CURSOR_VERSION: Final = 1
READ_ACTIONS: Final = frozenset(
    {
        "registrant.read",
        "registrant.cases_read",
        "case.read",
        "case.timeline_read",
        "case_note.list",
        "appointment.read",
        "document.read",
        "document.download",
    }
)
"""Events that record a read, not a change: left out of the feed."""
_GONE_BY_ACTION: Final = {"merged": "merged", "erasure": "anonymised", "purge": "purged"}
"""The tombstone reason of a record that no longer exists, by the verb of its last event."""
FEED_PRIVACY_ACTIONS: Final = ("privacy.erasure", "privacy.retention_case")
"""The ``privacy.*`` events that change records (an anonymisation, a case's free text removed at the
end of retention); the others (disclosures, subject access…) leave them as they were."""
_FEED_TYPES: Final = (*records.TYPES, "import_batch")


@dataclass
class Cursor:
    """Where a sync stands: ``phase`` ``snapshot`` (first sync: type ``kind`` after id ``after``,
    the feed to resume at ``seq``) or ``changes`` (events after ``seq``); ``scope`` fingerprints the
    actor's desks and rights."""

    phase: str
    seq: int
    scope: str
    kind: int = 0
    after: str | None = None

    def encode(self) -> str:
        raw = json.dumps(
            {"v": _CURSOR_VERSION, "p": self.phase, "s": self.seq, "f": self.scope, "k": self.kind, "a": self.after},
            separators=(",", ":"),
        ).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raises ``BadRequest`` (400) for a cursor this API did not issue."""
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            cursor = cls(phase=data["p"], seq=data["s"], scope=data["f"], kind=data["k"], after=data["a"])
            valid = (
                data["v"] == _CURSOR_VERSION
                and cursor.phase in {"snapshot", "changes"}
                and type(cursor.seq) is int
                and 0 <= cursor.seq <= BIGINT_MAX
                and isinstance(cursor.scope, str)
                and type(cursor.kind) is int
                and 0 <= cursor.kind <= len(records.TYPES)
                and (cursor.after is None or str(uuid.UUID(cursor.after)) == cursor.after)
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise _bad_cursor() from exc
        if not valid:
            raise _bad_cursor()
        return cursor


def _bad_cursor() -> BadRequest:
    return BadRequest("The sync cursor is not valid.", detail_fr="Le curseur de synchronisation n'est pas valide.")


def scope_fingerprint(actor: Actor) -> str:
    """A short digest of what the actor may see: their desks (all, for administrators and
    auditors) and whether they read sensitive data."""
    desks = "*" if actor.desk_ids is None else ",".join(sorted(str(d) for d in actor.desk_ids))
    raw = f"{desks}|{actor.reads_sensitive}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass
class SyncPage:
    """One page: ``items`` (upserts and tombstones, in order), the cursor to send next time, whether
    more is waiting now, and ``reset`` (the app must drop its copy: its scope changed)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str = ""
    has_more: bool = False
    reset: bool = False


async def sealed_head(session: AsyncSession) -> int:
    """The last ``seq`` the sequencer has linked (0 for an empty log)."""
    return int((await session.execute(select(func.coalesce(func.max(AuditLink.seq), 0)))).scalar_one())


async def page(session: AsyncSession, *, actor: Actor, cursor: str | None, limit: int) -> SyncPage:
    """The next page of changes for ``actor`` after ``cursor`` (``None``: first sync), at most
    ``limit`` items (1 to :data:`MAX_LIMIT`). Audited as one ``sync.read`` event naming the
    registrants sent. Raises ``BadRequest`` (400) for a cursor this API did not issue."""
    limit = max(1, min(limit, MAX_LIMIT))
    fingerprint = scope_fingerprint(actor)
    out = SyncPage()
    position = Cursor.decode(cursor) if cursor else None
    if position is not None and position.scope != fingerprint:
        position, out.reset = None, True
    if position is None:
        position = Cursor(phase="snapshot", seq=await sealed_head(session), scope=fingerprint)
    if position.phase == "snapshot":
        await _snapshot(session, actor, position, limit, out)
    else:
        await _changes(session, actor, position, limit, out)
    out.next_cursor = position.encode()
    registrant_ids = [item["id"] for item in out.items if item["type"] == "registrant" and item["op"] == "upsert"]
    await audit.record(
        session,
        actor=actor,
        action="sync.read",
        entity_type="sync",
        details={"items": len(out.items), "registrant_ids": registrant_ids, "reset": out.reset},
    )
    return out


def _upsert(kind: str, record_id: uuid.UUID, found: records.Found) -> dict[str, Any]:
    item: dict[str, Any] = {"type": kind, "id": str(record_id), "op": "upsert", "data": found.data}
    if found.etag is not None:
        item["etag"] = found.etag
    return item


def _tombstone(kind: str, record_id: uuid.UUID | str, reason: str) -> dict[str, Any]:
    return {"type": kind, "id": str(record_id), "op": "delete", "reason": reason}


async def _snapshot(session: AsyncSession, actor: Actor, position: Cursor, limit: int, out: SyncPage) -> None:
    while position.kind < len(records.TYPES) and len(out.items) < limit:
        kind = records.TYPES[position.kind]
        after = uuid.UUID(position.after) if position.after else None
        wanted = limit - len(out.items)
        found = await records.snapshot(session, actor, kind, after=after, limit=wanted)
        for record_id, record in found:
            if record.gone is None:  # merged, anonymised, transferred: not in an app's copy
                out.items.append(_upsert(kind, record_id, record))
        if len(found) == wanted:
            position.after = str(found[-1][0])
            out.has_more = True
            return
        position.kind, position.after = position.kind + 1, None
    position.phase, position.kind, position.after = "changes", 0, None
    out.has_more = await _has_changes(session, actor, position.seq)


def _feed(actor: Actor, after_seq: int) -> Any:
    stmt = (
        select(AuditLink.seq, AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.action)
        .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
        .where(
            AuditLink.seq > after_seq,
            AuditEvent.entity_type.in_(_FEED_TYPES),
            AuditEvent.entity_id.is_not(None),
            AuditEvent.action.not_in(READ_ACTIONS),
            or_(AuditEvent.action.not_like("privacy.%"), AuditEvent.action.in_(FEED_PRIVACY_ACTIONS)),
        )
    )
    if actor.desk_ids is not None:
        stmt = stmt.where(AuditEvent.desk_id.in_(actor.desk_ids))
    return stmt.order_by(AuditLink.seq)


async def _has_changes(session: AsyncSession, actor: Actor, after_seq: int) -> bool:
    return (await session.execute(_feed(actor, after_seq).limit(1))).first() is not None


async def _changes(session: AsyncSession, actor: Actor, position: Cursor, limit: int, out: SyncPage) -> None:
    events = (await session.execute(_feed(actor, position.seq).limit(limit + 1))).all()
    out.has_more = len(events) > limit
    events = events[:limit]
    if not events:
        return
    position.seq = events[-1].seq
    last: dict[tuple[str, str], str] = {}  # record → the action of its last event, in page order
    named: set[tuple[str, str]] = set()  # records an event of the actor's desks names

    def put(key: tuple[str, str], action: str) -> None:
        last.pop(key, None)  # re-inserted: ordered by each record's last event
        last[key] = action

    for event in events:
        if event.entity_type == "import_batch":
            for registrant_id in await records.registrants_of_import(session, event.entity_id):
                key = ("registrant", str(registrant_id))
                put(key, "registrant.import")
                named.add(key)
            continue
        key = (event.entity_type, event.entity_id)
        put(key, event.action)
        named.add(key)
        for carried_kind, carried_id in await _carried_along(session, event.entity_type, event.entity_id, event.action):
            put((carried_kind, str(carried_id)), "carried")
    current = await _load(session, actor, list(last))
    order = list(last)
    for case_key in [k for k in order if k[0] == "case" and _gone(current.get(k)) == "transferred"]:
        under = [(kind, str(i)) for kind, i in await records.under_cases(session, [uuid.UUID(case_key[1])])]
        under = [k for k in under if k not in last]
        current.update(await _load(session, actor, under))
        at = order.index(case_key) + 1
        order[at:at] = under
        last.update(dict.fromkeys(under, "carried"))
    for kind, record_id in order:
        found = current.get((kind, record_id))
        if (kind, record_id) not in named and (found is None or not actor.can_see_desk(found.desk_id)):
            continue  # carried along by another record's event: never reveal another desk's record
        verb = last[(kind, record_id)].rpartition(".")[2]
        if found is None:
            out.items.append(_tombstone(kind, record_id, _GONE_BY_ACTION.get(verb, "deleted")))
        elif found.gone is not None:
            out.items.append(_tombstone(kind, record_id, found.gone))
        elif not actor.can_see_desk(found.desk_id):
            out.items.append(_tombstone(kind, record_id, "out_of_scope"))
        else:
            out.items.append(_upsert(kind, uuid.UUID(record_id), found))


def _gone(found: records.Found | None) -> str | None:
    return found.gone if found is not None else None


async def _carried_along(
    session: AsyncSession, entity_type: str, entity_id: str, action: str
) -> list[tuple[str, uuid.UUID]]:
    """Records an event changes without naming them: an anonymisation (``privacy.erasure``)
    every record of the person; a merge (``registrant.merged``, on the merged file) or an unmerge
    the cases, appointments and documents it moved between the two files."""
    if entity_type != "registrant" or action not in ("privacy.erasure", "registrant.merged", "registrant.unmerge"):
        return []
    try:
        registrant_id = uuid.UUID(entity_id)
    except ValueError:
        return []
    if action == "privacy.erasure":
        return await records.of_registrant(session, registrant_id)
    return await records.moved_by_merges(session, registrant_id)


async def _load(
    session: AsyncSession, actor: Actor, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], records.Found]:
    by_kind: dict[str, list[uuid.UUID]] = {}
    for kind, record_id in keys:
        try:
            by_kind.setdefault(kind, []).append(uuid.UUID(record_id))
        except ValueError:
            continue
    current: dict[tuple[str, str], records.Found] = {}
    for kind, ids in by_kind.items():
        for loaded_id, record in (await records.load(session, actor, kind, ids)).items():
            current[(kind, str(loaded_id))] = record
    return current
