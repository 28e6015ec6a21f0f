"""``GET /api/v1/imports``: the import batches of legacy registers, newest first, each with its
row counts: every desk's for administrators, their own desks' for agents and supervisors (who
resolve the batches' flagged rows). The rows themselves are read per batch
(``GET /api/v1/imports/{id}``, administrators; ``GET /api/v1/imports/{id}/flagged``, desk staff)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal, cast

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import require_roles
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate
from app.core.routing import api_router
from app.desks.models import Desk
from app.imports.holding import batch_now
from app.imports.models import ImportBatch, ImportRow
from app.imports.schemas import ImportCounts

Status = Literal["running", "completed", "interrupted"]

router = api_router(prefix="/api/v1/imports", tags=["imports"])

DeskStaffActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]


class ImportBatchOut(BaseModel):
    """One stored run of an import: ``counts`` those of the rows it holds, as its report gives
    them (``GET /api/v1/imports/{id}``), a run still going or interrupted too; ``flagged_rows`` is
    ``counts.flagged``: the rows this batch holds for someone to decide whether they are people
    already registered, resolved or not, as many as ``GET /api/v1/imports/{id}/flagged`` lists.
    The ``already_flagged`` rows of a file imported again are not among them: they are held, and
    resolved, in the earlier batch that flagged them (counted there); ``status`` as the report's
    (:func:`shown_status`)."""

    id: uuid.UUID
    desk_code: str
    filename: str | None
    actor_label: str
    created_at: dt.datetime
    counts: ImportCounts
    flagged_rows: int
    status: Status


async def stored_counts(session: AsyncSession, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ImportCounts]:
    """The counts of the rows each batch holds, computed as :func:`app.imports.schemas.counts_of`
    computes a report's (one grouped query): a batch whose run is going on or was interrupted
    counts the rows stored so far, not the zeros its ``counts`` column holds until its run ends."""
    tallies: dict[uuid.UUID, dict[str, int]] = {batch_id: {} for batch_id in batch_ids}
    if not batch_ids:
        return {}
    warned = case((func.json_array_length(ImportRow.warnings) > 0, 1), else_=0)
    stmt = (
        select(ImportRow.batch_id, ImportRow.outcome, ImportRow.resolution, func.count(), func.sum(warned))
        .where(ImportRow.batch_id.in_(batch_ids))
        .group_by(ImportRow.batch_id, ImportRow.outcome, ImportRow.resolution)
    )
    for batch_id, outcome, resolution, count, with_warnings in await session.execute(stmt):
        tally = tallies[batch_id]
        for key, n in (("total", count), ("with_warnings", with_warnings or 0), (outcome, count)):
            tally[key] = tally.get(key, 0) + n
        if outcome == "flagged":
            resolution = resolution or "pending"
            tally[resolution] = tally.get(resolution, 0) + count
    return {batch_id: ImportCounts(**tally) for batch_id, tally in tallies.items()}


async def shown_status(session: AsyncSession, batch: ImportBatch) -> Status:
    """The batch's ``status`` now, but ``interrupted`` for a batch left ``running`` by a run whose
    process died (killed, the machine restarted): no real run holding its desk's import lock is
    its run (:func:`app.imports.holding.batch_now`, which reads the status again with the lock on
    PostgreSQL: a batch read ``running`` whose run has completed since shows ``completed``; a run
    that resumes the file marks it ``interrupted`` for good, :func:`mark_dead_runs_interrupted`)."""
    if batch.status != "running":
        return cast(Status, batch.status)  # one of STATUSES
    status, alive = await batch_now(session, batch)
    if status == "running" and not alive:
        return "interrupted"
    return cast(Status, status)


async def mark_dead_runs_interrupted(session: AsyncSession, desk_id: uuid.UUID) -> None:
    """Called by a real run holding the desk's import lock, before it stores its own batch (so
    no other run of the desk is alive): every batch of the desk still ``running`` is one whose
    process died, set ``interrupted`` with the counts of the rows it holds, in the session's
    transaction (the caller commits)."""
    dead = list(
        (
            await session.execute(
                select(ImportBatch).where(ImportBatch.desk_id == desk_id, ImportBatch.status == "running")
            )
        ).scalars()
    )
    if not dead:
        return
    counts = await stored_counts(session, [batch.id for batch in dead])
    for batch in dead:
        batch.status = "interrupted"
        batch.counts = counts[batch.id].model_dump()


@router.get("", response_model=Page[ImportBatchOut])
async def list_imports(
    session: SessionDep,
    actor: DeskStaffActor,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[ImportBatchOut]:
    """Import batches, newest first, with cursor pagination: every desk's for administrators,
    the batches of the actor's own desks for agents and supervisors (403 for other roles). Lists
    no person."""
    stmt = select(ImportBatch)
    if not actor.sees_all_desks:
        stmt = stmt.where(ImportBatch.desk_id.in_(actor.desk_ids or ()))
    rows, next_cursor = await paginate(
        session, stmt, keys=[ImportBatch.created_at, ImportBatch.id], cursor=cursor, limit=limit, descending=True
    )
    codes = {desk_id: code for desk_id, code in (await session.execute(select(Desk.id, Desk.code))).all()}
    # The statuses before the counts: a batch shown completed shows all its rows.
    statuses = [await shown_status(session, batch) for batch in rows]
    held = await stored_counts(session, [batch.id for batch in rows])
    items = []
    for batch, status in zip(rows, statuses, strict=True):
        counts = held[batch.id]
        items.append(
            ImportBatchOut(
                id=batch.id,
                desk_code=codes.get(batch.desk_id, ""),
                filename=batch.filename,
                actor_label=batch.actor_label,
                created_at=batch.created_at,
                counts=counts,
                flagged_rows=counts.flagged,
                status=status,
            )
        )
    return Page[ImportBatchOut](items=items, next_cursor=next_cursor)
