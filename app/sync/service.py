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
* **Incremental sync** reads the next events of the actor's desks after the cursor (reads are
  left out) and answers the *current* state of each record they name or carry along, once, at the
  position of its last event in the page, ``limit`` items at most (an event with more is split
  across pages, the cursor keeping the place inside it: :func:`_changes`) — or a **tombstone**
  when the record no longer exists (``deleted``), is gone in another way the last event names
  (``merged``, ``anonymised``, ``erased``, ``purged``), or exists outside the actor's desks
  (``out_of_scope``). Only events of the actor's desks are read, so an agent never learns even
  the id of another desk's record.
* **Record types**: an app client's token receives only the types its read scopes allow
  (:func:`app.sync.records.readable_types`: ``registrants:read``, ``cases:read`` for cases, notes,
  referrals and appointments, ``documents:read``), upserts and tombstones alike; the page names
  the others in ``left_out`` (the app's copy is partial). A staff sign-in receives every type.
* **Scope changes**: the cursor carries a fingerprint of the actor's desks, sensitive-data right
  and (app tokens) the types they receive. If they changed, the answer starts over
  (``reset: true``): the app drops what it holds and takes the first sync again (records it may
  no longer see are not listed one by one).

The same cursor gives the same answer for the same state: events above a ``seq`` never change, and
pages are cut by ``seq`` (changes) or id (first sync). Derived fields computed against today
(a case's ``overdue``) are those of the moment of the read.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.models import AuditEvent, AuditLink
from app.core import cursors
from app.core.context import Actor
from app.sync import records
from app.sync.cursor import Cursor, Place, bad_cursor

DEFAULT_LIMIT: Final = 200
MAX_LIMIT: Final = 1000
READ_ACTIONS: Final = frozenset(
    {
        "registrant.read",
        "registrant.cases_read",
        "registrant.history_read",
        "registrant.corrections_read",
        "registrant.legal_holds_read",
        "registrant.merge_preview",
        "case.read",
        "case.timeline_read",
        "case_note.list",
        "referral.list",
        "referral.read",
        "appointment.read",
        "document.list",
        "document.read",
        "document.download",
        "import.read",
        "notification.list",
        "notification.preference_read",
        "self_service.accounts_read",
        "self_service.appointments_read",
        "self_service.requests_read",
    }
)
"""Events that record a read, not a change, naming a record of a type the feed reads: left out of
the feed (``tests/audit/test_every_read_audited.py`` checks every read the API records is here)."""
_GONE_BY_ACTION: Final = {"merged": "merged", "erasure": "anonymised", "purge": "purged"}
"""The tombstone reason of a record that no longer exists, by the verb of its last event."""
FEED_PRIVACY_ACTIONS: Final = ("privacy.erasure", "privacy.retention_case")
"""The ``privacy.*`` events that change records (an anonymisation, a case's free text removed at the
end of retention); the others (disclosures, subject access…) leave them as they were."""
FEED_TYPES: Final = (*records.TYPES, "import_batch")


def scope_fingerprint(actor: Actor) -> str:
    """A short digest of what the actor may see: their desks (all, for administrators and
    auditors), whether they read sensitive data and, for an app client's token, the record types
    its scopes let it receive (a staff sign-in's fingerprint is as it was before scopes)."""
    desks = "*" if actor.desk_ids is None else ",".join(sorted(str(d) for d in actor.desk_ids))
    types = "" if actor.scopes is None else "|" + ",".join(records.readable_types(actor))
    raw = f"{desks}|{actor.reads_sensitive}{types}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass
class SyncPage:
    """One page: ``items`` (upserts and tombstones, in order), the cursor to send next time, whether
    more is waiting now, ``reset`` (the app must drop its copy: its scope changed) and
    ``left_out``: the record types the token's scopes do not let it receive (empty: none)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str = ""
    has_more: bool = False
    reset: bool = False
    left_out: list[str] = field(default_factory=list)


async def sealed_head(session: AsyncSession) -> int:
    """The last ``seq`` the sequencer has linked (0 for an empty log)."""
    return int((await session.execute(select(func.coalesce(func.max(AuditLink.seq), 0)))).scalar_one())


async def page(session: AsyncSession, *, actor: Actor, cursor: str | None, limit: int) -> SyncPage:
    """The next page of changes for ``actor`` after ``cursor`` (``None``: first sync), at most
    ``limit`` items (1 to :data:`MAX_LIMIT`). Audited as one ``sync.read`` event naming the
    registrants sent. Raises ``BadRequest`` (400) for a cursor this API did not issue."""
    limit = max(1, min(limit, MAX_LIMIT))
    key = cursors.key_of(session)
    fingerprint = scope_fingerprint(actor)
    readable = records.readable_types(actor)
    out = SyncPage(left_out=[kind for kind in records.TYPES if kind not in readable])
    position = Cursor.decode(cursor, key=key) if cursor else None
    head = await sealed_head(session)
    if position is not None and position.seq > head:
        # Never issued: a cursor names a sequenced event (or the head at a first sync).
        raise bad_cursor()
    if position is not None and position.scope != fingerprint:
        position, out.reset = None, True
    if position is None:
        position = Cursor(phase="snapshot", seq=head, scope=fingerprint)
    if position.phase == "snapshot":
        await _snapshot(session, actor, position, limit, out)
    else:
        await _changes(session, actor, position, limit, out)
    out.next_cursor = position.encode(key=key)
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
    readable = records.readable_types(actor)
    while position.kind < len(records.TYPES) and len(out.items) < limit:
        kind = records.TYPES[position.kind]
        if kind not in readable:
            position.kind, position.after = position.kind + 1, None
            continue
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


def _feed(actor: Actor, after_seq: int, *, inclusive: bool = False) -> Any:
    """The feed's events of the actor's desks after ``after_seq`` (``inclusive``: from it), by seq."""
    stmt = (
        select(AuditLink.seq, AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.action)
        .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
        .where(
            AuditLink.seq >= after_seq if inclusive else AuditLink.seq > after_seq,
            AuditEvent.entity_type.in_(FEED_TYPES),
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


@dataclass
class _Item:
    """A record an event names or carries along, at its ``place`` in the event
    (:data:`~app.sync.cursor.Place`); ``verb``: the event's verb for the record it names
    (``None`` for one carried along); ``named``: the event names it (or created it by an import)."""

    place: Place
    kind: str
    record_id: str
    verb: str | None
    named: bool
    found: records.Found | None = None


def _rank(kind: str) -> str:
    return str(records.TYPES.index(kind)) if kind in records.TYPES else "9"


async def _base_items(session: AsyncSession, event: Any) -> list[_Item]:
    """What an event changes, ordered by place: the record it names first (``("0",)``), then
    those it carries along (or an import's registrants) by type and id."""
    if event.entity_type == "import_batch":
        registrants = await records.registrants_of_import(session, event.entity_id)
        return sorted(
            (_Item(("1", _rank("registrant"), str(r)), "registrant", str(r), "import", True) for r in registrants),
            key=lambda i: i.place,
        )
    items = [_Item(("0",), event.entity_type, event.entity_id, event.action.rpartition(".")[2], True)]
    carried = await _carried_along(session, event.entity_type, event.entity_id, event.action)
    items.extend(
        sorted(
            (_Item(("1", _rank(kind), str(i)), kind, str(i), None, False) for kind, i in dict.fromkeys(carried)),
            key=lambda i: i.place,
        )
    )
    return [i for i in items if i.kind != event.entity_type or i.record_id != event.entity_id or i.named]


def _from(items: list[_Item], within: Place | None, *, holders: bool = False) -> list[_Item]:
    """The items after ``within`` (``None``: all); ``holders``: also the case at ``within`` or
    whose own records hold it (they follow the case: the rest of them may still be to send)."""
    if within is None:
        return items
    return [i for i in items if i.place > within or (holders and within[: len(i.place)] == i.place)]


async def _changes(session: AsyncSession, actor: Actor, position: Cursor, limit: int, out: SyncPage) -> None:
    """At most ``limit`` items: the records the next events name or carry along, each event's in
    place order. An event with more than the page holds (an import, a merge, an anonymisation, a
    transfer of a case with many records) is split: the cursor keeps the event's ``seq`` and the
    place of the last item considered (``within``); the next page goes on from there."""
    feed = _feed(actor, position.seq, inclusive=position.within is not None)
    events = (await session.execute(feed.limit(limit + 1))).all()
    budget = limit + 1  # items a page can take, and one more to tell the first left out
    per_event: list[tuple[Any, list[_Item], bool]] = []  # an event, its items, whether more follow them
    for event in events:
        within = position.within if event.seq == position.seq else None
        items = _from(await _base_items(session, event), within, holders=True)
        per_event.append((event, items[:budget], len(items) > budget))
        budget -= min(len(items), budget)
        if budget <= 0:
            break
    await _load_into(session, actor, [i for _, items, _ in per_event for i in items])
    for event, items, _ in per_event:
        within = position.within if event.seq == position.seq else None
        items[:] = _from(await _with_records_of_transferred_cases(session, actor, items), within)
        items.sort(key=lambda i: i.place)
    room = limit
    taken: list[_Item] = []
    for event, items, cut in per_event:
        if len(items) > room or cut:
            part = items[:room]
            if part:  # what fits; otherwise the event starts the next page
                taken.extend(part)
                position.seq, position.within = event.seq, part[-1].place
            out.has_more = True
            break
        taken.extend(items)
        room -= len(items)
        position.seq, position.within = event.seq, None
    else:
        out.has_more = len(per_event) < len(events) or await _has_changes(session, actor, position.seq)
    _render(actor, taken, out)


async def _load_into(session: AsyncSession, actor: Actor, items: list[_Item]) -> None:
    current = await _load(session, actor, list(dict.fromkeys((i.kind, i.record_id) for i in items)))
    for item in items:
        item.found = current.get((item.kind, item.record_id))


async def _with_records_of_transferred_cases(session: AsyncSession, actor: Actor, items: list[_Item]) -> list[_Item]:
    """``items`` and, after each case now transferred, its notes, referrals, appointments and
    documents (each tombstoned ``transferred`` for the sending desk), placed right after it."""
    added: list[_Item] = []
    present = {(i.kind, i.record_id) for i in items}
    for case in [i for i in items if i.kind == "case" and _gone(i.found) == "transferred"]:
        for kind, record_id in await records.under_cases(session, [uuid.UUID(case.record_id)]):
            if (kind, str(record_id)) not in present:
                added.append(_Item((*case.place, _rank(kind), str(record_id)), kind, str(record_id), None, False))
    await _load_into(session, actor, added)
    return items + added


def _render(actor: Actor, taken: list[_Item], out: SyncPage) -> None:
    """The page's items: each record once, at the place of its last mention in the page, as its
    current state or a tombstone; a record only carried along is left out when the actor may not
    see it (an app never learns another desk's ids), and so is a record of a type the token's
    scopes do not let it receive (:func:`app.sync.records.readable_types`)."""
    readable = records.readable_types(actor)
    shown = [
        i
        for i in taken
        if i.kind in readable and (i.named or (i.found is not None and actor.can_see_desk(i.found.desk_id)))
    ]
    last = {(i.kind, i.record_id): i for i in shown}
    for item in shown:
        if last[(item.kind, item.record_id)] is not item:
            continue
        found = item.found
        if found is None:
            out.items.append(_tombstone(item.kind, item.record_id, _GONE_BY_ACTION.get(item.verb or "", "deleted")))
        elif found.gone is not None:
            out.items.append(_tombstone(item.kind, item.record_id, found.gone))
        elif not actor.can_see_desk(found.desk_id):
            out.items.append(_tombstone(item.kind, item.record_id, "out_of_scope"))
        else:
            out.items.append(_upsert(item.kind, uuid.UUID(item.record_id), found))


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
