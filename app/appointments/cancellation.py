"""Appointments cancelled because their case left the desk (a transfer, :mod:`app.cases.transfers`).

The sending desk no longer handles the case: an appointment still booked there would remind the
person of a meeting in the wrong city. Each booked appointment of the case that has not started
is cancelled in the transfer's transaction, like a cancellation by staff (status ``cancelled``,
audited ``appointment.cancelled``, ``appointment_cancelled`` on the case's timeline) with the
transfer as its reason, and the person is told why and where to turn now
(``appointment_cancelled_transfer``: the receiving desk and the new case number).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.appointments.service import _audited_changes, _case_event, _snapshot
from app.audit import service as audit
from app.cases.models import Case
from app.core.context import Actor
from app.desks.models import Desk
from app.notifications import events as notify


async def cancel_for_transfer(
    session: AsyncSession,
    *,
    actor: Actor,
    case: Case,
    target: Case,
    to_desk: Desk,
    transfer_id: uuid.UUID,
    now: dt.datetime,
) -> list[Appointment]:
    """Cancel the appointments of ``case`` still ``booked`` that start after ``now`` (the case was
    transferred to ``to_desk``, where it is ``target``); returns them. One that has started stays
    booked: the desk records whether the person came."""
    stmt = (
        select(Appointment)
        .where(Appointment.case_id == case.id, Appointment.status == "booked", Appointment.starts_at > now)
        .order_by(Appointment.starts_at, Appointment.id)
        .with_for_update()
    )
    cancelled = list((await session.execute(stmt)).scalars())
    for appointment in cancelled:
        before = _snapshot(appointment)
        appointment.status = "cancelled"
        appointment.status_reason = f"Dossier transféré au guichet {to_desk.code} ({target.case_number})"
        appointment.status_changed_at, appointment.status_changed_by = now, actor.user_id
        await session.flush()
        changes = _audited_changes(before, appointment)
        await audit.record(
            session,
            actor=actor,
            action="appointment.cancelled",
            entity_type="appointment",
            entity_id=appointment.id,
            desk_id=appointment.desk_id,
            details={**changes["details"], "transfer_id": transfer_id},
            personal=changes["personal"],
            subject_id=changes["subject_id"],
        )
        await _case_event(session, actor=actor, appointment=appointment, kind="appointment_cancelled")
        await notify.appointment_cancelled_by_transfer(
            session, actor=actor, appointment=appointment, case=case, target=target, to_desk=to_desk
        )
    return cancelled
