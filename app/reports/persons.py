"""One person, however many desks hold a record of them: transfer copies name the record they copy.

A case transferred to another desk gives the receiving desk a copy of the registrant
(``source = "transfer"``, ``source_ref`` = the id of the record it was copied from, itself perhaps a
copy: :mod:`app.cases.transfers`). The copy is not a new person and not a new registration: the
reports count the person once, by the record the first desk registered (its *root*: the first
record of the chain that is not a copy, or the file it was merged into since), and the exports give
a copy's rows the root's pseudonymous ``person_id``.

Only the copies are held in memory (a map from each copy's id to its root's), never every person.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.registrants.models import Registrant

TRANSFER_SOURCE = "transfer"
"""``Registrant.source`` of a transfer copy."""
_MAX_HOPS = 50  # a chain of copies (or merges) longer than this is cut, never followed forever


async def copy_roots(db: AsyncSession | AsyncConnection) -> dict[uuid.UUID, uuid.UUID]:
    """Each transfer copy's id → the id of the record that stands for the person: follow
    ``source_ref`` back while the record is a copy, then ``merged_into_id`` forward. A copy whose
    source record no longer exists is its own root (it is then left out of the map)."""
    columns = (Registrant.id, Registrant.source, Registrant.source_ref, Registrant.merged_into_id)
    known: dict[uuid.UUID, tuple[str, str | None, uuid.UUID | None]] = {}
    rows = (await db.execute(select(*columns).where(Registrant.source == TRANSFER_SOURCE))).all()
    copies = [row[0] for row in rows]
    wanted: set[uuid.UUID] = set()
    for _ in range(_MAX_HOPS):
        for rid, source, ref, merged in rows:
            known[rid] = (source, ref, merged)
        for source, ref, merged in known.values():
            if source == TRANSFER_SOURCE and ref and _as_uuid(ref) not in known:
                wanted.add(_as_uuid(ref))
            if merged is not None and merged not in known:
                wanted.add(merged)
        wanted -= set(known)
        wanted.discard(_NO_ID)
        if not wanted:
            break
        rows = (await db.execute(select(*columns).where(Registrant.id.in_(sorted(wanted))))).all()
        wanted = set()
        if not rows:
            break
    roots: dict[uuid.UUID, uuid.UUID] = {}
    for copy in copies:
        root = _root(copy, known)
        if root != copy:
            roots[copy] = root
    return roots


_NO_ID = uuid.UUID(int=0)


def _as_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        return _NO_ID


def _root(rid: uuid.UUID, known: Mapping[uuid.UUID, tuple[str, str | None, uuid.UUID | None]]) -> uuid.UUID:
    current = rid
    for _ in range(_MAX_HOPS):
        source, ref, merged = known.get(current, ("", None, None))
        if source == TRANSFER_SOURCE and ref and _as_uuid(ref) in known:
            current = _as_uuid(ref)
        elif merged is not None and merged in known:
            current = merged
        else:
            break
    return current
