"""Appointments a person books, moves and cancels in the free slots of their desk.

Free slots (:func:`free_slots`): each local day of the desk in the asked range that is not a desk
holiday, its open intervals (``Desk.opening_hours`` laid on the UTC timeline:
:func:`app.calendars.service.open_intervals`) cut into slots of ``SELF_SERVICE_SLOT_MINUTES`` of
elapsed time, within the desk's local dates 2000-01-01 .. 2100-12-31, starting at least
``SELF_SERVICE_BOOKING_LEAD_MINUTES`` from now, during which at least one active agent or
supervisor of the desk has no booked or kept appointment. Booking a slot picks such a staff member
(the one with the fewest appointments that day) and then goes through
:mod:`app.appointments.service`, so the desk's rules (opening hours, holidays, future start, no
double booking, serialised per agent) are checked again at write time; when a concurrent booking
took that agent meanwhile, the next free one is tried. The person never learns who the agent is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments import checks
from app.appointments import service as appointments
from app.appointments.errors import AgentDoubleBooked, CaseAtOtherDesk
from app.appointments.models import BLOCKING_STATUSES, Appointment
from app.audit import service as audit
from app.auth.models import DeskMembership, StaffUser
from app.calendars import service as calendars
from app.cases.models import Case, ServiceType
from app.core.config import Settings
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import number
from app.desks.models import Desk
from app.selfservice.errors import AppointmentAtOtherDesk, SlotNotOffered, SlotTaken
from app.selfservice.schemas import PersonAppointmentOut, ServiceTypeOut, SlotOut
from app.selfservice.service import own_case, own_files
from app.selfservice.wording import in_persons_words

MAX_DAYS = 31
BOOKING_ROLES = ("agent", "supervisor")


async def _desk(session: AsyncSession, desk_id: uuid.UUID) -> Desk:
    desk = await session.get(Desk, desk_id)
    assert desk is not None
    return desk


def _grid(desk: Desk, day: dt.date, minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slots of a local day, as aware UTC instants: ``minutes`` of elapsed time each, cut from
    the desk's open intervals (:func:`app.calendars.service.open_intervals`), as staff see them."""
    step = dt.timedelta(minutes=minutes)
    out = []
    for opens, closes in calendars.open_intervals(desk, day):
        start = opens
        while start + step <= closes:
            out.append((start, start + step))
            start += step
    return out


async def _staff(session: AsyncSession, desk_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(StaffUser.id)
        .join(DeskMembership, DeskMembership.user_id == StaffUser.id)
        .where(DeskMembership.desk_id == desk_id, StaffUser.is_active.is_(True), StaffUser.role.in_(BOOKING_ROLES))
        .order_by(StaffUser.id)
    )
    return list(rows.scalars())


async def _busy(
    session: AsyncSession, staff: list[uuid.UUID], start: dt.datetime, end: dt.datetime, ignore: uuid.UUID | None
) -> list[tuple[uuid.UUID, dt.datetime, dt.datetime]]:
    stmt = select(Appointment.agent_id, Appointment.starts_at, Appointment.ends_at).where(
        Appointment.agent_id.in_(staff),
        Appointment.status.in_(BLOCKING_STATUSES),
        Appointment.starts_at < end,
        Appointment.ends_at > start,
    )
    if ignore is not None:
        stmt = stmt.where(Appointment.id != ignore)
    return [(a, s, e) for a, s, e in (await session.execute(stmt)).all()]


