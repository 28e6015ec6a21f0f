"""The one order in which writers lock a person's files and the rows that go with them.

On PostgreSQL two transactions that lock the same rows in opposite orders wait on each other
until the server cancels one (``deadlock detected``, answered 503). The rule, for every writer
that locks a registrant row and anything else (a case, an import batch or row, a merge record, a
subject request, an appointment, an agent…):

1. the registrant rows first — every file the transaction will lock, in id order, in the
   strongest mode it will need (``FOR UPDATE`` when it changes or erases the file, ``FOR KEY
   SHARE`` when it only needs the file to stay open, :mod:`app.registrants.closed`): a lock taken
   ``FOR KEY SHARE`` and later raised to ``FOR UPDATE`` deadlocks with another writer doing the
   same;
2. then the other rows.

The erasure (files of the person, then the subject request, then every row of theirs it
scrubs), the retention run (the files of every person it anonymises, then the closed cases it
empties and those people's rows), a merge and an unmerge (both files, then the merge record and the records moved), the
resolution of a flagged import row (the file linked to, then the batch and the row), a case or
appointment write (the person, then the case, the agent) all follow it. SQLite serialises writers
(``BEGIN IMMEDIATE``): nothing to order there, and ``FOR UPDATE`` is not sent.

Files are read without a lock to learn which to lock (a survivor, the files merged into it:
:func:`with_survivors`; every file of a person, through merges and transfers or through merges
only: :func:`app.privacy.linked.person_files`); a merge or unmerge committed in the instant
between that read and the lock can still leave one file locked out of order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.registrants.models import Registrant


async def lock_files(session: AsyncSession, ids: Iterable[uuid.UUID], *, update: bool = False) -> None:
    """Lock the registrant rows ``ids`` (unknown ids are skipped) in id order until the
    transaction ends: ``FOR UPDATE`` with ``update``, else ``FOR KEY SHARE``. Loads no object."""
    mode = {} if update else {"key_share": True, "read": True}
    for registrant_id in sorted(set(ids)):
        stmt = select(Registrant.id).where(Registrant.id == registrant_id)
        await session.execute(stmt.with_for_update(**mode))  # type: ignore[arg-type]


async def with_survivors(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """``ids`` and the files they were merged into (read without a lock)."""
    named = set(ids)
    if not named:
        return named
    stmt = select(Registrant.merged_into_id).where(Registrant.id.in_(named), Registrant.merged_into_id.is_not(None))
    return named | {s for s in (await session.execute(stmt)).scalars() if s is not None}
