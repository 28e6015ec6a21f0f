"""``/api/v1/desks``: the desks a user belongs to; administrators create and edit them."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Header, Response

from app.auth.deps import AdminActor, CurrentActor
from app.core.deps import SessionDep
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.routing import api_router
from app.desks import service
from app.desks.schemas import (
    NO_OPENING_HOURS,
    AppointmentOutsideHours,
    DeskCreate,
    DeskCreated,
    DeskDirectoryEntry,
    DeskOut,
    DeskUpdate,
    DeskUpdated,
    outside_hours_warning,
)
from app.desks.staff import StaffActor

router = api_router(prefix="/api/v1/desks", tags=["desks"])


@router.get("", response_model=list[DeskOut])
async def list_desks(session: SessionDep, actor: CurrentActor) -> list[DeskOut]:
    """The desks the user may see (all of them for administrators and auditors)."""
    return [DeskOut.model_validate(d) for d in await service.list_visible(session, actor=actor)]


@router.get("/directory", response_model=list[DeskDirectoryEntry])
async def desk_directory(session: SessionDep, actor: StaffActor) -> list[DeskDirectoryEntry]:
    """Every active desk by code: ``[{code, name, country, city}]``, for any staff member.

    Agents see only their own desks in ``GET /api/v1/desks``; a transfer names its receiving desk
    by code (``to_desk``), so this is where the client lists the other desks. Nothing else of a
    desk (hours, ids, settings) is shown.
    """
    return [DeskDirectoryEntry.model_validate(d) for d in await service.list_active(session)]


@router.post("", status_code=201, response_model=DeskCreated)
async def create_desk(body: DeskCreate, session: SessionDep, actor: AdminActor, idem: IdempotencyDep) -> Response:
    """Create a desk: the desk and ``warnings`` (``no-opening-hours`` when ``opening_hours`` is
    absent or ``{}``: it takes no appointment until they are set). 422 ``time-zone-not-in-country``
    (``valid_time_zones``); 409 ``desk-code-taken``; ``Idempotency-Key`` makes a retry safe."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    desk = await service.create(session, actor=actor, values=body.model_dump())
    headers = {"ETag": etag_of(desk.version), "Location": f"/api/v1/desks/{desk.id}"}
    warnings = [] if desk.opening_hours else [NO_OPENING_HOURS]
    created = DeskCreated.model_validate({**DeskOut.model_validate(desk).model_dump(), "warnings": warnings})
    return await idem.respond(201, created.model_dump(mode="json"), headers)


@router.get("/{desk_id}", response_model=DeskOut)
async def get_desk(desk_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response) -> DeskOut:
    """One desk (404 when the user does not belong to it)."""
    desk = await service.get(session, actor=actor, desk_id=desk_id)
    response.headers["ETag"] = etag_of(desk.version)
    return DeskOut.model_validate(desk)


@router.patch("/{desk_id}", response_model=DeskUpdated)
async def update_desk(
    desk_id: uuid.UUID,
    body: DeskUpdate,
    session: SessionDep,
    actor: AdminActor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> DeskUpdated:
    """Update a desk (``If-Match`` required). 422 ``time-zone-not-in-country``; 409
    ``desk-time-zone-in-use`` for a new ``time_zone`` at a desk with registrations, cases or
    appointments, unless ``confirm_time_zone_change`` is true.

    Booked appointments stay booked whatever the new hours; those upcoming that the hours (or the
    zone) no longer hold are listed in ``appointments_outside_hours`` with a warning
    ``appointments-outside-opening-hours`` giving their count."""
    desk, outside = await service.update(
        session, actor=actor, desk_id=desk_id, if_match=if_match, changes=body.model_dump(exclude_unset=True)
    )
    response.headers["ETag"] = etag_of(desk.version)
    return DeskUpdated.model_validate(
        {
            **DeskOut.model_validate(desk).model_dump(),
            "warnings": [outside_hours_warning(desk.id, len(outside))] if outside else [],
            "appointments_outside_hours": [
                AppointmentOutsideHours(
                    id=a.id,
                    starts_at=a.starts_at,
                    start_local=a.starts_at.astimezone(ZoneInfo(desk.time_zone)).isoformat(),
                )
                for a in outside
            ],
        }
    )
