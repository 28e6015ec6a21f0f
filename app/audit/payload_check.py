"""Verification of the audit events' personal values (``audit_payloads``), after the chain's.

The chain hashes each event with the digest of its personal values, never the values
(:mod:`app.audit.payloads`), so that erasing a person leaves the chain verifiable. Someone with
full rights on the database could therefore change a payload, or delete it, without breaking a
chain hash. Checked here, for every sealed event that refers to a payload, in ``seq`` order (every fault
is reported, one per event at most, as the chain's are: a second payload edited does not hide
behind the first):

* a payload that is there holds the values its event was written with (its salted digest is the
  one in the chained ``details``): a payload is never edited, only deleted by an erasure, so any
  difference is tampering;
* a payload that is gone was deleted by an erasure: its id is in the ``erased_payloads`` of a
  ``privacy.erasure`` event (sealed or still waiting to be sealed: the erasure deletes the payloads
  and records its event in one transaction);
* a payload an erasure lists is gone: one stored again (restored from a backup after the person
  was erased) is a fault;
* a payload is one event's: a later event referring to an earlier one's is a fault (the
  application writes each event's own, so a copied reference can only serve to make a payload
  planted with no event look referred to);
* every stored payload is referred to by an event, sealed or waiting to be sealed;
* an erasure event is the application's: its person's file is anonymised (the erasure does both in
  one transaction), so the application's role cannot delete a person's payloads behind an
  erasure event it inserts while the file stays as it was.

Erasures recorded before their events listed the payloads they deleted name only the person:
a payload gone since then is accepted when the person erased is its event's ``entity_id``
(events of a registrant's file), or, for an event of another entity (a case's), when an erasure
was recorded after the event. Such an erasure recorded after the first erasure that lists its
payloads, or after the first reference that names its person (both came with the same or a later
upgrade), was not written by the application: a fault. "After" is the chain's order (``seq``,
which the hash covers; events not sealed yet come after every sealed one, in sealing order), never
the events' ids: an id is not chained, and the owner could renumber an erasure past the events
whose payloads it should not excuse. The check reads every referring event once, joined to its
payload, in one streamed query, on SQLite and PostgreSQL alike.

On PostgreSQL the verifier runs this check beside the chain's (:func:`start_beside`): on a second
connection whose transaction imports the verifier's snapshot (``pg_export_snapshot()``, then ``SET
TRANSACTION SNAPSHOT``; PostgreSQL documentation, "Snapshot Synchronization Functions"), so both
passes see the same log while the server joins the payloads and this process hashes the chain.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import String, Text, Uuid, and_, case, cast, exists, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.audit import payloads, strict_json
from app.audit.models import AuditEvent, AuditLink, AuditPayload
from app.audit.sequencer import pin_for_verification
from app.audit.state import head
from app.audit.walk import Faults
from app.registrants.models import ERASED_NAME, Registrant

ERASURE_ACTION = "privacy.erasure"
"""The action of the event an erasure records (``app.privacy.erasure``)."""

ERASED_PAYLOADS = "erased_payloads"
"""The key of an erasure event's ``details`` listing the ids of the payloads it deleted."""

BATCH = 2_000

Fault = tuple[int | None, int | None, str]
"""``(seq, event id, reason)``: what :func:`payload_faults` reports (seq and id None for a payload
no event refers to)."""

T = TypeVar("T")

Place = tuple[int, ...]
"""An event's place in the log's order: ``(0, seq)`` once sealed, ``(1, txid, id)`` while it waits
(after every sealed event, in sealing order)."""

_REFERENCE = AuditEvent.details["personal"]
_PAYLOAD_ID = _REFERENCE["payload"].as_string()
_SUBJECT = _REFERENCE["registrant"].as_string()
_REFERRING = cast(AuditEvent.details, String).contains('"personal"')


