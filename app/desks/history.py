"""What a desk already holds that its time zone dates: registrations, cases, appointments.

A report, a human number's year, an SLA due date and an appointment's local time read a stored UTC
instant in the desk's current zone; a new zone moves some of them to another local date. The
desk service asks here before letting the zone change (``DeskTimeZoneInUse``, 409).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.cases.models import Case
from app.core.db import utcnow
from app.registrants.models import Registrant


async def dated_records(session: AsyncSession, *, desk_id: uuid.UUID) -> dict[str, int]:
    """``{"registrants": n, "cases": n, "appointments": n, "future_appointments": n}`` at the desk:
    ``future_appointments`` counts those still ``booked`` from now on (each keeps its instant in UTC;
    its local time changes with the zone)."""
    counts: dict[str, int] = {}
    model: Any
    for name, model in (("registrants", Registrant), ("cases", Case), ("appointments", Appointment)):
        counts[name] = (await session.execute(select(func.count()).where(model.desk_id == desk_id))).scalar_one()
    future = select(func.count()).where(
        Appointment.desk_id == desk_id, Appointment.status == "booked", Appointment.starts_at >= utcnow()
    )
    counts["future_appointments"] = (await session.execute(future)).scalar_one()
    return counts
