"""Appointments: booking, rescheduling, status changes, listing by desk and local day.

Rules (each refused with its problem type, nothing written):
- the desk must be visible to the actor (``NotFound`` 404 otherwise, also for the appointment);
- the subject: an open case of that desk (``UnknownCase`` 422, ``CaseAtOtherDesk`` 422, the cases
  domain's ``CaseNotOpen``/``CaseReadOnly`` 409) or a registrant the actor may see (the cases
  domain's ``UnknownRegistrant``, 404); for a case, the registrant is the case's; not an
  anonymised file (``RegistrantErased`` 409: its appointments are only cancelled or marked kept or
  missed, without a reason, never booked or moved);
- the agent is an active, non-auditor member of the desk (``AgentNotAtDesk``);
- ``ends_at`` after ``starts_at`` (``AppointmentEndsBeforeStart``), start in the future
  (``AppointmentInPast``), not on a desk holiday (``DeskClosedForHoliday``), inside one opening span
  of the desk's local day (``OutsideOpeningHours``);
- no overlap with the agent's other booked or kept appointments (``AgentDoubleBooked`` 409).

The checks live in :mod:`app.appointments.checks` (with how concurrent bookings are serialised).

Times are stored in UTC and shown in the desk's IANA zone (``zoneinfo`` + ``tzdata``). Booking,
rescheduling and status changes of an appointment with a case add ``appointment_<status>`` events
to the case's timeline (``app.cases.timeline.add_event``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments import checks
from app.appointments.errors import AppointmentNotStarted, AppointmentTransitionNotAllowed
from app.appointments.models import Appointment
from app.audit import service as audit
from app.calendars import service as calendars
from app.cases import service as cases
from app.cases import timeline
from app.core import client_ids
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.core.http import require_if_match
from app.desks import service as desks
from app.desks.models import Desk
from app.notifications import events as notify
from app.registrants import closed

TRANSITIONS: dict[str, tuple[str, ...]] = {"booked": ("kept", "missed", "cancelled")}
_AUDITED = ("starts_at", "ends_at", "agent_id", "purpose", "status", "status_reason")


def local_times(desk: Desk, appointment: Appointment) -> tuple[dt.datetime, dt.datetime]:
    """The appointment's start and end in the desk's zone (aware, with that date's offset)."""
    zone = ZoneInfo(desk.time_zone)
    return appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)


def _snapshot(appointment: Appointment) -> dict[str, object]:
    return {f: getattr(appointment, f) for f in _AUDITED}


_PERSONAL = frozenset({"purpose", "status_reason"})
"""Free text that may describe the person (a reason for cancelling may be an illness)."""


def _audited_changes(before: dict[str, object], appointment: Appointment) -> dict[str, Any]:
    """The ``details``, ``personal`` and ``subject_id`` of an appointment change's audit event:
    the free text goes to the erasable payload (:func:`app.audit.service.record`)."""
    changes, personal = audit.separate(audit.diff(before, _snapshot(appointment)), _PERSONAL)
    return {"details": {"changes": changes}, "personal": personal or None, "subject_id": appointment.registrant_id}


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    desk_id: uuid.UUID,
    agent_id: uuid.UUID,
    case_id: uuid.UUID | None,
    registrant_id: uuid.UUID | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str | None,
    horizon_days: int,
    id: uuid.UUID | None = None,
) -> tuple[Appointment, Desk]:
    """Book an appointment (aware ``starts_at``/``ends_at``, any offset; stored in UTC), on a local
    date at most ``horizon_days`` after the desk's today (422 ``beyond-booking-horizon``). Audited.

    ``id``: a client-generated id (offline booking); 409 ``id-taken`` when it is in use; 409
    ``desk-inactive`` when the desk is closed."""
    desk = await desks.get(session, actor=actor, desk_id=desk_id)
    desks.require_open(desk, field="desk_id")
    subject = await checks.resolve_subject(
        session, actor=actor, desk=desk, case_id=case_id, registrant_id=registrant_id
    )
    await checks.lock_person(session, registrant_id=subject.registrant_id)
    await checks.lock_agent(session, desk=desk, agent_id=agent_id)
    starts_at, ends_at = starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)
    await checks.check_slot(
        session, desk=desk, agent_id=agent_id, starts_at=starts_at, ends_at=ends_at, horizon_days=horizon_days
    )
    await checks.check_person_free(
        session, desk=desk, registrant_id=subject.registrant_id, starts_at=starts_at, ends_at=ends_at
    )
    appointment = Appointment(
        id=await client_ids.new_id(session, Appointment, id, location="/api/v1/appointments/{id}", actor=actor),
        desk_id=desk.id,
        agent_id=agent_id,
        registrant_id=subject.registrant_id,
        case_id=subject.case_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status="booked",
        purpose=purpose.strip() if purpose else None,
        created_by=actor.user_id,
    )
    session.add(appointment)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="appointment.create",
        entity_type="appointment",
        entity_id=appointment.id,
        desk_id=desk.id,
        details={
            "agent_id": agent_id,
            "registrant_id": subject.registrant_id,
            "case_id": subject.case_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
    )
    await _case_event(session, actor=actor, appointment=appointment, kind="appointment_booked")
    await notify.appointment_changed(session, actor=actor, appointment=appointment, change="booked")
    return appointment, desk


