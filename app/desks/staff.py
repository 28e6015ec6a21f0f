"""``GET /api/v1/desks/{desk_id}/staff``: who works at a desk, to book an appointment with a
colleague or (supervisors) assign a case. Only active agents and supervisors; no e-mail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel
from sqlalchemy import select

from app.auth.deps import require_roles
from app.auth.models import DeskMembership, StaffUser
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.desks import service

router = api_router(prefix="/api/v1/desks/{desk_id}/staff", tags=["desks"])
StaffActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]


class StaffMemberOut(BaseModel):
    """A colleague at the desk: ``role`` is ``agent`` or ``supervisor``."""

    id: uuid.UUID
    full_name: str
    role: str


@router.get("", response_model=list[StaffMemberOut])
async def list_staff(desk_id: uuid.UUID, session: SessionDep, actor: StaffActor) -> list[StaffMemberOut]:
    """Active agents and supervisors of the desk, by name. 404 for a desk the user cannot see."""
    desk = await service.get(session, actor=actor, desk_id=desk_id)
    rows = await session.execute(
        select(StaffUser.id, StaffUser.full_name, StaffUser.role)
        .join(DeskMembership, DeskMembership.user_id == StaffUser.id)
        .where(
            DeskMembership.desk_id == desk.id,
            StaffUser.is_active.is_(True),
            StaffUser.role.in_(("agent", "supervisor")),
        )
        .order_by(StaffUser.full_name, StaffUser.id)
    )
    return [StaffMemberOut(id=r.id, full_name=r.full_name, role=r.role) for r in rows]
