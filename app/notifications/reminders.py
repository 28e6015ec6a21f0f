"""The day-before appointment reminder, a periodic job (:mod:`app.notifications.scheduler`).

Each run looks, desk by desk, at the appointments still ``booked`` that start tomorrow in the
desk's own time zone, and queues one ``appointment_reminder`` per appointment and start time
(dedupe key ``appointment_reminder:<id>:<start>``: a run repeated, or two workers, queue it once;
a rescheduled appointment gets a reminder for its new time). The message is held until
``REMINDER_LOCAL_HOUR`` of the desk's day (09:00 by default), not sent at midnight.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.core.config import Settings
from app.desks.models import Desk
from app.notifications import keys
from app.notifications.outbox import enqueue_for_registrant
from app.notifications.scheduler import PeriodicJob, register
from app.registrants.models import Registrant


async def queue_reminders(session: AsyncSession, settings: Settings, now: dt.datetime) -> str:
    """Queue tomorrow's reminders for every active desk; returns ``"queued N"``."""
    queued = 0
    for desk in (await session.execute(select(Desk).where(Desk.is_active.is_(True)))).scalars().all():
        zone = ZoneInfo(desk.time_zone)
        today = now.astimezone(zone).date()
        tomorrow = today + dt.timedelta(days=1)
        start = dt.datetime.combine(tomorrow, dt.time(0), zone).astimezone(dt.UTC)
        end = dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
        send_from = dt.datetime.combine(today, dt.time(settings.reminder_local_hour), zone).astimezone(dt.UTC)
        rows = await session.execute(
            select(Appointment, Registrant)
            .join(Registrant, Registrant.id == Appointment.registrant_id)
            .where(
                Appointment.desk_id == desk.id,
                Appointment.status == "booked",
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at)
        )
        for appointment, registrant in rows.all():
            row = await enqueue_for_registrant(
                session,
                event="appointment_reminder",
                registrant=registrant,
                context={"starts_at": appointment.starts_at, "desk_name": desk.name},
                dedupe_key=keys.key("appointment_reminder", appointment.id, appointment.starts_at.isoformat()),
                not_before=max(send_from, now),
            )
            queued += row is not None
    return f"queued {queued}"


register(PeriodicJob("appointment_reminders", lambda s: s.reminder_interval_seconds, queue_reminders))
