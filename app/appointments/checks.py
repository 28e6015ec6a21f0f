"""The booking rules of an appointment, each refused with its own problem type (nothing written).

Checked in this order by :mod:`app.appointments.service` for a booking or a reschedule:
the subject (case or registrant; a case open and still the desk's), the person (locked), the
agent (locked), then the time: local dates within 2000–2100, end after start, in the future, not
on a desk holiday, inside one opening span (on the UTC timeline:
:func:`app.calendars.service.open_intervals`), no overlap with the agent's other booked or kept
appointments, then none with the person's (:func:`check_person_free`: one person is not in two
places at once, whoever books).

Concurrency: :func:`lock_person` and :func:`lock_agent` lock the registrant's and the agent's rows,
in that order (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL, which does not block other writers'
foreign-key checks) before the overlaps are looked for, so two bookings of one person or of one
agent are serialised and the second sees the first. On SQLite every transaction starts with
``BEGIN IMMEDIATE`` (``app.core.db``), which serialises writers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.errors import (
    AgentDoubleBooked,
    AgentNotAtDesk,
    AppointmentEndsBeforeStart,
    AppointmentInPast,
    BeyondBookingHorizon,
    CaseAtOtherDesk,
    DeskClosedForHoliday,
    OutsideOpeningHours,
    RegistrantDoubleBooked,
    UnknownCase,
)
from app.appointments.models import BLOCKING_STATUSES, Appointment
from app.auth.models import DeskMembership, StaffUser
from app.calendars import service as calendars
from app.cases import service as cases
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import date_fr, unbroken
from app.desks.models import Desk
from app.registrants.models import Registrant


@dataclass(frozen=True)
class Subject:
    """Whom an appointment is for."""

    registrant_id: uuid.UUID
    case_id: uuid.UUID | None


async def resolve_subject(
    session: AsyncSession, *, actor: Actor, desk: Desk, case_id: uuid.UUID | None, registrant_id: uuid.UUID | None
) -> Subject:
    if case_id is not None:
        try:
            case = await cases.get_visible(session, actor=actor, case_id=case_id, for_write=True)
        except NotFound as exc:
            raise UnknownCase(f"No case {case_id}.", detail_fr=f"Aucun dossier {case_id}.") from exc
        if case.desk_id != desk.id:
            raise CaseAtOtherDesk(
                f"Case {case.case_number} belongs to another desk.",
                detail_fr=f"Le dossier {case.case_number} relève d'un autre guichet.",
            )
        cases.ensure_open(case)
        if registrant_id is not None and registrant_id != case.registrant_id:
            raise ValidationFailed(
                "The person given is not the case's registrant.",
                detail_fr="La personne indiquée n'est pas celle du dossier.",
            )
        return Subject(registrant_id=case.registrant_id, case_id=case.id)
    assert registrant_id is not None
    registrant = await cases.visible_registrant(session, actor=actor, registrant_id=registrant_id, for_write=True)
    return Subject(registrant_id=registrant.id, case_id=None)


async def lock_person(session: AsyncSession, *, registrant_id: uuid.UUID) -> None:
    """Lock the registrant's row until the transaction ends (before :func:`lock_agent`, always in
    this order), so that :func:`check_person_free` sees the person's bookings made meanwhile."""
    await session.execute(select(Registrant.id).where(Registrant.id == registrant_id).with_for_update(key_share=True))


