"""Free appointment slots of a desk for one agent: opening hours minus holidays, past times and
the agent's booked or kept appointments, in the desk's time zone.

A slot is ``duration`` long; slots start at the beginning of each opening span and follow each
other without gaps (``09:00``, ``09:30``… for 30 minutes), the last one ending at or before the
span's close. Wall times are local to the desk (``zoneinfo``): on a day the offset changes, the
UTC instants follow it. The same rules as a booking (:mod:`app.appointments.checks`) decide, so a
slot offered here is bookable unless someone takes it first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments import checks
from app.appointments.models import BLOCKING_STATUSES, Appointment
from app.calendars import service as calendars
from app.core.db import utcnow
from app.desks.models import Desk


@dataclass(frozen=True)
class Slot:
    """One free interval ``[starts_at, ends_at)``, aware, in the desk's zone."""

    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class DaySlots:
    """A local day of the desk: its holiday name (then no slot), its opening spans and free slots."""

    day: dt.date
    holiday: str | None = None
    opening_hours: list[tuple[dt.time, dt.time]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


def _candidates(desk: Desk, day: dt.date, duration: dt.timedelta) -> list[Slot]:
    zone = ZoneInfo(desk.time_zone)
    found: list[Slot] = []
    for opens, closes in calendars.opening_spans(desk, day):
        start = dt.datetime.combine(day, opens, tzinfo=zone)
        close = dt.datetime.combine(day, closes, tzinfo=zone)
        # Wall-clock steps: on an offset change the local times stay aligned to the opening hour.
        while start + duration <= close:
            found.append(Slot(start, start + duration))
            start += duration
    return found


async def free_slots(
    session: AsyncSession,
    *,
    desk: Desk,
    agent_id: uuid.UUID,
    start: dt.date,
    days: int,
    duration: dt.timedelta,
) -> list[DaySlots]:
    """The free slots of ``agent_id`` at ``desk`` on the local days ``start`` .. ``start + days - 1``.

    Raises ``AgentNotAtDesk`` (422) when the agent is not an active member of the desk (checked
    without locking: nothing is written).
    """
    await checks.agent_at_desk(session, desk=desk, agent_id=agent_id)
    end = start + dt.timedelta(days=days - 1)
    holidays = {h.day: h.name for h in await calendars.list_holidays(session, desk=desk, start=start, end=end)}
    first, _ = calendars.local_day_bounds(desk, start)
    _, last = calendars.local_day_bounds(desk, end)
    rows = await session.execute(
        select(Appointment.starts_at, Appointment.ends_at).where(
            Appointment.agent_id == agent_id,
            Appointment.status.in_(BLOCKING_STATUSES),
            Appointment.starts_at < last,
            Appointment.ends_at > first,
        )
    )
    busy = [(_aware(a), _aware(b)) for a, b in rows.all()]
    now = utcnow()
    result: list[DaySlots] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        out = DaySlots(day=day, holiday=holidays.get(day), opening_hours=calendars.opening_spans(desk, day))
        if out.holiday is None:
            out.slots = [
                s
                for s in _candidates(desk, day, duration)
                if s.starts_at > now and not any(a < s.ends_at and b > s.starts_at for a, b in busy)
            ]
        result.append(out)
    return result


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive UTC datetimes.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
