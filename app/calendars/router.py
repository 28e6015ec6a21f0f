"""``/api/v1/desks/{desk_id}/holidays``: a desk's holidays; administrators add and remove them.

A holiday's read carries its ETag (also in each listed holiday's ``etag``); its removal takes an
optional ``If-Match`` (412 when the holiday was removed and added again otherwise since).

Opening hours are edited on the desk itself (``PATCH /api/v1/desks/{desk_id}``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from app.auth.deps import AdminActor, CurrentActor
from app.calendars import service
from app.calendars.schemas import (
    BookedAppointment,
    HolidayAdded,
    HolidayCreate,
    HolidayImport,
    HolidayImportOut,
    HolidayList,
    HolidayOut,
    SkippedHoliday,
)
from app.core.dates import DateText
from app.core.db import utcnow
from app.core.deps import SessionDep
from app.core.idempotency import IdempotencyDep
from app.core.routing import api_router
from app.desks import service as desks

router = api_router(prefix="/api/v1/desks/{desk_id}/holidays", tags=["calendars"])


@router.get("", response_model=HolidayList)
async def list_holidays(
    desk_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="Defaults to the current year at the desk (its local date).")
    ] = None,
) -> HolidayList:
    """The desk's holidays in ``year`` (local dates), by day. 404 for a desk the user cannot see."""
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    year = year or service.local_date(desk, utcnow()).year
    rows = await service.list_holidays(session, desk=desk, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    return HolidayList(desk_id=desk.id, year=year, items=[HolidayOut.model_validate(h) for h in rows])


@router.post("", status_code=201, response_model=HolidayAdded)
async def add_holiday(
    desk_id: uuid.UUID, body: HolidayCreate, session: SessionDep, actor: AdminActor, idem: IdempotencyDep
) -> Response:
    """Close the desk for a holiday (administrators). A Sunday holiday at a Senegalese desk is
    stored on the Monday with ``observed_from`` set; ``appointments_booked`` lists the appointments
    still booked at the desk that day, to move. 409 ``holiday-exists``; 404 unknown desk. Accepts
    ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    holiday = await service.add_holiday(
        session, actor=actor, desk=desk, day=body.day, name=body.name, sunday_rule=body.sunday_rule
    )
    location = f"/api/v1/desks/{desk.id}/holidays/{holiday.day.isoformat()}"
    booked = await service.booked_on(session, desk=desk, day=holiday.day)
    out = HolidayAdded(
        **HolidayOut.model_validate(holiday).model_dump(),
        appointments_booked=[BookedAppointment(id=a.id, starts_at=a.starts_at) for a in booked],
    )
    return await idem.respond(201, out.model_dump(mode="json"), {"Location": location, "ETag": holiday.etag})


@router.get("/{day}", response_model=HolidayOut)
async def get_holiday(
    desk_id: uuid.UUID, day: DateText, session: SessionDep, actor: CurrentActor, response: Response
) -> HolidayOut:
    """The desk's holiday on ``day`` (a local date) with its ETag. 404 when the desk is open that
    day or the user cannot see the desk."""
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    holiday = await service.get_holiday(session, desk=desk, day=day)
    response.headers["ETag"] = holiday.etag
    return HolidayOut.model_validate(holiday)


@router.delete("/{day}", status_code=204)
async def remove_holiday(
    desk_id: uuid.UUID,
    day: DateText,
    session: SessionDep,
    actor: AdminActor,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Reopen the desk on ``day`` (administrators). 404 when ``day`` is not one of its holidays.
    ``If-Match`` (optional): the holiday's ETag as read (its read's header or its ``etag`` in the
    list); 412 ``precondition-failed`` (with ``current_etag``) when the holiday is not that one any
    more, and nothing is removed; without it the removal is unconditional."""
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    await service.remove_holiday(session, actor=actor, desk=desk, day=day, if_match=if_match)
    return Response(status_code=204)


@router.post("/import", response_model=HolidayImportOut)
async def import_holidays(
    desk_id: uuid.UUID, body: HolidayImport, session: SessionDep, actor: AdminActor, idem: IdempotencyDep
) -> Response:
    """Add the desk country's exactly-known public holidays of a year from the ``holidays`` library
    (administrators). Islamic holidays (moon sighting) are not imported: add them by hand.
    Safe to repeat: days already closed are skipped. 422 ``public-holidays-unavailable``.
    Accepts ``Idempotency-Key`` (a retry answers the first import's report)."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    result = await service.import_public_holidays(session, actor=actor, desk=desk, year=body.year)
    out = HolidayImportOut(
        year=body.year,
        added=[HolidayOut.model_validate(h) for h in result.added],
        skipped=[SkippedHoliday(day=d, name=n, reason=r) for d, n, r in result.skipped],
    )
    return await idem.respond(200, out.model_dump(mode="json"))