async def _own(
    session: AsyncSession, registrant_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The person's booked or kept appointments overlapping ``start``–``end``, at any desk: on any
    of their files (:func:`app.selfservice.service.own_files`)."""
    files = await own_files(session, registrant_id)
    stmt = select(Appointment.starts_at, Appointment.ends_at).where(
        Appointment.registrant_id.in_(files),
        Appointment.status.in_(BLOCKING_STATUSES),
        Appointment.starts_at < end,
        Appointment.ends_at > start,
    )
    return [(a, b) for a, b in (await session.execute(stmt)).all()]


def _free_agents(
    staff: list[uuid.UUID], busy: list[tuple[uuid.UUID, dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime
) -> list[uuid.UUID]:
    taken = {a for a, s, e in busy if s < end and e > start}
    load = Counter(a for a, _, _ in busy)
    return sorted((a for a in staff if a not in taken), key=lambda a: (load[a], str(a)))


async def free_slots(
    session: AsyncSession,
    *,
    desk_id: uuid.UUID,
    start: dt.date,
    days: int,
    settings: Settings,
    registrant_id: uuid.UUID | None = None,
) -> tuple[Desk, list[SlotOut]]:
    """The desk's free slots on ``days`` local days from ``start`` (1–31), in the desk's zone;
    with ``registrant_id``, without those overlapping that person's booked or kept appointments
    (booking one would be 409 ``registrant-double-booked``); none at a closed desk.

    Raises ``ValidationFailed`` (422) for ``days`` out of range, or ``date_range`` when a day asked
    is outside the dates an appointment may fall on (2000-01-01 .. 2100-12-31, as for staff), and
    ``BeyondBookingHorizon`` (422) when ``start`` is past the booking horizon; days after it offer
    nothing.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            f"days must be between 1 and {MAX_DAYS}.",
            detail_fr=f"Le nombre de jours demandés doit être compris entre 1 et {number(MAX_DAYS)}.",
            errors=[{"loc": ["query", "days"], "msg": f"between 1 and {MAX_DAYS}", "type": "range"}],
        )
    calendars.require_calendar_days(start, days, loc=["query", "from"], days_loc=["query", "days"])
    desk = await _desk(session, desk_id)
    horizon = settings.appointment_booking_horizon_days
    checks.require_within_horizon(desk, start, horizon_days=horizon, loc=["query", "from"])
    last = checks.last_bookable_day(desk, horizon_days=horizon)
    if not desk.is_active:  # a closed desk takes no appointment: nothing to offer
        return desk, []
    end_day = start + dt.timedelta(days=days - 1)
    holidays = await calendars.holidays_between(session, desk_id=desk.id, start=start, end=end_day)
    earliest = utcnow() + dt.timedelta(minutes=settings.self_service_booking_lead_minutes)
    staff = await _staff(session, desk.id)
    lo, _ = calendars.local_day_bounds(desk, start)
    _, hi = calendars.local_day_bounds(desk, end_day)
    busy = await _busy(session, staff, lo, hi, None) if staff else []
    own = await _own(session, registrant_id, lo, hi) if registrant_id is not None else []
    zone = ZoneInfo(desk.time_zone)
    slots: list[SlotOut] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day in holidays or day > last:
            continue
        for s, e in _grid(desk, day, settings.self_service_slot_minutes):
            mine = any(a < e and b > s for a, b in own)
            if s >= earliest and not mine and _free_agents(staff, busy, s, e):
                slots.append(SlotOut(starts_at=s.astimezone(zone), ends_at=e.astimezone(zone)))
    return desk, slots


async def _pick(
    session: AsyncSession,
    *,
    desk: Desk,
    starts_at: dt.datetime,
    settings: Settings,
    prefer: uuid.UUID | None = None,
    ignore: uuid.UUID | None = None,
) -> tuple[dt.datetime, dt.datetime, list[uuid.UUID]]:
    """The slot starting at ``starts_at`` and the staff free then (``prefer`` first).

    Raises ``ValidationFailed`` (422 ``date_range``) outside the desk's local dates 2000–2100,
    ``SlotNotOffered`` (422) when it is not a slot of the desk's grid, and ``SlotTaken`` (409) when
    nobody is free.
    """
    calendars.require_calendar_moment(desk, starts_at, loc=["body", "starts_at"])
    starts_at = starts_at.astimezone(dt.UTC)
    day = calendars.local_date(desk, starts_at)
    match = next(((s, e) for s, e in _grid(desk, day, settings.self_service_slot_minutes) if s == starts_at), None)
    earliest = utcnow() + dt.timedelta(minutes=settings.self_service_booking_lead_minutes)
    holidays = await calendars.holidays_between(session, desk_id=desk.id, start=day, end=day)
    if match is None or match[0] < earliest or holidays:
        raise SlotNotOffered(
            "This time is not one of the desk's free slots; list them at /api/v1/self/slots.",
            detail_fr="Cette heure n'est pas un créneau libre du guichet ; voir /api/v1/self/slots.",
            errors=[{"loc": ["body", "starts_at"], "msg": "not an offered slot", "type": "slot"}],
        )
    staff = await _staff(session, desk.id)
    busy = await _busy(session, staff, match[0], match[1], ignore)
    free = _free_agents(staff, busy, match[0], match[1])
    if prefer in free:
        free = [prefer, *[a for a in free if a != prefer]]
    if not free:
        raise _taken()
    return match[0], match[1], free


