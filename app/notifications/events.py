"""The changes that notify the person concerned, called by the domain services in the same
transaction as the change (a rolled-back change queues nothing).

Each function queues at most one message through
:func:`app.notifications.outbox.enqueue_for_registrant` (consent, chosen channel and language
checked there) with a dedupe key naming the change, so the same change never notifies twice.
Contexts carry numbers, dates and labels — never a case's description, notes or sensitive fields:
a sensitive service type (``ServiceType.sensitive``) is named by a neutral label
(:data:`~app.notifications.templates.NEUTRAL_SERVICE_TYPE`, ``service_type_neutral`` set).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.cases.catalogue_data import document_label
from app.cases.models import Case, ServiceType
from app.core.context import Actor
from app.desks.models import Desk
from app.notifications import keys, outbox
from app.notifications.models import Notification
from app.notifications.outbox import desk_of, enqueue_for_registrant
from app.notifications.templates import NEUTRAL_SERVICE_TYPE
from app.registrants.models import Registrant

SILENT_STATUSES: Final = frozenset({"pending_closure"})
"""Case statuses the person is not told about: a closure waiting for a supervisor is internal."""


async def _registrant(session: AsyncSession, registrant_id: uuid.UUID) -> Registrant:
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None:  # the services only call with a registrant they just read or wrote
        raise LookupError(f"registrant {registrant_id} not found")
    return registrant


async def _desk_name(session: AsyncSession, desk_id: uuid.UUID) -> str:
    return (await desk_of(session, desk_id)).name


async def registration_received(
    session: AsyncSession, *, actor: Actor, registrant: Registrant, registered_now: bool = False
) -> Notification | None:
    """The registration receipt: the person's number at the desk. ``registered_now``: the
    registrant was created in this transaction with its phones and consents (flushed), read from
    it (:func:`~app.notifications.outbox.choose_route`)."""
    receipt = await _receipt(session, registrant)
    return await enqueue_for_registrant(session, **receipt, actor=actor, registered_now=registered_now)


async def registration_receipt(session: AsyncSession, *, registrant: Registrant) -> outbox.Planned:
    """The receipt of a registrant being created now (its phones and consents as they will be
    stored, ``registrant`` not yet written): decided as :func:`registration_received` decides it,
    not written. The registration inserts it, and its audit event, in its own statement
    (:func:`app.registrants.bulk.store_one`). Reads the desk from the session (the request loaded it)."""
    return await outbox.plan_for_registrant(session, **await _receipt(session, registrant), registered_now=True)


async def _receipt(session: AsyncSession, registrant: Registrant) -> dict[str, Any]:
    """The registration receipt of ``registrant``: its event, person, context and dedupe key."""
    return {
        "event": "registration_receipt",
        "registrant": registrant,
        "context": {
            "given_names": registrant.given_names,
            "registration_number": registrant.registration_number,
            "desk_name": await _desk_name(session, registrant.desk_id),
        },
        "dedupe_key": f"registration_receipt:{registrant.id}",
    }


async def _case_context(session: AsyncSession, case: Case) -> dict[str, object]:
    service_type = (
        await session.execute(select(ServiceType).where(ServiceType.id == case.service_type_id))
    ).scalar_one()
    context: dict[str, object] = {"case_number": case.case_number}
    if service_type.sensitive:  # a health, psychosocial, legal or emergency matter is never named
        neutral = NEUTRAL_SERVICE_TYPE
        context.update(service_type_fr=neutral["fr"], service_type_en=neutral["en"], service_type_neutral=True)
    else:
        context.update(service_type_fr=service_type.label_fr, service_type_en=service_type.label_en)
    return {**context, "desk_name": await _desk_name(session, case.desk_id)}


async def case_received(session: AsyncSession, *, actor: Actor, case: Case) -> Notification | None:
    """The request was received (a case was opened)."""
    return await enqueue_for_registrant(
        session,
        event="case_received",
        registrant=await _registrant(session, case.registrant_id),
        context=await _case_context(session, case),
        dedupe_key=keys.key("case_received", case.id),
        actor=actor,
    )


async def case_status_changed(session: AsyncSession, *, actor: Actor, case: Case) -> Notification | None:
    """The case moved to ``case.status`` (flushed: ``case.version`` is the new version)."""
    if case.status in SILENT_STATUSES:
        return None
    return await enqueue_for_registrant(
        session,
        event="case_status_changed",
        registrant=await _registrant(session, case.registrant_id),
        context={**await _case_context(session, case), "status": case.status},
        dedupe_key=keys.key("case_status", case.id, case.version, case.status),
        actor=actor,
    )


async def case_transferred(session: AsyncSession, *, actor: Actor, case: Case, target: Case) -> Notification | None:
    """``case`` was transferred (flushed, status ``transferred``) and goes on at another desk as
    ``target``: the person is told which desk and the new number, the one its messages will use."""
    return await enqueue_for_registrant(
        session,
        event="case_transferred",
        registrant=await _registrant(session, case.registrant_id),
        context={**await _case_context(session, case), **await _target_context(session, target)},
        dedupe_key=keys.key("case_status", case.id, case.version, case.status),
        actor=actor,
    )


async def _target_context(session: AsyncSession, target: Case) -> dict[str, object]:
    return {"to_desk_name": await _desk_name(session, target.desk_id), "target_case_number": target.case_number}


async def documents_missing(
    session: AsyncSession, *, actor: Actor, case: Case, documents: Sequence[str], request_id: uuid.UUID
) -> Notification | None:
    """The desk waits for ``documents`` (catalogue codes, shown by their label in the message's
    language, or labels as the agent wrote them) to handle the case."""
    labels = {f"documents_{lang}": [document_label(d, lang) for d in documents] for lang in ("fr", "en")}
    return await enqueue_for_registrant(
        session,
        event="documents_missing",
        registrant=await _registrant(session, case.registrant_id),
        context={**await _case_context(session, case), **labels},
        dedupe_key=keys.key("documents_missing", case.id, request_id),
        actor=actor,
    )


APPOINTMENT_EVENTS: Final = {
    "booked": "appointment_booked",
    "rescheduled": "appointment_changed",
    "cancelled": "appointment_cancelled",
}


async def appointment_changed(
    session: AsyncSession, *, actor: Actor, appointment: Appointment, change: str
) -> Notification | None:
    """``change``: ``booked``, ``rescheduled`` or ``cancelled`` (others — kept, missed — notify
    nothing). The time shown is the desk's local time."""
    event = APPOINTMENT_EVENTS.get(change)
    if event is None:
        return None
    return await enqueue_for_registrant(
        session,
        event=event,
        registrant=await _registrant(session, appointment.registrant_id),
        context={"starts_at": appointment.starts_at, "desk_name": await _desk_name(session, appointment.desk_id)},
        dedupe_key=keys.key("appointment", appointment.id, appointment.version, change),
        actor=actor,
    )


async def appointment_cancelled_by_transfer(
    session: AsyncSession, *, actor: Actor, appointment: Appointment, case: Case, target: Case, to_desk: Desk
) -> Notification | None:
    """``appointment`` (flushed, ``cancelled``) was cancelled because its case was transferred: the
    person is told why, and which desk (and case number) now handles the request."""
    return await enqueue_for_registrant(
        session,
        event="appointment_cancelled_transfer",
        registrant=await _registrant(session, appointment.registrant_id),
        context={
            "starts_at": appointment.starts_at,
            "desk_name": await _desk_name(session, appointment.desk_id),
            "case_number": case.case_number,
            "to_desk_name": to_desk.name,
            "target_case_number": target.case_number,
        },
        dedupe_key=keys.key("appointment", appointment.id, appointment.version, "cancelled"),
        actor=actor,
    )
