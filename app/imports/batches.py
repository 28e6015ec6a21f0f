"""``GET /api/v1/imports``: the import batches of legacy registers, newest first, each with its
row counts: every desk's for administrators, their own desks' for agents and supervisors (who
resolve the batches' flagged rows). The rows themselves are read per batch
(``GET /api/v1/imports/{id}``, administrators; ``GET /api/v1/imports/{id}/flagged``, desk staff)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from app.auth.deps import require_roles
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate
from app.core.routing import api_router
from app.desks.models import Desk
from app.imports.models import ImportBatch
from app.imports.schemas import ImportCounts

router = api_router(prefix="/api/v1/imports", tags=["imports"])

DeskStaffActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]


class ImportBatchOut(BaseModel):
    """One stored run of an import: ``flagged_rows`` is ``flagged + already_flagged`` (rows
    waiting for someone to decide whether they are people already registered)."""

    id: uuid.UUID
    desk_code: str
    filename: str | None
    actor_label: str
    created_at: dt.datetime
    counts: ImportCounts
    flagged_rows: int


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
    items = []
    for batch in rows:
        counts = ImportCounts(**{k: v for k, v in (batch.counts or {}).items() if k in ImportCounts.model_fields})
        items.append(
            ImportBatchOut(
                id=batch.id,
                desk_code=codes.get(batch.desk_id, ""),
                filename=batch.filename,
                actor_label=batch.actor_label,
                created_at=batch.created_at,
                counts=counts,
                flagged_rows=counts.flagged + counts.already_flagged,
            )
        )
    return Page[ImportBatchOut](items=items, next_cursor=next_cursor)
