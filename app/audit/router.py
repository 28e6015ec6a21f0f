"""``/api/v1/audit/events``: read-only access to the audit log (auditors, administrators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from app.audit import service
from app.audit.models import AuditEvent
from app.audit.schemas import AuditEventOut
from app.auth.deps import AuditorActor
from app.core.deps import SessionDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/events", response_model=Page[AuditEventOut])
async def list_events(
    session: SessionDep,
    actor: AuditorActor,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    desk_id: uuid.UUID | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[AuditEventOut]:
    """Audit events, newest first, filtered; ``since``/``until`` are ISO 8601 with offset."""
    filters = service.AuditFilters(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        desk_id=desk_id,
        since=since,
        until=until,
    )
    rows, next_cursor = await paginate(
        session, service.list_query(filters), keys=[AuditEvent.seq], cursor=cursor, limit=limit
    )
    return Page[AuditEventOut](items=[AuditEventOut.model_validate(r) for r in rows], next_cursor=next_cursor)
