"""Transfer of a case between desks (Casablanca → Dakar mobility desk and back).

Decision: the case is **not moved**. The receiving desk gets a **new case** (its own number,
status ``received``, unassigned, due date from its own calendar) pointing back with
``transferred_from_case_id``; the sending case becomes ``transferred``, a read-only trace the
sending desk keeps (no notes, referrals, assignment or edits; no reopening).

The receiving desk also needs the registrant: it reuses the record it already holds for that
person (the one this record was copied from, or a copy made by an earlier transfer), or gets a
copy of **every field the transfer purposes cover** (law 2008-12 / 09-08: send the minimum, i.e.
what the person was told a transfer carries). The purposes ``transfer_to_senegal`` and
``desk_transfer`` cover the categories ``identity`` and ``contact``
(:data:`app.privacy.purposes.PURPOSES`); which field is in which category is
:data:`app.privacy.purposes.REGISTRANT_FIELD_CATEGORIES`, so the copy carries
:data:`REGISTRANT_FIELDS_SENT` (names as written, Arabic-script name included, sex, birth,
nationality, origin, languages, status category, occupation, arrival date, e-mail and where the
person lives: host country, city and region), **every phone** as stored (unverified numbers too,
with the number as typed) and the consents in force (:mod:`app.cases.transfer_copy`). The
registers list these fields in words a person understands: the search keys and birth year the
receiving desk computes again are copied, never listed as sent.

Of the case, the receiving desk always gets what the request is and how to serve the person
(:data:`CASE_FIELDS_SENT`: service type, channel, priority, language, interpreter). The case's
free text and sensitive flags (:data:`CASE_FIELDS_SENSITIVE`: description, vulnerability flags —
detention, pregnancy, health —, the reason of a due date set by hand) are no identity or contact
data, so no transfer consent covers them: they travel only on another legal basis
(``vital_interest``, ``legal_obligation``: a supervisor's justified decision about an emergency
they describe), and are otherwise named in ``fields_withheld`` for the receiving desk to ask the
person. The registers list every case field sent (``case.priority``…).

Due date: recomputed from the receiving desk's calendar, unless staff set it by hand on the
sending case (a ``due_date_changed`` event): that date is kept, the person does not lose the
time granted, and the new case's timeline says so (``due_date_changed``, ``kept_from``).

Appointments of the case still booked at the sending desk are cancelled and the person told why
(:mod:`app.appointments.cancellation`); the transition tells them the new desk and case number.

Never copied, because no transfer purpose covers them: identity documents (category ``identity
documents``: the notice given for a transfer does not name them; the receiving desk records the
documents the person shows it), residence/legal status (``residence status``, sensitive data) and
the desk's free-text notes (``case``: working notes that may hold anything, health or legal status
included). Those of them the sending file holds are named (never their values) in the transfer's
audit event, in the ``transferred_in`` event of the new case and in the ``transferred_out`` event
of the sending case (``fields_withheld``), so the receiving desk knows to ask for them rather than
finding them silently missing, and the sending desk knows what it kept. The copy is
numbered in its own series (``DKR-2026-T-000001``) so it never collides with registration numbers
issued by the registrants domain; ``source = "transfer"`` and ``source_ref`` = the sending
record's id.

Legal basis: the registrant's consent in force for a transfer purpose (``transfer_to_senegal`` or
``desk_transfer`` towards a Senegalese desk, ``desk_transfer`` otherwise), checked by the one
consent rule of :func:`app.privacy.service.authorise` (or another legal basis, for supervisors and
administrators, justified in ``legal_basis_note``), recorded with the consent id in the transfer
register (:class:`~app.cases.models.CaseTransfer`) and the register of disclosures.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.cancellation import cancel_for_transfer
from app.audit import service as audit
from app.calendars.service import local_date
from app.cases.errors import InvalidTransferTarget
from app.cases.models import Case, CaseEvent, CaseTransfer, ServiceType
from app.cases.service import next_case_number, sla_due_date
from app.cases.timeline import add_event
from app.cases.transfer_copy import REGISTRANT_FIELDS_LISTED, registrant_at, withheld
from app.cases.workflow import TRANSFER_PURPOSES_ANY, TRANSFER_PURPOSES_TO_SENEGAL
from app.core.context import Actor
from app.core.db import utcnow
from app.core.ids import new_id
from app.desks import service as desks
from app.desks.models import Desk
from app.privacy import service as privacy
from app.registrants.models import Registrant

CASE_FIELDS_SENT: Final = ("service_type", "channel", "priority", "language", "interpreter_used")
"""Fields of the case every transfer carries: what the request is, how to serve the person."""
CASE_FIELDS_SENSITIVE: Final = ("description", "vulnerability_flags", "due_date_reason")
"""Fields of the case a transfer carries only on a legal basis other than consent (module docstring)."""


async def transfer(
    session: AsyncSession,
    *,
    actor: Actor,
    case: Case,
    service_type: ServiceType,
    to_desk_code: str,
    consent_id: int | None,
    legal_basis_note: str | None,
    legal_basis: str = "consent",
) -> CaseTransfer:
    """Open the case at the receiving desk, write the transfer register entry and cancel the
    case's appointments still to come at the sending desk.

    The caller sets the sending case's status. Raises ``UnknownDesk``/``InvalidTransferTarget``
    (422), ``ConsentRequired`` (409) and the other problems of :func:`app.privacy.service.authorise`.
    """
    to_desk = await desks.get_by_code(session, code=to_desk_code, field="to_desk")
    if to_desk.id == case.desk_id or not to_desk.is_active:
        raise InvalidTransferTarget(
            "The receiving desk must be another, active desk.",
            detail_fr="Le guichet destinataire doit être un autre guichet, actif.",
        )
    from_desk = (await session.execute(select(Desk).where(Desk.id == case.desk_id))).scalar_one()
    registrant = (await session.execute(select(Registrant).where(Registrant.id == case.registrant_id))).scalar_one()
    purposes = TRANSFER_PURPOSES_TO_SENEGAL if to_desk.country == "SN" else TRANSFER_PURPOSES_ANY
    now = utcnow()
    basis = await privacy.authorise(
        session,
        actor=actor,
        registrant_id=registrant.id,
        purpose=purposes,
        at=now,
        legal_basis=legal_basis,
        justification=legal_basis_note,
        consent_id=consent_id,
        justification_field="legal_basis_note",
    )
    sensitive = basis.legal_basis != "consent"  # module docstring: no transfer consent covers them
    opened_on = local_date(to_desk, now)
    # Lock order as in case creation: number counters first, the audit chain head last.
    case_number = await next_case_number(session, desk=to_desk, year=opened_on.year)
    target_registrant, copied = await registrant_at(session, actor=actor, registrant=registrant, desk=to_desk)
    fields_withheld = await withheld(session, registrant) if copied else []
    computed_due = await sla_due_date(session, desk=to_desk, opened_on=opened_on, service_type=service_type)
    set_by_hand = await _due_date_set_by_hand(session, case)
    new_case = Case(
        id=new_id(),
        case_number=case_number,
        desk_id=to_desk.id,
        registrant_id=target_registrant.id,
        service_type_id=case.service_type_id,
        channel=case.channel,
        priority=case.priority,
        vulnerability_flags=list(case.vulnerability_flags) if sensitive else [],
        description=case.description if sensitive else "",
        language=case.language,
        interpreter_used=case.interpreter_used,
        status="received",
        opened_on=opened_on,
        due_date=case.due_date if set_by_hand is not None else computed_due,
        transferred_from_case_id=case.id,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(new_case)
    await session.flush()
    case.transferred_to_case_id = new_case.id
    held = {
        "description": bool(case.description),
        "vulnerability_flags": bool(case.vulnerability_flags),
        "due_date_reason": bool(set_by_hand and set_by_hand.details.get("reason")),
    }
    case_sent = [*CASE_FIELDS_SENT, *(f for f in CASE_FIELDS_SENSITIVE if sensitive and held[f])]
    fields_withheld += [f"case.{f}" for f in CASE_FIELDS_SENSITIVE if not sensitive and held[f]]
    fields_sent = [*(REGISTRANT_FIELDS_LISTED if copied else ()), *(f"case.{f}" for f in case_sent)]
    record = CaseTransfer(
        id=new_id(),
        source_case_id=case.id,
        target_case_id=new_case.id,
        from_desk_id=from_desk.id,
        to_desk_id=to_desk.id,
        source_registrant_id=registrant.id,
        target_registrant_id=target_registrant.id,
        consent_id=basis.consent_id,
        legal_basis=basis.legal_basis,
        legal_basis_note=legal_basis_note,
        fields_sent=fields_sent,
        transferred_at=now,
        transferred_by=actor.user_id,
    )
    session.add(record)
    await session.flush()
    await privacy.record_disclosure(
        session,
        actor=actor,
        registrant_id=registrant.id,
        desk_id=from_desk.id,
        kind="transfer",
        basis=basis,
        recipient_type="desk",
        recipient_id=to_desk.id,
        recipient_name=to_desk.code,
        entity_type="case_transfer",
        entity_id=record.id,
        fields=fields_sent,
        at=now,
    )
    basis_details = {"legal_basis": basis.legal_basis, "consent_id": basis.consent_id, "consent_purpose": basis.purpose}
    await add_event(
        session,
        case_id=new_case.id,
        kind="transferred_in",
        actor=actor,
        details={
            "from_desk": from_desk.code,
            "source_case_number": case.case_number,
            "transfer_id": record.id,
            "fields_withheld": fields_withheld,
            "due_date": new_case.due_date,
            **basis_details,
        },
    )
    if set_by_hand is not None:
        reason = set_by_hand.details.get("reason") if sensitive else None
        await add_event(
            session,
            case_id=new_case.id,
            kind="due_date_changed",
            actor=actor,
            details={"from": computed_due, "to": new_case.due_date, "reason": reason, "kept_from": case.case_number},
        )
    await add_event(
        session,
        case_id=case.id,
        kind="transferred_out",
        actor=actor,
        details={
            "to_desk": to_desk.code,
            "target_case_number": new_case.case_number,
            "transfer_id": record.id,
            "fields_withheld": fields_withheld,
            **basis_details,
        },
    )
    await audit.record(
        session,
        actor=actor,
        action="case.transfer",
        entity_type="case",
        entity_id=case.id,
        desk_id=from_desk.id,
        details={
            "transfer_id": record.id,
            "to_desk": to_desk.code,
            "target_case_id": new_case.id,
            "target_case_number": new_case.case_number,
            "target_registrant_id": target_registrant.id,
            "registrant_copied": copied,
            "fields_sent": fields_sent,
            "fields_withheld": fields_withheld,
            **basis_details,
        },
    )
    if copied:
        await audit.record(
            session,
            actor=actor,
            action="registrant.transfer_copy",
            entity_type="registrant",
            entity_id=target_registrant.id,
            desk_id=to_desk.id,
            details={"source_registrant_id": registrant.id, "fields": list(REGISTRANT_FIELDS_LISTED)},
        )
    await audit.record(
        session,
        actor=actor,
        action="case.create",
        entity_type="case",
        entity_id=new_case.id,
        desk_id=to_desk.id,
        details={"case_number": new_case.case_number, "transferred_from": case.id, "service_type": service_type.code},
    )
    await cancel_for_transfer(
        session, actor=actor, case=case, target=new_case, to_desk=to_desk, transfer_id=record.id, now=now
    )
    return record


async def _due_date_set_by_hand(session: AsyncSession, case: Case) -> CaseEvent | None:
    """The latest ``due_date_changed`` event of ``case`` (staff set its due date), or ``None``."""
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "due_date_changed")
        .order_by(CaseEvent.occurred_at.desc(), CaseEvent.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