@dataclass
class _Erasures:
    """What the log's erasure events allow to be gone."""

    erased_by: dict[str, set[str]] = field(default_factory=dict)  # payload id → persons whose erasure lists it
    legacy_subjects: set[str] = field(default_factory=set)  # erased persons, from erasures listing no payloads
    legacy_events: list[tuple[Place, int]] = field(default_factory=list)  # the erasures listing no payloads
    first_listing: tuple[Place, int] | None = None  # the first erasure listing its payloads

    @property
    def last_legacy_place(self) -> Place:
        """The place of the last erasure listing no payloads (``(0, 0)``, before any event: none)."""
        return max((place for place, _ in self.legacy_events), default=(0, 0))

    def allow(
        self, place: Place, entity_type: str, entity_id: str | None, payload_id: str, subject: str | None
    ) -> bool:
        """Whether the payload of the event at ``place`` may be gone: an erasure of the person it
        was kept under lists it (``subject``, its reference's registrant; for a reference naming
        none, the registrant the event is about, or any erasure when the event is about something
        else), or, before erasures listed their payloads, the person was erased (an event of
        another entity: before an erasure)."""
        persons = self.erased_by.get(payload_id)
        if persons is not None:
            if subject is not None:
                return subject in persons
            return entity_type != "registrant" or entity_id in persons
        if entity_type == "registrant":
            return entity_id in self.legacy_subjects
        return place < self.last_legacy_place


async def _erasures(conn: AsyncConnection) -> _Erasures:
    found = _Erasures()
    rows = await conn.execute(
        select(AuditEvent.id, AuditEvent.txid, AuditLink.seq, AuditEvent.entity_id, AuditEvent.details)
        .outerjoin(AuditLink, AuditLink.event_id == AuditEvent.id)
        .where(AuditEvent.action == ERASURE_ACTION)
    )
    for event_id, txid, seq, entity_id, details in rows:
        place: Place = (0, seq) if seq is not None else (1, txid, event_id)
        listed = details.get(ERASED_PAYLOADS) if isinstance(details, dict) else None
        if isinstance(listed, list):
            for payload_id in listed:
                found.erased_by.setdefault(str(payload_id), set()).add(str(entity_id))
            found.first_listing = min((place, event_id), found.first_listing or (place, event_id))
        else:
            found.legacy_subjects.add(str(entity_id))
            found.legacy_events.append((place, event_id))
    return found


_UUID_TEXT = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _file_named(dialect: str, entity_id: Any) -> Any:
    """That a registrant is the file an event's ``entity_id`` names: a primary-key probe (text that
    is no UUID names none, on PostgreSQL never cast)."""
    if dialect == "postgresql":
        return Registrant.id == case((entity_id.regexp_match(_UUID_TEXT), cast(entity_id, Uuid)), else_=None)
    return Registrant.id == func.replace(func.lower(entity_id), "-", "")  # SQLite keeps a UUID as 32 hex digits


async def _not_anonymised(conn: AsyncConnection) -> list[tuple[int, str]]:
    """The erasure events (by id) whose file is not anonymised: marked so, and both names erased (a
    mark alone leaves the person named on file); one statement, however many erasures."""
    anonymised = exists().where(
        _file_named(conn.dialect.name, AuditEvent.entity_id),
        Registrant.anonymised_at.is_not(None),
        Registrant.given_names == ERASED_NAME,
        Registrant.family_name == ERASED_NAME,
    )
    stmt = select(AuditEvent.id, AuditEvent.entity_id).where(AuditEvent.action == ERASURE_ACTION, ~anonymised)
    return [(event_id, str(entity_id)) for event_id, entity_id in await conn.execute(stmt.order_by(AuditEvent.id))]


async def _erasure_faults(
    conn: AsyncConnection, erasures: _Erasures, first_named: tuple[Place, int] | None, faults: Faults
) -> None:
    """Every erasure event the application did not record, into ``faults``: one whose person's file
    is not anonymised (an erasure anonymises the file in the transaction that deletes the payloads
    and records the event), one listing no payloads recorded after erasures listed theirs or after
    references named their person (the application's role may insert events and delete payloads,
    but not write history as it was before the upgrade); each event once."""
    named = set()
    for event_id, person in await _not_anonymised(conn):
        named.add(event_id)
        reason = f"its erasure names registrant {person}, whose file is not anonymised"
        faults.add((await _seq_of(conn, event_id), event_id, reason))
    since = min((e for e in (erasures.first_listing, first_named) if e is not None), default=None)
    if since is None:
        return
    for _, event_id in sorted(e for e in erasures.legacy_events if e[0] > since[0] and e[1] not in named):
        reason = f"its erasure lists no payloads, though the log's events have named them since event {since[1]}"
        faults.add((await _seq_of(conn, event_id), event_id, reason))


async def _seq_of(conn: AsyncConnection, event_id: int) -> int | None:
    """The chain position of event ``event_id`` (None while it waits to be sealed)."""
    stmt = select(AuditLink.seq).where(AuditLink.event_id == event_id)
    seq: int | None = (await conn.execute(stmt)).scalar_one_or_none()
    return seq


