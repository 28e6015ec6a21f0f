"""``/api/v1/appointments``: book, read, list by desk and local day, reschedule, change status."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Response

from app.appointments import listing, service, slots
from app.appointments.models import Appointment
from app.appointments.schemas import (
    AppointmentCreate,
    AppointmentOut,
    AppointmentReschedule,
    AppointmentTransition,
    FreeDayOut,
    FreeSlotOut,
    FreeSlotsOut,
)
from app.auth.deps import CurrentActor, require_roles
from app.calendars import service as calendars
from app.core.conflicts import with_current
from app.core.context import Actor
from app.core.dates import DateText
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import PreconditionFailed
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router
from app.desks import service as desks
from app.desks.models import Desk

router = api_router(prefix="/api/v1/appointments", tags=["appointments"])

# Auditors read; they do not book.
StaffActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]


def to_out(appointment: Appointment, desk: Desk, move: calendars.MoveReason | None = None) -> AppointmentOut:
    """Render in the desk's zone: UTC instants plus local ISO 8601 times with that date's offset;
    ``move`` (:func:`app.calendars.service.move_reasons`) flags one to move. An appointment just
    booked, moved or taken out of ``booked`` is never to move: the booking rules held then."""
    start_local, end_local = service.local_times(desk, appointment)
    return AppointmentOut(
        id=appointment.id,
        desk_id=appointment.desk_id,
        time_zone=desk.time_zone,
        agent_id=appointment.agent_id,
        registrant_id=appointment.registrant_id,
        case_id=appointment.case_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        start_local=start_local.isoformat(),
        end_local=end_local.isoformat(),
        local_date=start_local.date(),
        status=appointment.status,
        purpose=appointment.purpose,
        status_reason=appointment.status_reason,
        created_at=appointment.created_at,
        updated_at=appointment.updated_at,
        to_move=move is not None,
        to_move_reason=move,
    )


@router.post("", status_code=201, response_model=AppointmentOut)
async def create_appointment(
    body: AppointmentCreate, session: SessionDep, settings: SettingsDep, actor: StaffActor, idem: IdempotencyDep
) -> Response:
    """Book an appointment. Times need an offset (naive → 422) and are stored in UTC.

    Problems: 404 desk, ``unknown-registrant``; 409 ``case-not-open``, ``case-read-only``;
    422 ``unknown-case``, ``case-at-other-desk``,
    ``agent-not-at-desk``, ``appointment-ends-before-start``, ``appointment-in-past``,
    ``beyond-booking-horizon`` (after ``APPOINTMENT_BOOKING_HORIZON_DAYS`` from the desk's today),
    ``desk-holiday``, ``outside-opening-hours``; 409 ``agent-double-booked``, ``registrant-double-booked``.
    Accepts ``Idempotency-Key``.
    """
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    appointment, desk = await service.create(
        session, actor=actor, horizon_days=settings.appointment_booking_horizon_days, **body.model_dump()
    )
    headers = {"ETag": etag_of(appointment.version), "Location": f"/api/v1/appointments/{appointment.id}"}
    return await idem.respond(201, to_out(appointment, desk).model_dump(mode="json"), headers)


DESK_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "`desk_id` names no desk, or one you do not work at."}
}


@router.get("", response_model=Page[AppointmentOut], responses=DESK_NOT_YOURS)
async def list_appointments(
    session: SessionDep,
    actor: CurrentActor,
    desk_id: uuid.UUID | None = None,
    day: Annotated[DateText | None, Query(description="A local date of the desk (needs desk_id).")] = None,
    agent_id: uuid.UUID | None = None,
    registrant_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    status: Literal["booked", "kept", "missed", "cancelled"] | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[AppointmentOut]:
    """Appointments of the user's desks by start time (earliest first).

    ``day`` selects the desk's local calendar day ``[00:00, 24:00)`` in its zone. 404 for a desk
    the user cannot see; 422 for ``day`` without ``desk_id``. Audited (the people listed).
    """
    filters = service.ListFilters(
        desk_id=desk_id, day=day, agent_id=agent_id, registrant_id=registrant_id, case_id=case_id, status=status
    )
    rows, moves, next_cursor = await listing.list_page(
        session, actor=actor, filters=filters, cursor=cursor, limit=limit
    )
    return Page[AppointmentOut](items=[to_out(a, desk, moves.get(a.id)) for a, desk in rows], next_cursor=next_cursor)


@router.get("/free-slots", response_model=FreeSlotsOut, responses=DESK_NOT_YOURS)
async def free_slots(
    session: SessionDep,
    settings: SettingsDep,
    actor: StaffActor,
    desk_id: uuid.UUID,
    start: Annotated[DateText, Query(description="First local date of the desk.")],
    days: Annotated[int, Query(ge=1, le=14, description="Consecutive local days, 1 to 14.")] = 1,
    duration_minutes: Annotated[int, Query(ge=5, le=240, description="Length of a slot in minutes.")] = 30,
    agent_id: Annotated[uuid.UUID | None, Query(description="Whose free time; the caller by default.")] = None,
) -> FreeSlotsOut:
    """Bookable slots of an agent: the desk's opening hours on each local day minus its holidays,
    times already past and the agent's booked or kept appointments (see ``app.appointments.slots``).

    404 for a desk the user cannot see; 422 ``agent-not-at-desk``, or a bad parameter (``date_range``
    when a day asked is not within 2000-01-01 .. 2100-12-31, the dates an appointment may fall on).
    """
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    agent = agent_id or actor.user_id
    assert agent is not None
    found = await slots.free_slots(
        session,
        desk=desk,
        agent_id=agent,
        start=start,
        days=days,
        duration=dt.timedelta(minutes=duration_minutes),
        horizon_days=settings.appointment_booking_horizon_days,
    )
    return FreeSlotsOut(
        desk_id=desk.id,
        time_zone=desk.time_zone,
        agent_id=agent,
        duration_minutes=duration_minutes,
        days=[
            FreeDayOut(
                date=d.day,
                holiday=d.holiday,
                opening_hours=[calendars.span_text(a, b) for a, b in d.opening_hours],
                slots=[
                    FreeSlotOut(
                        starts_at=s.starts_at.astimezone(dt.UTC),
                        ends_at=s.ends_at.astimezone(dt.UTC),
                        start_local=s.starts_at.isoformat(),
                        end_local=s.ends_at.isoformat(),
                    )
                    for s in d.slots
                ],
            )
            for d in found
        ],
    )


@router.get("/{appointment_id}", response_model=AppointmentOut)
async def get_appointment(
    appointment_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> AppointmentOut:
    """One appointment (audited read). 404 outside the user's desks."""
    appointment, desk, move = await service.read(session, actor=actor, appointment_id=appointment_id)
    response.headers["ETag"] = etag_of(appointment.version)
    return to_out(appointment, desk, move)


@router.patch("/{appointment_id}", response_model=AppointmentOut)
async def reschedule_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentReschedule,
    session: SessionDep,
    settings: SettingsDep,
    actor: StaffActor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> AppointmentOut:
    """Reschedule a booked appointment (``If-Match`` required; a 412 carries the appointment as it
    is now in ``current`` and ``current_etag``), checked like a new booking.

    409 ``appointment-transition-not-allowed`` when it is no longer booked.
    """
    try:
        cleared = "purpose" in body.model_fields_set and body.purpose is None
        appointment, desk = await service.reschedule(
            session,
            actor=actor,
            appointment_id=appointment_id,
            if_match=if_match,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            agent_id=body.agent_id,
            purpose="" if cleared else body.purpose,  # "" clears it, None keeps it
            horizon_days=settings.appointment_booking_horizon_days,
        )
    except PreconditionFailed as stale:

        async def render() -> tuple[dict[str, Any], str]:
            current, current_desk = await service.get(session, actor=actor, appointment_id=appointment_id)
            return to_out(current, current_desk).model_dump(mode="json"), etag_of(current.version)

        raise await with_current(stale, render) from None
    response.headers["ETag"] = etag_of(appointment.version)
    return to_out(appointment, desk)


@router.post("/{appointment_id}/transitions", response_model=AppointmentOut)
async def transition_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentTransition,
    session: SessionDep,
    actor: StaffActor,
    idem: IdempotencyDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Mark kept (from 60 minutes before the start, same local day), missed (once started) or cancel
    a booked appointment (``If-Match`` required).

    The answer's ``person_notified`` says whether a message to the person was queued (their contact
    consent allows it), so that staff say « la personne en sera prévenue » only then.
    409 ``appointment-transition-not-allowed`` (lists the allowed statuses), 409
    ``appointment-not-started`` (its detail gives the desk-local start, e.g. "à 10 h 00").
    Accepts ``Idempotency-Key``.
    """
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    appointment, desk, told = await service.transition(
        session, actor=actor, appointment_id=appointment_id, if_match=if_match, status=body.status, reason=body.reason
    )
    out = to_out(appointment, desk).model_copy(update={"person_notified": told}).model_dump(mode="json")
    return await idem.respond(200, out, {"ETag": etag_of(appointment.version)})
