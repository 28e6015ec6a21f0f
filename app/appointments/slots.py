"""Free appointment slots of a desk for one agent: opening hours minus holidays, past times and
the agent's booked or kept appointments, in the desk's time zone.

A slot is ``duration`` of elapsed time; slots start at the beginning of each interval the desk is
open (:func:`app.calendars.service.open_intervals`: an opening span laid on the UTC timeline) and
follow each other without gaps (``09:00``, ``09:30``… for 30 minutes), the last one ending at or
before the close. On a day the desk's clock changes, the skipped hour has no slot and a repeated
hour inside a span has its slots twice, with each offset (``02:00+02:00`` then ``02:00+01:00``).
The same rules as a booking (:mod:`app.appointments.checks`, the same open intervals) decide, so a
slot offered here is bookable, exactly as offered, unless someone takes it first.
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
    """One free interval ``[starts_at, ends_at)``, aware, in the desk's zone (``fold`` set on a
    repeated hour, so ``isoformat()`` gives the offset then in force)."""

    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class DaySlots:
    """A local day of the desk: its holiday name (then no slot), its opening spans and free slots."""

    day: dt.date
    holiday: str | None = None
    opening_hours: list[tuple[dt.time, dt.time | None]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


def _candidates(desk: Desk, day: dt.date, duration: dt.timedelta) -> list[Slot]:
    zone = ZoneInfo(desk.time_zone)
    found: list[Slot] = []
    for opens, closes in calendars.open_intervals(desk, day):
        start = opens  # UTC: adding a duration adds elapsed time, whatever the clock does
        while start + duration <= closes:
            found.append(Slot(start.astimezone(zone), (start + duration).astimezone(zone)))
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
    horizon_days: int,
) -> list[DaySlots]:
    """The free slots of ``agent_id`` at ``desk`` on the local days ``start`` .. ``start + days - 1``.

    Raises ``ValidationFailed`` (422 ``date_range``) when a day asked is outside the dates an
    appointment may fall on (:data:`app.calendars.rules.FIRST_DAY` .. ``LAST_DAY``), and
    ``AgentNotAtDesk`` (422) when the agent is not an active member of the desk (checked without
    locking: nothing is written), ``BeyondBookingHorizon`` (422) when ``start`` is more than
    ``horizon_days`` after the desk's today; the days after that offer no slot.
    """
    calendars.require_calendar_days(start, days, loc=["query", "start"], days_loc=["query", "days"])
    checks.require_within_horizon(desk, start, horizon_days=horizon_days, loc=["query", "start"])
    last_day = checks.last_bookable_day(desk, horizon_days=horizon_days)
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
        if out.holiday is None and day <= last_day:
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
