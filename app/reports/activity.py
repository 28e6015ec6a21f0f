"""Appointments kept and missed: appointments starting in the period (local dates of their desk).

Rows are one dimension (``month``, ``desk``, ``sex`` or ``age_band`` at the appointment date),
columns the appointment statuses (``booked`` — not yet marked —, ``kept``, ``missed``,
``cancelled``). ``notes`` give the visible attendance rates (kept ÷ (kept + missed)).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import STATUSES, Appointment
from app.registrants.models import Registrant
from app.reports.ages import UNKNOWN, AgeBands
from app.reports.errors import UnknownDimension
from app.reports.schemas import ReportOut
from app.reports.scope import Scope
from app.reports.statistics import _rows
from app.reports.tables import SEXES, Tally, share_notes

APPOINTMENT_DIMENSIONS = ("month", "desk", "sex", "age_band")


async def appointments(session: AsyncSession, *, scope: Scope, by: str, threshold: int, bands: AgeBands) -> ReportOut:
    """Appointments by ``by`` × status. Raises ``UnknownDimension``."""
    if by not in APPOINTMENT_DIMENSIONS:
        raise UnknownDimension(
            f"by is one of {', '.join(APPOINTMENT_DIMENSIONS)}.",
            detail_fr=f"Les rendez-vous se ventilent par : {', '.join(APPOINTMENT_DIMENSIONS)}.",
        )
    known = {
        "month": scope.months() if scope.start and scope.end else [],
        "desk": scope.codes,
        "sex": list(SEXES),
        "age_band": bands.labels,
    }[by]
    tally = Tally(by, "status", rows=known, columns=STATUSES)
    codes = {d.id: d.code for d in scope.desks}
    stmt = (
        select(Appointment.desk_id, Appointment.starts_at, Appointment.status, Registrant.sex, Registrant.date_of_birth)
        .join(Registrant, Registrant.id == Appointment.registrant_id)
        .where(scope.instant_filter(Appointment.desk_id, Appointment.starts_at))
    )
    async for desk_id, starts_at, status, sex, dob in _rows(session, stmt):
        day = scope.local_date(desk_id, starts_at)
        label = {
            "month": f"{day:%Y-%m}",
            "desk": codes[desk_id],
            "sex": sex if sex in SEXES else UNKNOWN,
            "age_band": bands.band(dob, day) if by == "age_band" else UNKNOWN,
        }[by]
        tally.add(label, status)
    table = tally.table("appointments", threshold)
    notes = share_notes(table, "kept", "missed", "of appointments kept")
    return ReportOut(
        report="appointments",
        start=scope.start,
        end=scope.end,
        desks=scope.codes,
        suppression_threshold=threshold,
        tables=[table],
        notes=notes,
    )