def span_at_desk_fr(desk: Desk, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """An appointment's span in French, in ``desk``'s local time (the time its staff and the
    person read on the desk's clock): ``le 7 décembre 2026 de 10:00 à 10:30 (heure du guichet)``,
    or ``du 7 décembre 2026 à 23:30 au 8 décembre 2026 à 00:30 (heure du guichet)`` across midnight."""
    zone = ZoneInfo(desk.time_zone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.date() == end.date():
        return unbroken(f"le {date_fr(start.date())} de {start:%H:%M} à {end:%H:%M} (heure du guichet)")
    return unbroken(
        f"du {date_fr(start.date())} à {start:%H:%M} au {date_fr(end.date())} à {end:%H:%M} (heure du guichet)"
    )


async def check_person_free(
    session: AsyncSession,
    *,
    desk: Desk,
    registrant_id: uuid.UUID,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    ignore: uuid.UUID | None = None,
) -> None:
    """``RegistrantDoubleBooked`` (409) when the person has a booked or kept appointment (at any
    desk, with anyone) overlapping ``starts_at``–``ends_at`` (UTC), other than ``ignore``; its
    French detail says the clash in ``desk``'s local time (the desk booking)."""
    clash = await _overlap(session, Appointment.registrant_id == registrant_id, starts_at, ends_at, ignore)
    if clash is not None:
        raise RegistrantDoubleBooked(
            f"The person already has appointment {clash.id} from {clash.starts_at.isoformat()} "
            f"to {clash.ends_at.isoformat()} (UTC).",
            detail_fr="La personne a déjà un rendez-vous à ce moment-là : "
            f"{span_at_desk_fr(desk, clash.starts_at, clash.ends_at)}.",
            conflicting_appointment_id=str(clash.id),
        )


async def _overlap(
    session: AsyncSession,
    whose: ColumnElement[bool],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    ignore: uuid.UUID | None,
) -> Row[uuid.UUID, dt.datetime, dt.datetime] | None:
    """One booked or kept appointment matching ``whose`` (an agent's, a person's) that overlaps
    ``starts_at``–``ends_at`` (UTC; touching ends do not overlap), other than ``ignore``."""
    stmt = select(Appointment.id, Appointment.starts_at, Appointment.ends_at).where(
        whose,
        Appointment.status.in_(BLOCKING_STATUSES),
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )
    if ignore is not None:
        stmt = stmt.where(Appointment.id != ignore)
    return (await session.execute(stmt.limit(1))).first()


async def lock_agent(session: AsyncSession, *, desk: Desk, agent_id: uuid.UUID) -> StaffUser:
    """The agent, row-locked until the transaction ends; ``AgentNotAtDesk`` unless an active member."""
    return await agent_at_desk(session, desk=desk, agent_id=agent_id, lock=True)


async def agent_at_desk(session: AsyncSession, *, desk: Desk, agent_id: uuid.UUID, lock: bool = False) -> StaffUser:
    """The agent if an active, non-auditor member of ``desk`` (row-locked with ``lock``);
    ``AgentNotAtDesk`` (422) otherwise."""
    stmt = select(StaffUser).where(StaffUser.id == agent_id)
    agent = (await session.execute(stmt.with_for_update(key_share=True) if lock else stmt)).scalar_one_or_none()
    member = (
        await session.execute(
            select(DeskMembership.user_id).where(DeskMembership.user_id == agent_id, DeskMembership.desk_id == desk.id)
        )
    ).first()
    if agent is None or not agent.is_active or agent.role == "auditor" or member is None:
        raise AgentNotAtDesk(
            f"Staff user {agent_id} is not an active agent of desk {desk.code}.",
            detail_fr=f"L'utilisateur {agent_id} n'est pas un agent actif du guichet {desk.code}.",
        )
    return agent


def last_bookable_day(desk: Desk, *, horizon_days: int) -> dt.date:
    """The last local date of ``desk`` an appointment may fall on: its today plus ``horizon_days``."""
    return calendars.local_date(desk, utcnow()) + dt.timedelta(days=horizon_days)


def require_within_horizon(desk: Desk, day: dt.date, *, horizon_days: int, loc: list[str]) -> None:
    """``BeyondBookingHorizon`` (422, ``last_bookable_day``, the error at ``loc``) when the local
    date ``day`` is after :func:`last_bookable_day`: appointments are taken within the horizon."""
    last = last_bookable_day(desk, horizon_days=horizon_days)
    if day <= last:
        return
    en = (
        f"Appointments are taken at most {horizon_days} days ahead, until {last.isoformat()}: "
        f"{day.isoformat()} is too far."
    )
    raise BeyondBookingHorizon(
        en,
        detail_fr=f"Les rendez-vous se prennent au plus {horizon_days}\u00a0jours à l'avance, "
        f"jusqu'au {date_fr(last)} : le {date_fr(day)} est trop loin.",
        last_bookable_day=last.isoformat(),
        errors=[{"loc": loc, "msg": en, "type": "beyond_booking_horizon"}],
    )


async def check_slot(
    session: AsyncSession,
    *,
    desk: Desk,
    agent_id: uuid.UUID,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    horizon_days: int,
    ignore: uuid.UUID | None = None,
) -> None:
    """Time rules in order: both on a local date of the desk in 2000–2100 (422 ``date_range``, the
    field named), end after start, future, within ``horizon_days`` of the desk's today (422
    ``beyond-booking-horizon``), holiday, opening hours; then the overlap.

    Opening hours are the desk's open intervals on the UTC timeline
    (:func:`app.calendars.service.within_opening_hours`), the very intervals free slots are cut
    from: ``ends_at - starts_at`` is the elapsed time, whatever the clock does in between.
    """
    calendars.require_calendar_moment(desk, starts_at, loc=["body", "starts_at"])
    calendars.require_calendar_moment(desk, ends_at, loc=["body", "ends_at"])
    if ends_at <= starts_at:
        raise AppointmentEndsBeforeStart(
            "The appointment must end after it starts.", detail_fr="Le rendez-vous doit finir après son début."
        )
    if starts_at <= utcnow():
        raise AppointmentInPast(
            "An appointment cannot start in the past.", detail_fr="Un rendez-vous ne peut pas commencer dans le passé."
        )
    day = calendars.local_date(desk, starts_at)
    require_within_horizon(desk, day, horizon_days=horizon_days, loc=["body", "starts_at"])
    holidays = await calendars.list_holidays(session, desk=desk, start=day, end=day)
    if holidays:
        raise DeskClosedForHoliday(
            f"{desk.code} is closed on {day.isoformat()} ({holidays[0].name}).",
            detail_fr=f"Le guichet est fermé le {date_fr(day)} ({holidays[0].name}).",
            day=day.isoformat(),
        )
    if not calendars.within_opening_hours(desk, starts_at, ends_at):
        spans = [calendars.span_text(a, b) for a, b in calendars.opening_spans(desk, day)]
        raise OutsideOpeningHours(
            f"{desk.code} opening hours on {day.isoformat()} ({desk.time_zone}): {spans or 'closed'}.",
            detail_fr=f"Heures d'ouverture du guichet le {date_fr(day)} (heure du guichet) : "
            f"{', '.join(f'{a} – {b}' for a, b in spans) or 'fermé'}.",
            opening_hours=spans,
        )
    clash = await _overlap(session, Appointment.agent_id == agent_id, starts_at, ends_at, ignore)
    if clash is not None:
        raise AgentDoubleBooked(
            f"The agent already has appointment {clash.id} from {clash.starts_at.isoformat()} "
            f"to {clash.ends_at.isoformat()} (UTC).",
            detail_fr="L'agent a déjà un rendez-vous à ce moment-là : "
            f"{span_at_desk_fr(desk, clash.starts_at, clash.ends_at)}.",
            conflicting_appointment_id=str(clash.id),
        )
