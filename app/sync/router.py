"""``/api/v1/sync``: delta sync of the actor's desks for apps that work offline."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.auth.deps import require_roles
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.sync import service
from app.sync.schemas import SyncPageOut

router = api_router(prefix="/api/v1/sync", tags=["sync"])
SyncActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]


@router.get("", response_model=SyncPageOut, response_model_exclude_none=True)
async def sync(
    session: SessionDep,
    actor: SyncActor,
    cursor: Annotated[
        str | None, Query(max_length=512, description="``next_cursor`` of the last page; none: first sync.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = service.DEFAULT_LIMIT,
) -> SyncPageOut:
    """Registrants (with phones, identity documents, consents), cases, notes, referrals,
    appointments and document metadata of your desks created or changed since ``cursor``, then
    tombstones for what was deleted or left your desks; ``limit`` items at most (one change that
    touches more records, such as a merge or an import, continues on the next pages). Changes
    appear once the audit log has sequenced them (``AUDIT_SEAL_INTERVAL_SECONDS``). 400 for a
    cursor this API did not issue (made up, edited, or past the end of the log). An app client's
    token receives only the types its read scopes allow (``registrants:read``; ``cases:read`` for
    cases, notes, referrals and appointments; ``documents:read``); ``left_out`` names the others.
    Audited (``sync.read``, with the registrants sent)."""
    result = await service.page(session, actor=actor, cursor=cursor, limit=limit)
    return SyncPageOut.model_validate(
        {
            "items": result.items,
            "next_cursor": result.next_cursor,
            "has_more": result.has_more,
            "reset": result.reset,
            "left_out": result.left_out or None,
        }
    )