async def get(session: AsyncSession, *, actor: Actor, appointment_id: uuid.UUID) -> tuple[Appointment, Desk]:
    """The appointment and its desk if the actor may see the desk; ``NotFound`` otherwise."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or not actor.can_see_desk(appointment.desk_id):
        raise NotFound("No such appointment.", detail_fr="Rendez-vous introuvable.")
    desk = await session.get(Desk, appointment.desk_id)
    assert desk is not None
    return appointment, desk


async def read(
    session: AsyncSession, *, actor: Actor, appointment_id: uuid.UUID
) -> tuple[Appointment, Desk, calendars.MoveReason | None]:
    """:func:`get`, audited as a read of a person's record (``appointment.read``), with why it is
    to be moved, if it is (:func:`app.calendars.service.move_reasons`)."""
    appointment, desk = await get(session, actor=actor, appointment_id=appointment_id)
    await audit.record(
        session,
        actor=actor,
        action="appointment.read",
        entity_type="appointment",
        entity_id=appointment.id,
        desk_id=desk.id,
    )
    moves = await calendars.move_reasons(session, [(appointment, desk)])
    return appointment, desk, moves.get(appointment.id)


def _require_booked(appointment: Appointment, wanted: str) -> None:
    allowed = TRANSITIONS.get(appointment.status, ())
    if wanted not in allowed:
        raise AppointmentTransitionNotAllowed(
            f"A {appointment.status} appointment cannot become {wanted}; allowed: {list(allowed)}.",
            detail_fr=f"Un rendez-vous {appointment.status} ne peut pas passer à {wanted} ; "
            f"autorisé : {list(allowed)}.",
            current_status=appointment.status,
            allowed=list(allowed),
        )


async def reschedule(
    session: AsyncSession,
    *,
    actor: Actor,
    appointment_id: uuid.UUID,
    if_match: str | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agent_id: uuid.UUID | None,
    purpose: str | None,
    horizon_days: int,
) -> tuple[Appointment, Desk]:
    """Move a booked appointment (``If-Match`` required: 428/412), checked like a new booking
    (``horizon_days``: how far ahead from the desk's today);
    ``RegistrantErased`` (409) when the person's file was anonymised (cancel it instead)."""
    appointment, desk = await get(session, actor=actor, appointment_id=appointment_id)
    await closed.hold_open(session, appointment.registrant_id)
    require_if_match(if_match, appointment.version)
    if appointment.status != "booked":
        raise AppointmentTransitionNotAllowed(
            f"Only a booked appointment can be rescheduled; this one is {appointment.status}.",
            detail_fr=f"Seul un rendez-vous réservé peut être déplacé ; celui-ci est {appointment.status}.",
            current_status=appointment.status,
            allowed=[],
        )
    if appointment.case_id is not None:  # a case closed or transferred since takes no new time
        cases.ensure_open(await cases.get_visible(session, actor=actor, case_id=appointment.case_id))
    agent_id = agent_id or appointment.agent_id
    await checks.lock_person(session, registrant_id=appointment.registrant_id)
    await checks.lock_agent(session, desk=desk, agent_id=agent_id)
    starts_at, ends_at = starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)
    await checks.check_slot(
        session,
        desk=desk,
        agent_id=agent_id,
        starts_at=starts_at,
        ends_at=ends_at,
        horizon_days=horizon_days,
        ignore=appointment.id,
    )
    await checks.check_person_free(
        session,
        desk=desk,
        registrant_id=appointment.registrant_id,
        starts_at=starts_at,
        ends_at=ends_at,
        ignore=appointment.id,
    )
    before = _snapshot(appointment)
    appointment.starts_at, appointment.ends_at, appointment.agent_id = starts_at, ends_at, agent_id
    if purpose is not None:
        appointment.purpose = purpose.strip() or None
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="appointment.reschedule",
        entity_type="appointment",
        entity_id=appointment.id,
        desk_id=desk.id,
        **_audited_changes(before, appointment),
    )
    await _case_event(session, actor=actor, appointment=appointment, kind="appointment_rescheduled")
    if (appointment.starts_at, appointment.ends_at) != (before["starts_at"], before["ends_at"]):
        # the person is told of a new time only: who receives them is the desk's business
        await notify.appointment_changed(session, actor=actor, appointment=appointment, change="rescheduled")
    return appointment, desk