async def payload_faults(conn: AsyncConnection, faults: Faults) -> None:
    """Every sealed event (``seq`` order) whose personal values were altered, moved to another
    person, deleted other than by an erasure, or are those of an earlier event (the application
    writes each event's own), as ``(seq, event id, reason)``; then every erasure event the
    application did not record (:func:`_erasure_faults`); then every payload no event refers to
    (``(None, None, reason)``): into ``faults`` (:class:`app.audit.walk.Faults`: the first ones
    kept, the others counted), one per event at most; none when every payload checks.

    One pass: the sealed events that refer to a payload, each with its payload if stored (one
    join, sorted by the server, streamed to this process), counting the payloads found; then the
    payloads are counted, with the other ones of the events still waiting to be sealed (after the
    chain's head), and only when some are left over are they looked for. Read-only;
    run it in the verifier's transaction (one snapshot). A value the driver cannot convert raises
    what it raises (``ValueError``, ``TypeError``), as the chain's readers do.

    The events are found by the text ``"personal"`` in their details and their reference read by
    the database's JSON operators; an event whose details refer to a payload all the same (its
    keys written with escapes: ``"\\u0070ersonal"``, which the application never writes and
    SQLite's operators before 3.45 do not read), or whose reference they read otherwise, is a
    fault of its own (:func:`_escaped_references`), or its payload could be deleted or moved
    unseen.
    """
    erasures = await _erasures(conn)
    dialect = conn.dialect.name
    events = _referring(dialect)
    named = events.c.reference["registrant"].as_string()  # the person the reference names
    stmt = (
        select(
            AuditLink.seq,
            events.c.id,
            events.c.entity_type,
            events.c.entity_id,
            events.c.payload_id,
            events.c.reference["digest"].as_string(),
            named,
            _moved(dialect, named),
            AuditPayload.salt,
            cast(AuditPayload.value, Text),  # the JSON text as stored, read strictly
            # the first event (in seq order) referring to the same payload: each event's are its own
            func.first_value(events.c.id).over(partition_by=events.c.payload_id, order_by=AuditLink.seq),
        )
        .join(events, events.c.id == AuditLink.event_id)
        .outerjoin(AuditPayload, _payload_is(dialect, events.c.payload_id))
        .order_by(AuditLink.seq)
    )
    escaped = await _escaped_references(conn)  # in seq order, as the events below
    waiting = await _waiting_payloads(conn)
    found = 0
    first_named: tuple[Place, int] | None = None
    result = await conn.stream(stmt.execution_options(yield_per=BATCH))
    try:
        async for rows in result.partitions():
            for seq, event_id, entity_type, entity_id, payload_id, digest, subject, moved, salt, stored, first in rows:
                while escaped and escaped[0][0] is not None and escaped[0][0] < seq:
                    faults.add(escaped.pop(0))
                if escaped and escaped[0][0] == seq:  # its reference is read otherwise: that fault only
                    faults.add(escaped.pop(0))
                    continue
                if first != event_id:
                    faults.add(
                        (seq, event_id, f"its personal values (payload {payload_id}) are those of event {first}")
                    )
                    continue
                if subject is not None and first_named is None:  # read in seq order: the first
                    first_named = ((0, seq), event_id)
                if salt is None:
                    if not erasures.allow((0, seq), entity_type, entity_id, payload_id, subject):
                        faults.add((seq, event_id, _unlisted(payload_id, payload_id in erasures.erased_by)))
                    continue
                found += 1  # referred to, whatever it holds
                if waiting:
                    waiting.discard(payload_id)  # counted once: a waiting event shares it (a fault once sealed)
                if (reason := _stored_fault(payload_id, digest, salt, stored, erasures)) is None and moved:
                    reason = await _moved_reason(conn, payload_id)
                if reason is not None:
                    faults.add((seq, event_id, reason))
    finally:
        await result.close()
    for fault in escaped:
        faults.add(fault)
    await _erasure_faults(conn, erasures, first_named, faults)
    await _orphans(conn, found + len(waiting), _payload_is(dialect, _PAYLOAD_ID), faults)


def _stored_fault(
    payload_id: str, digest: str | None, salt: str, stored: str | None, erasures: _Erasures
) -> str | None:
    """Why a stored payload is not its event's as written (None when it is): stored again after an
    erasure deleted it (restored from a backup?), a key twice in it, or not the values hashed
    into its event's ``digest``."""
    if payload_id in erasures.erased_by:
        return f"its personal values (payload {payload_id}) are stored, yet an erasure deleted them"
    try:
        found_digest = payloads.digest_of_text(salt, stored) if stored is not None else None
    except strict_json.DuplicateKey as exc:
        return f"its personal values (payload {payload_id}) hold the key {exc.quoted} twice"
    if found_digest is None or found_digest != digest:
        return f"its personal values (payload {payload_id}) do not match their digest"
    return None