def _taken() -> SlotTaken:
    return SlotTaken(
        "This slot was just taken; choose another.", detail_fr="Ce créneau vient d'être pris ; choisissez-en un autre."
    )


async def book(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    desk_id: uuid.UUID,
    starts_at: dt.datetime,
    case_id: uuid.UUID | None,
    purpose: str | None,
    settings: Settings,
) -> tuple[Appointment, Desk]:
    """Book the slot at ``starts_at`` for the person (about their open case ``case_id``, if any).

    Raises ``SlotNotOffered`` (422), ``SlotTaken`` (409), ``NotFound`` (404) for a case that is
    not theirs, ``CaseAtOtherDesk`` (422) for one they follow at the desk it was transferred to
    (their appointments are at their own desk), and the appointment rules' problems. Audited ``appointment.create``.
    """
    with in_persons_words("book"):
        desk = await _desk(session, desk_id)
        if case_id is not None:
            case = await own_case(session, registrant_id=registrant_id, case_id=case_id)
            if case.desk_id != desk.id:  # a request the person follows at the desk it was transferred to
                raise CaseAtOtherDesk(
                    f"Request {case.case_number} is followed by another desk: ask that desk for an appointment.",
                    detail_fr=f"La demande {case.case_number} est suivie par un autre guichet : "
                    "demandez-lui un rendez-vous.",
                    errors=[
                        {"loc": ["body", "case_id"], "msg": "request followed by another desk", "type": "other_desk"}
                    ],
                )
        start, end, free = await _pick(session, desk=desk, starts_at=starts_at, settings=settings)
        for agent_id in free:
            try:
                return await appointments.create(
                    session,
                    actor=actor,
                    desk_id=desk.id,
                    agent_id=agent_id,
                    case_id=case_id,
                    registrant_id=None if case_id is not None else registrant_id,
                    starts_at=start,
                    ends_at=end,
                    purpose=purpose,
                    horizon_days=settings.appointment_booking_horizon_days,
                )
            except AgentDoubleBooked:
                # A concurrent booking took this agent meanwhile (refused before anything was
                # written, the agent's row now locked): try the next one free.
                continue
        raise _taken()