async def transition(
    session: AsyncSession,
    *,
    actor: Actor,
    appointment_id: uuid.UUID,
    if_match: str | None,
    status: str,
    reason: str | None,
) -> tuple[Appointment, Desk, bool]:
    """Change the status: ``booked`` → ``kept`` | ``missed`` | ``cancelled``; the third value says
    whether a message to the person was queued (a cancellation, with their contact consent).

    ``kept`` (the person arrived) is accepted from ``EARLY_ARRIVAL`` (60 minutes) before the start,
    but never before midnight of the appointment's local day at the desk; ``missed`` only once the
    appointment has started; ``cancelled`` any time while booked.

    Raises ``AppointmentTransitionNotAllowed`` (409, naming the allowed statuses),
    ``AppointmentNotStarted`` (409, times in the desk's local time, e.g. "à 10 h 00") for kept
    too early or missed before the start, 428/412 through If-Match. When the person's file was
    anonymised, the status still changes but a ``reason`` (free text) is refused with
    ``RegistrantErased`` (409).
    """
    appointment, desk = await get(session, actor=actor, appointment_id=appointment_id)
    if reason and reason.strip():
        await closed.hold_open(session, appointment.registrant_id)
    require_if_match(if_match, appointment.version)
    _require_booked(appointment, status)
    now = utcnow()
    _require_started(appointment, desk, status, now)
    before = _snapshot(appointment)
    appointment.status = status
    appointment.status_reason = reason.strip() if reason and reason.strip() else None
    appointment.status_changed_at, appointment.status_changed_by = now, actor.user_id
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"appointment.{status}",
        entity_type="appointment",
        entity_id=appointment.id,
        desk_id=desk.id,
        **_audited_changes(before, appointment),
    )
    await _case_event(session, actor=actor, appointment=appointment, kind=f"appointment_{status}")
    told = await notify.appointment_changed(session, actor=actor, appointment=appointment, change=status)
    return appointment, desk, told is not None and told.status != "skipped"


# How early before its start an appointment may be marked kept (the person arrived early).
EARLY_ARRIVAL = dt.timedelta(minutes=60)


def earliest_arrival(desk: Desk, appointment: Appointment) -> dt.datetime:
    """When an arrival may first be recorded: ``EARLY_ARRIVAL`` before the start, not before local midnight.

    Aware datetime in the desk's zone. Both bounds are instants: 60 minutes of elapsed time before
    the start (across a change of the clock too: 03:30 the day Paris skips 02:00–03:00 is kept
    from 01:30), and the first instant of the start's local day at the desk.
    """
    start = appointment.starts_at.astimezone(dt.UTC)
    midnight, _ = calendars.local_day_bounds(desk, calendars.local_date(desk, start))
    return max(start - EARLY_ARRIVAL, midnight).astimezone(ZoneInfo(desk.time_zone))


