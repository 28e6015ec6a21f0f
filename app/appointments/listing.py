"""The appointments list: a page of the actor's desks' bookings, its read audited.

A page names people (each appointment's registrant, its purpose), so reading it is audited
``appointment.list`` with the ids of the people listed, as the delta sync's ``sync.read`` is.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments import service
from app.appointments.models import Appointment
from app.audit import service as audit
from app.calendars import service as calendars
from app.core.context import Actor
from app.core.pagination import paginate
from app.desks.models import Desk


async def list_page(
    session: AsyncSession, *, actor: Actor, filters: service.ListFilters, cursor: str | None, limit: int
) -> tuple[list[tuple[Appointment, Desk]], dict[uuid.UUID, calendars.MoveReason], str | None]:
    """A page of appointments matching ``filters`` (:func:`app.appointments.service.list_query`),
    by start time, each with its desk (for its zone); those to move, with why
    (:func:`app.calendars.service.move_reasons`: on a holiday or outside the opening hours); and the
    next cursor. Raises ``NotFound``
    (a desk the actor cannot see), ``ValidationFailed`` (``day`` without ``desk_id``),
    ``BadRequest`` (a cursor not issued here)."""
    stmt = await service.list_query(session, actor=actor, filters=filters)
    rows, next_cursor = await paginate(
        session, stmt, keys=[Appointment.starts_at, Appointment.id], cursor=cursor, limit=limit, descending=False
    )
    by_desk = await service.desks_of(session, rows)
    await audit.record(
        session,
        actor=actor,
        action="appointment.list",
        entity_type="appointment",
        desk_id=filters.desk_id,
        details={"appointments": len(rows), "registrant_ids": sorted({str(a.registrant_id) for a in rows})},
    )
    pairs = [(a, by_desk[a.desk_id]) for a in rows]
    return pairs, await calendars.move_reasons(session, pairs), next_cursor