async def own_appointment(session: AsyncSession, *, registrant_id: uuid.UUID, appointment_id: uuid.UUID) -> Appointment:
    """One of the person's appointments at their own desk, to move or cancel.

    Raises ``NotFound`` (404) for anyone else's, and ``AppointmentAtOtherDesk`` (422, naming the
    desk) for one another desk booked on its record of the person (listed by :func:`list_own`):
    that desk moves or cancels it, as it books it."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.registrant_id not in await own_files(session, registrant_id):
        raise NotFound("No such appointment.", detail_fr="Rendez-vous introuvable.")
    if appointment.registrant_id != registrant_id:
        desk = await _desk(session, appointment.desk_id)
        raise AppointmentAtOtherDesk(
            f"This appointment was booked by desk {desk.code}: ask that desk to move or cancel it.",
            detail_fr=f"Ce rendez-vous a été pris par le guichet {desk.code} : "
            "demandez-lui de le déplacer ou de l'annuler.",
        )
    return appointment


async def reschedule(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    appointment_id: uuid.UUID,
    if_match: str | None,
    starts_at: dt.datetime,
    settings: Settings,
) -> tuple[Appointment, Desk]:
    """Move the person's booked appointment to another free slot (If-Match: 428/412), keeping
    its agent when free then. Audited ``appointment.reschedule``."""
    with in_persons_words("move"):
        appointment = await own_appointment(session, registrant_id=registrant_id, appointment_id=appointment_id)
        desk = await _desk(session, appointment.desk_id)
        start, end, free = await _pick(
            session,
            desk=desk,
            starts_at=starts_at,
            settings=settings,
            prefer=appointment.agent_id,
            ignore=appointment.id,
        )
        for agent_id in free:
            try:
                return await appointments.reschedule(
                    session,
                    actor=actor,
                    appointment_id=appointment.id,
                    if_match=if_match,
                    starts_at=start,
                    ends_at=end,
                    agent_id=agent_id,
                    purpose=None,
                    horizon_days=settings.appointment_booking_horizon_days,
                )
            except AgentDoubleBooked:
                continue
        raise _taken()


async def cancel(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, appointment_id: uuid.UUID, if_match: str | None
) -> tuple[Appointment, Desk]:
    """Cancel the person's booked appointment (If-Match: 428/412; 409 unless booked). Audited
    ``appointment.cancelled``."""
    with in_persons_words("cancel"):
        appointment = await own_appointment(session, registrant_id=registrant_id, appointment_id=appointment_id)
        cancelled, desk, _ = await appointments.transition(
            session,
            actor=actor,
            appointment_id=appointment.id,
            if_match=if_match,
            status="cancelled",
            reason="cancelled by the person (self-service)",
        )
        return cancelled, desk


async def list_own(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> list[PersonAppointmentOut]:
    """The person's appointments, soonest first: those of every desk holding a file of theirs
    (:func:`app.selfservice.service.own_files`: their own desk's, and the desk's a transfer gave a
    record of them to), nobody else's. Audited ``self_service.appointments_read`` (``files``: the
    ids of the files whose appointments were read)."""
    files = await own_files(session, registrant_id)
    rows = list(
        (
            await session.execute(
                select(Appointment)
                .where(Appointment.registrant_id.in_(files))
                .order_by(Appointment.starts_at, Appointment.id)
            )
        ).scalars()
    )
    desks = await appointments.desks_of(session, rows)
    types = await _service_types(session, rows)
    await audit.record(
        session,
        actor=actor,
        action="self_service.appointments_read",
        entity_type="registrant",
        entity_id=registrant_id,
        desk_id=next(iter(actor.desk_ids or ()), None),
        details={"appointments": len(rows), "files": sorted({str(a.registrant_id) for a in rows})},
    )
    return [_out(a, desks[a.desk_id], types.get(a.case_id)) for a in rows]


async def _service_types(session: AsyncSession, rows: list[Appointment]) -> dict[uuid.UUID | None, ServiceType]:
    """The service type of each appointment's case, by case id (one query)."""
    cases = {a.case_id for a in rows if a.case_id is not None}
    if not cases:
        return {}
    stmt = select(Case.id, ServiceType).join(ServiceType, ServiceType.id == Case.service_type_id)
    return {case_id: t for case_id, t in (await session.execute(stmt.where(Case.id.in_(cases)))).all()}


async def present(session: AsyncSession, appointment: Appointment, desk: Desk) -> PersonAppointmentOut:
    """An appointment as the person sees it (:class:`PersonAppointmentOut`)."""
    types = await _service_types(session, [appointment])
    return _out(appointment, desk, types.get(appointment.case_id))


def _out(appointment: Appointment, desk: Desk, service_type: ServiceType | None) -> PersonAppointmentOut:
    """Times in the desk's zone; what it is for as the service type of its request (words meant
    for the person); never the agent, nor ``purpose`` (free text the desk may type for itself)."""
    start, end = appointments.local_times(desk, appointment)
    return PersonAppointmentOut(
        id=appointment.id,
        desk_code=desk.code,
        case_id=appointment.case_id,
        starts_at=start,
        ends_at=end,
        status=appointment.status,
        service_type=ServiceTypeOut.model_validate(service_type, from_attributes=True) if service_type else None,
        version=appointment.version,
    )