def _clock(moment: dt.datetime, lang: str) -> str:
    """A desk-local time of day in words of the language: "10 h 00" (fr), "10:00" (en).

    In an hour the clock shows twice (it goes back) the offset follows: "2 h 30 (UTC+01:00)". Its
    spaces are no-break ones: a time is never parted over two lines.
    """
    words = f"{moment.hour:02d}:{moment.minute:02d}"
    if lang == "fr":
        words = f"{moment.hour}\u00a0h\u00a0{moment.minute:02d}"
    if moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset():
        offset = moment.strftime("%z")
        words += f"\u00a0(UTC{offset[:3]}:{offset[3:]})"
    return words


def _require_started(appointment: Appointment, desk: Desk, status: str, now: dt.datetime) -> None:
    """``AppointmentNotStarted`` when ``kept`` comes before ``earliest_arrival`` or ``missed`` before the start."""
    start, _ = local_times(desk, appointment)
    if status == "kept":
        earliest = earliest_arrival(desk, appointment)
        if now < earliest:
            raise AppointmentNotStarted(
                f"The appointment starts at {_clock(start, 'en')} (desk time); the person's arrival can be "
                f"recorded from {_clock(earliest, 'en')} that day.",
                detail_fr=f"Le rendez-vous commence à {_clock(start, 'fr')} (heure du guichet) ; l'arrivée de "
                f"la personne peut être enregistrée à partir de {_clock(earliest, 'fr')} ce jour-là.",
            )
    elif status == "missed" and now < appointment.starts_at:
        raise AppointmentNotStarted(
            f"The appointment starts at {_clock(start, 'en')} (desk time); it cannot be marked as a no-show "
            "before it has started.",
            detail_fr=f"Le rendez-vous commence à {_clock(start, 'fr')} (heure du guichet) ; la personne ne "
            "peut pas être marquée absente avant le début du rendez-vous.",
        )


@dataclass(frozen=True)
class ListFilters:
    """Filters of the appointment list; ``day`` is a local date of ``desk_id`` (which it needs)."""

    desk_id: uuid.UUID | None = None
    day: dt.date | None = None
    agent_id: uuid.UUID | None = None
    registrant_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    status: str | None = None


async def list_query(session: AsyncSession, *, actor: Actor, filters: ListFilters) -> Select[Appointment]:
    """The scoped, filtered select (unordered: the caller paginates by ``(starts_at, id)``).

    Raises ``NotFound`` for a desk the actor cannot see, ``ValidationFailed`` for ``day``
    without ``desk_id``.
    """
    stmt = select(Appointment)
    if actor.desk_ids is not None:
        stmt = stmt.where(Appointment.desk_id.in_(actor.desk_ids))
    if filters.day is not None and filters.desk_id is None:
        raise ValidationFailed(
            "A day is a desk's local date: choose the desk too.",
            detail_fr="Un jour se lit à l'heure d'un guichet : choisissez aussi le guichet.",
        )
    if filters.desk_id is not None:
        desk = await desks.get(session, actor=actor, desk_id=filters.desk_id)
        stmt = stmt.where(Appointment.desk_id == desk.id)
        if filters.day is not None:
            start, end = calendars.local_day_bounds(desk, filters.day)
            stmt = stmt.where(Appointment.starts_at >= start, Appointment.starts_at < end)
    for column, value in (
        (Appointment.agent_id, filters.agent_id),
        (Appointment.registrant_id, filters.registrant_id),
        (Appointment.case_id, filters.case_id),
        (Appointment.status, filters.status),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


async def desks_of(session: AsyncSession, appointments: Iterable[Appointment]) -> dict[uuid.UUID, Desk]:
    """``{desk_id: desk}`` for rendering a page of appointments in their desks' zones."""
    ids = {a.desk_id for a in appointments}
    if not ids:
        return {}
    rows = (await session.execute(select(Desk).where(Desk.id.in_(ids)))).scalars().all()
    return {d.id: d for d in rows}


async def _case_event(session: AsyncSession, *, actor: Actor, appointment: Appointment, kind: str) -> None:
    """Add ``kind`` (``appointment_booked``…) to the case's timeline when the appointment has a case.

    Details hold no free text (the purpose or a cancellation reason may be sensitive).
    """
    if appointment.case_id is None:
        return
    await timeline.add_event(
        session,
        case_id=appointment.case_id,
        kind=kind,
        actor=actor,
        details={
            "appointment_id": appointment.id,
            "agent_id": appointment.agent_id,
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
            "status": appointment.status,
        },
    )
