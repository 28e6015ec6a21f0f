"""Appointments cancelled by the desk's own doing rather than one by one.

* **Their case left the desk** (a transfer, :mod:`app.cases.transfers`): the sending desk no
  longer handles the case, and an appointment still booked there would remind the person of a
  meeting in the wrong city. Each booked appointment of the case that has not started is cancelled
  in the transfer's transaction with the transfer as its reason, and the person is told why and
  where to turn now (``appointment_cancelled_transfer``: the receiving desk and the new case number).
* **The person's file is erased** (:mod:`app.privacy.erasure`): nobody is left to receive, and the
  slot would stay taken. Each booked appointment of the file that has not started, at any desk, is
  cancelled in the erasure's transaction, without a reason (it would be text about the person) and
  without a message (their contact data is being erased).

Either way each is cancelled like a cancellation by staff: status ``cancelled`` (the agent's time
is free again), audited ``appointment.cancelled`` at the appointment's desk, and
``appointment_cancelled`` on the case's timeline. One that has started stays booked: the desk
records whether the person came.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.appointments.service import _audited_changes, _case_event, _snapshot
from app.audit import service as audit
from app.cases.models import Case
from app.core.context import Actor
from app.desks.models import Desk
from app.notifications import events as notify


async def _cancel(
    session: AsyncSession, *, actor: Actor, appointment: Appointment, reason: str | None, now: dt.datetime,
    details: dict[str, Any],
) -> None:  # fmt: skip
    """Cancel ``appointment`` (locked, booked) as staff would, audited with ``details`` added."""
    before = _snapshot(appointment)
    appointment.status = "cancelled"
    appointment.status_reason = reason
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
        details={**changes["details"], **details},
        personal=changes["personal"],
        subject_id=changes["subject_id"],
    )
    await _case_event(session, actor=actor, appointment=appointment, kind="appointment_cancelled")


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
        reason = f"Dossier transféré au guichet {to_desk.code} ({target.case_number})"
        await _cancel(
            session, actor=actor, appointment=appointment, reason=reason, now=now, details={"transfer_id": transfer_id}
        )
        await notify.appointment_cancelled_by_transfer(
            session, actor=actor, appointment=appointment, case=case, target=target, to_desk=to_desk
        )
    return cancelled


async def cancel_for_erasure(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    now: dt.datetime,
    trigger: str,
    subject_request_id: uuid.UUID | None,
) -> int:
    """Cancel the appointments of ``registrant_id`` still ``booked`` that start after ``now``, at
    every desk (the file is being erased: ``trigger`` ``request`` or ``retention``, with its
    ``subject_request_id``); no reason, no message to the person. Returns how many."""
    stmt = (
        select(Appointment)
        .where(Appointment.registrant_id == registrant_id, Appointment.status == "booked", Appointment.starts_at > now)
        .order_by(Appointment.starts_at, Appointment.id)
        .with_for_update()
    )
    cancelled = list((await session.execute(stmt)).scalars())
    details = {"erasure": {"trigger": trigger, "subject_request_id": subject_request_id}}
    for appointment in cancelled:
        await _cancel(session, actor=actor, appointment=appointment, reason=None, now=now, details=details)
    return len(cancelled)