_BACKSLASH = cast(AuditEvent.details, String).contains("\\", autoescape=True)


async def _escaped_references(conn: AsyncConnection) -> list[Fault]:
    """The sealed events (``seq`` order) whose details text holds a backslash and whose reference
    to a payload (``personal``: ``payload``, ``digest``, ``registrant``), read as JSON, is not what
    :func:`payload_faults`'s search by ``"personal"`` and the database's JSON operators read
    (:func:`_referring`): a key written with escapes, which the application never writes; as the
    faults they are. Text that is not JSON is left to the chain's checks.

    PostgreSQL's operators read escaped keys: there only texts without ``"personal"`` can be read
    otherwise, and the server finds those that refer (texts written with escapes, ``"F\\u00e8s"``
    by earlier versions, are many). SQLite's (before 3.45) do not: each text with a backslash is
    read here, and compared."""
    read = [_REFERENCE[key].as_string() for key in ("payload", "digest", "registrant")]
    stmt = (
        select(AuditLink.seq, AuditEvent.id, cast(AuditEvent.details, Text), _REFERRING, *read)
        .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
        .where(_BACKSLASH)
        .order_by(AuditLink.seq)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.where(~_REFERRING, read[0].is_not(None))
    found: list[Fault] = []
    result = await conn.stream(stmt.execution_options(yield_per=BATCH))
    try:
        async for rows in result.partitions():
            for seq, event_id, details, referring, *by_database in rows:
                try:
                    value = json.loads(details)
                except (ValueError, TypeError, RecursionError):
                    continue
                reference = value.get("personal") if isinstance(value, dict) else None
                written = (
                    [_as_read(reference.get(key)) for key in ("payload", "digest", "registrant")]
                    if isinstance(reference, dict)
                    else [None, None, None]
                )
                read_there = [_as_read(v) for v in by_database] if referring and by_database[0] is not None else None
                if (written[0] is not None or read_there is not None) and written != read_there:
                    payload_id = written[0] if written[0] is not None else by_database[0]
                    reason = (
                        f"its details refer to personal values (payload {payload_id}) under escaped keys, "
                        "which the application never writes and which keep them from being checked"
                    )
                    found.append((seq, event_id, reason))
    finally:
        await result.close()
    return found


def _as_read(value: Any) -> str | None:
    """A reference's value as the database's ``->>``/``json_extract`` gives it, as text."""
    return value if value is None or isinstance(value, str) else json.dumps(value)


def _unlisted(payload_id: str, listed: bool) -> str:
    """The reason given for a payload gone that no erasure of its person lists (``listed``: an
    erasure of someone else does)."""
    if listed:
        return f"its personal values (payload {payload_id}) were deleted, listed by the erasure of another person"
    return f"its personal values (payload {payload_id}) were deleted, yet no erasure lists them"


def _referring(dialect: str) -> Any:
    """The events that refer to a payload, as a subquery: ``id``, ``entity_type``, ``entity_id``,
    ``reference`` (``details["personal"]``) and ``payload_id``, each reference taken out of the
    details once. ``details`` is ``json`` (kept as written): every ``->`` parses the whole text
    again, and PostgreSQL would evaluate an inlined subquery's expressions once per use; ``OFFSET
    0`` keeps each subquery from being inlined (PostgreSQL documentation, "Subquery Expressions"
    and "LIMIT and OFFSET"), a third less server time than extracting from ``details`` at each use.
    The text test first: parsing JSON costs the server more, and a reference's key is in the text
    as written (the chain, checked before, vouches for the details)."""
    inner = (
        select(AuditEvent.id, AuditEvent.entity_type, AuditEvent.entity_id, _REFERENCE.label("reference"))
        .where(_REFERRING)
        .offset(0)
        .subquery()
    )
    payload_id = inner.c.reference["payload"].as_string()
    return select(inner, payload_id.label("payload_id")).where(payload_id.is_not(None)).offset(0).subquery()


def _payload_is(dialect: str, payload_id: Any) -> Any:
    """The join of a payload to the id its event's reference wrote (a garbage one joins nothing)."""
    if dialect == "postgresql":
        return cast(AuditPayload.id, String) == payload_id
    return AuditPayload.id == func.replace(payload_id, "-", "")  # SQLite keeps a UUID as 32 hex digits


def _moved(dialect: str, subject: Any) -> Any:
    """Whether the payload joined is kept under another person than ``subject`` (the registrant
    its event's reference names; False for a reference naming none: written before references
    named their person)."""
    if dialect == "postgresql":
        differs = cast(AuditPayload.registrant_id, String) != subject
    else:  # SQLite keeps a UUID as 32 hex digits
        differs = AuditPayload.registrant_id != func.replace(subject, "-", "")
    return and_(subject.is_not(None), differs)


async def _moved_reason(conn: AsyncConnection, payload_id: str) -> str:
    """The reason given for a payload kept under another person than its event's."""
    named = (
        await conn.execute(
            select(_SUBJECT, AuditPayload.registrant_id)
            .join(AuditPayload, _payload_is(conn.dialect.name, _PAYLOAD_ID))
            .where(_REFERRING, _PAYLOAD_ID == payload_id)  # noqa: SIM300 (a column expression, not a constant)
            .limit(1)
        )
    ).one()
    return f"its personal values (payload {payload_id}) were moved from registrant {named[0]} to {named[1]}"


async def _waiting_payloads(conn: AsyncConnection) -> set[str]:
    """The ids (as their references write them) of the stored payloads that events after the head
    (waiting to be sealed) refer to: as many as the backlog's events at most."""
    last = await head(conn)
    linked = exists().where(AuditLink.event_id == AuditEvent.id)
    waiting = (
        select(_PAYLOAD_ID)
        .join(AuditPayload, _payload_is(conn.dialect.name, _PAYLOAD_ID))
        .where(tuple_(AuditEvent.txid, AuditEvent.id) > tuple_(last.txid, last.event_id), ~linked, _REFERRING)
    )
    return {payload_id for (payload_id,) in await conn.execute(waiting)}


async def _orphans(conn: AsyncConnection, referred_to: int, matches: Any, faults: Faults) -> None:
    """Every payload that no event refers to, into ``faults``, when there are more payloads than
    the ``referred_to`` ones (distinct payloads of sealed events, then of the events waiting to be
    sealed): such a row was written behind the application's back (it writes each payload with its
    event). Counting distinct payloads matters: a second event referring to a payload must not make
    up for a payload planted with none (the sealed ones are a fault of their own,
    :func:`payload_faults`)."""
    stored = (await conn.execute(select(func.count()).select_from(AuditPayload))).scalar_one()
    if stored <= referred_to:
        return
    referred = exists().where(_REFERRING, matches)
    result = await conn.stream(
        select(AuditPayload.id).where(~referred).order_by(AuditPayload.created_at).execution_options(yield_per=BATCH)
    )
    try:
        async for payload_id in result.scalars():
            faults.add((None, None, f"payload {payload_id} holds personal values that no event refers to"))
    finally:
        await result.close()


# The snapshot of a transaction that keeps one for its whole length (REPEATABLE READ or
# SERIALIZABLE); NULL under READ COMMITTED, whose statements each take a new one.
_EXPORT = text(
    "SELECT CASE WHEN current_setting('transaction_isolation') IN ('repeatable read', 'serializable') "
    "THEN pg_catalog.pg_export_snapshot() END"
)
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


async def start_beside(
    conn: AsyncConnection, check: Callable[[AsyncConnection], Awaitable[T]]
) -> asyncio.Task[T] | None:
    """``check`` (:func:`payload_faults`, or a coroutine function running it) started as a task on
    a second connection of ``conn``'s engine, in ``conn``'s snapshot; None where it cannot share
    one (SQLite; a transaction other than REPEATABLE READ or SERIALIZABLE): the caller then runs
    ``check`` on ``conn``.

    The task must be awaited or cancelled before ``conn``'s transaction ends: an exported
    snapshot can be imported only while its transaction is open. The task raises what ``check``
    raises, and ``sqlalchemy.exc.DBAPIError`` when the second connection cannot be had or the
    snapshot imported.
    """
    if conn.dialect.name != "postgresql":
        return None
    snapshot = (await conn.execute(_EXPORT)).scalar_one()
    if not isinstance(snapshot, str) or not _SNAPSHOT_ID.fullmatch(snapshot):
        return None
    return asyncio.ensure_future(_in_snapshot(conn.engine, snapshot, check))


async def _in_snapshot(engine: AsyncEngine, snapshot: str, check: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        await conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked: hex digits and dashes
        await pin_for_verification(conn)
        return await check(conn)
