"""The links after the last checkpoint a sequencer trusts, checked before it signs anything over them.

A sequencer writes each batch of links and the checkpoint of its head in one transaction
(:meth:`app.audit.sequencer.Sequencer.seal_once`), so once the log has a checkpoint every link is
signed: links after the last checkpoint were written by someone else. The application's role may
INSERT links (its sequencer runs in the application), so such a link can be a forged hash, or a
right one for a later event that passes an earlier one over, still in an open transaction then;
signing over it would hand auditors a signed forged head. Before signing, the sequencer checks
them as ``verify-audit`` does (:func:`tail_fault`): the walk's checks (:mod:`app.audit.walk`:
previous hash, content hash, version, sealing order, no link missing), each event's transaction
ended (below the horizon a sequencer seals to), no event passed over. The first fault stops sealing;
without one, links after a checkpoint are still refused: only a chain carried over from before
checkpoints existed (no checkpoint at all) is signed once it checks.

Also here, shared with :mod:`app.audit.verify`: the reference reader of the links
(:func:`reference_links`) and the check for events passed over (:func:`passed_over`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import String, exists, func, select, tuple_, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import chain
from app.audit.copy_reader import Link, hash_matches, number
from app.audit.models import GENESIS_HASH, AuditEvent, AuditLink
from app.audit.signing import Checkpoint
from app.audit.state import Head, horizon
from app.audit.walk import Failure, Walk

BATCH = 10_000
"""Links read at a time by :func:`reference_links`."""


def links_of_rows(rows: Sequence[Sequence[Any]], row_hash: Any) -> list[Link]:
    """The links of the keyset readers' rows (link columns, event id and txid, content in
    :data:`chain.CONTENT_FIELDS` order, details as their JSON text), each event hashed by ``row_hash``."""
    return [
        (
            seq,
            prev_hash,
            stored,
            version,
            event_id,
            txid,
            hash_matches(row_hash, version, prev_hash, seq, content, stored),
        )
        for seq, prev_hash, stored, raw_version, event_id, txid, *content in rows
        for version in (raw_version if type(raw_version) is int else number(raw_version),)
    ]


async def reference_links(conn: AsyncConnection, after: int = 0) -> AsyncIterator[list[Link]]:
    """The links after ``seq`` ``after``, with their events (a link whose event is gone is not
    among them), in ``seq`` order, :data:`BATCH` at a time, each hashed by the reference formula
    (:func:`app.audit.chain.row_hash`; details as stored, read strictly: a key twice is a fault,
    not the last value's)."""
    content = [getattr(AuditEvent, name) for name in chain.CONTENT_FIELDS[:-1]]
    content.append(type_coerce(AuditEvent.details, String))
    columns = (AuditLink.seq, AuditLink.prev_hash, AuditLink.hash, AuditLink.link_version, AuditEvent.id)
    base = select(*columns, AuditEvent.txid, *content)
    base = base.join(AuditEvent, AuditEvent.id == AuditLink.event_id).order_by(AuditLink.seq).limit(BATCH)
    last = after
    row_hash = chain.row_hash
    while True:
        rows = (await conn.execute(base.where(AuditLink.seq > last))).all()
        if not rows:
            return
        yield links_of_rows(rows, row_hash)
        last = rows[-1][0]


async def passed_over(conn: AsyncConnection, last: Head, links: int, *, counted: bool = True) -> Failure | None:
    """The first link sealing an event that comes after an event no link seals, in the sealing
    order (``(txid, id)``), among the events up to where sealing resumes (``last``); None when
    every such event is linked. The link is named (its event's txid or id edited, or the link
    inserted behind the sequencer's back), with the first event it passes over.

    ``links`` is the number of links (``seq`` 1 to ``links``, each read once with its event:
    ``counted``). Counted first, cheaply (the index on ``(txid, id)``; no join but over the few
    events after the head): the events up to the head's are all linked when they are no more than
    the links that do not seal an event after the head's. Only when they are more, or when the
    links are not all there once (``counted`` false: the count would mislead), is the first one
    looked for.
    """
    linked = exists().where(AuditLink.event_id == AuditEvent.id)
    order = tuple_(AuditEvent.txid, AuditEvent.id)
    at_head = tuple_(last.txid, last.event_id)
    if counted:
        count = select(func.count()).select_from(AuditEvent)
        up_to_head = (await conn.execute(count.where(order <= at_head))).scalar_one()
        linked_after = (await conn.execute(count.where(order > at_head, linked))).scalar_one()
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
    txid, passed = row
    seq, event_id = (
        await conn.execute(
            select(AuditLink.seq, AuditLink.event_id)
            .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
            .where(order > tuple_(txid, passed))
            .order_by(AuditLink.seq)
            .limit(1)
        )
    ).one()
    return (
        seq,
        event_id,
        f"event {passed} is in no link, yet link {seq} seals event {event_id}, which comes after it in the "
        f"sealing order: event {event_id}'s txid or id was edited, or link {seq} was not written by the sequencer",
    )


async def tail_fault(conn: AsyncConnection, trusted: Checkpoint | None, last: Head, bound: int) -> str | None:
    """Why the links after checkpoint ``trusted`` (None: from the first link) up to the head
    ``last`` must not be signed (module docstring), or None when they may: none there, or a chain
    carried over from before checkpoints (``trusted`` None) that checks. ``bound``: the first
    transaction id not handed out yet (:func:`app.audit.state.next_txid`)."""
    start = trusted.seq if trusted is not None else 0
    if last.seq <= start:
        return None
    anchor = (
        await conn.execute(
            select(AuditEvent.txid, AuditEvent.id)
            .join(AuditLink, AuditLink.event_id == AuditEvent.id)
            .where(AuditLink.seq == start)
        )
    ).first()
    walk = Walk(
        {},
        None,
        trusted.hash if trusted is not None else GENESIS_HASH,
        start=start + 1,
        after=(anchor[0], anchor[1]) if anchor is not None else None,
    )
    async for batch in reference_links(conn, start):
        walk.links(batch)
    if walk.expected_seq <= last.seq or walk.gaps:  # a link missing, or its event gone
        seq = walk.gaps[0][0] if walk.gaps else walk.expected_seq
        walk.faults.add((seq, None, f"link seq {seq} is missing, or its event"))
    first = walk.failure
    if first is None and conn.dialect.name == "postgresql":
        first = await _unended(conn, start, await horizon(conn, bound))
    if first is None:
        first = await passed_over(conn, last, last.seq, counted=False)
    links = f"link {start + 1}" if last.seq == start + 1 else f"links {start + 1} to {last.seq}"
    if first is not None:
        at, event_id, reason = first
        where = f"link {at}" + (f" (event {event_id})" if event_id is not None else "")
        return f"{links}, after the last checkpoint, not written by a sequencer: {where}: {reason}"
    if trusted is None:
        return None  # a chain carried over from before checkpoints: it checks, and is signed now
    return (
        f"{links}, after the last checkpoint (seq {start}), signed by no checkpoint: not written by a "
        "sequencer (it signs each batch in the transaction that writes it)"
    )


async def _unended(conn: AsyncConnection, start: int, below: int) -> Failure | None:
    """PostgreSQL: the first link after ``start`` whose event's transaction is not below the
    horizon ``below``: it had not ended (or an earlier one had not) when this round began, so no
    sequencer sealed it; it may pass over an event of an earlier transaction still open."""
    row = (
        await conn.execute(
            select(AuditLink.seq, AuditEvent.id, AuditEvent.txid)
            .join(AuditEvent, AuditEvent.id == AuditLink.event_id)
            .where(AuditLink.seq > start, AuditEvent.txid >= below)
            .order_by(AuditLink.seq)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    seq, event_id, txid = row
    return (
        seq,
        event_id,
        f"its event's transaction ({txid}) had not ended, or an earlier one had not: a sequencer seals only the "
        "events of ended transactions, and an earlier event may be passed over",
    )
