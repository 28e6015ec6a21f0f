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
with the number as typed) and the consents in force.

Never copied, because no transfer purpose covers them: identity documents (category ``identity
documents``: the notice given for a transfer does not name them; the receiving desk records the
documents the person shows it), residence/legal status (``residence status``, sensitive data) and
the desk's free-text notes (``case``: working notes that may hold anything, health or legal status
included). Those of them the sending file holds are named (never their values) in the transfer's
audit event and in the ``transferred_in`` event of the new case (``fields_withheld``), so the
receiving desk knows to ask for them rather than finding them silently missing. The copy is
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

import uuid
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import local_date
from app.cases.errors import InvalidTransferTarget
from app.cases.models import Case, CaseTransfer, ServiceType
from app.cases.service import next_case_number, sla_due_date
from app.cases.timeline import add_event
from app.cases.workflow import TRANSFER_PURPOSES_ANY, TRANSFER_PURPOSES_TO_SENEGAL
from app.core import numbering
from app.core.context import Actor
from app.core.db import utcnow
from app.desks import service as desks
from app.desks.models import Desk
from app.privacy import service as privacy
from app.privacy.purposes import REGISTRANT_FIELD_CATEGORIES, fields_covered
from app.registrants import closed
from app.registrants import keys as match_keys
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone
from app.registrants.prepare import set_keys

_COVERED: Final = fields_covered(TRANSFER_PURPOSES_ANY | TRANSFER_PURPOSES_TO_SENEGAL)
REGISTRANT_FIELDS_SENT: Final = tuple(f for f in _COVERED if f != "phones")
"""Columns of the registrant copied to the receiving desk: those every transfer purpose covers."""
COLLECTIONS_SENT: Final = tuple(f for f in _COVERED if f == "phones")
"""Child collections copied besides the consents in force (``phones``)."""
FIELDS_WITHHELD: Final = tuple(f for f in REGISTRANT_FIELD_CATEGORIES if f not in _COVERED)
"""Fields of the file no transfer purpose covers (``documents``, ``residence_status``, ``notes``)."""


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
    """Open the case at the receiving desk and write the transfer register entry.

    The caller sets the sending case's status. Raises ``UnknownDesk``/``InvalidTransferTarget``
    (422), ``ConsentRequired`` (409) and the other problems of :func:`app.privacy.service.authorise`.
    """
    to_desk = await desks.get_by_code(session, code=to_desk_code)
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
    opened_on = local_date(to_desk, now)
    # Lock order as in case creation: number counters first, the audit chain head last.
    case_number = await next_case_number(session, desk=to_desk, year=opened_on.year)
    target_registrant, copied = await _registrant_at(session, actor=actor, registrant=registrant, desk=to_desk)
    withheld = await _withheld(session, registrant) if copied else []
    new_case = Case(
        id=uuid.uuid4(),
        case_number=case_number,
        desk_id=to_desk.id,
        registrant_id=target_registrant.id,
        service_type_id=case.service_type_id,
        channel=case.channel,
        priority=case.priority,
        vulnerability_flags=list(case.vulnerability_flags),
        description=case.description,
        language=case.language,
        interpreter_used=case.interpreter_used,
        status="received",
        opened_on=opened_on,
        due_date=await sla_due_date(session, desk=to_desk, opened_on=opened_on, service_type=service_type),
        transferred_from_case_id=case.id,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(new_case)
    await session.flush()
    case.transferred_to_case_id = new_case.id
    fields_sent = [*REGISTRANT_FIELDS_SENT, *COLLECTIONS_SENT, "consents"] if copied else []
    record = CaseTransfer(
        id=uuid.uuid4(),
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
        fields=fields_sent or ["case"],
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
            "fields_withheld": withheld,
            **basis_details,
        },
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
            "fields_withheld": withheld,
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
            details={"source_registrant_id": registrant.id, "fields": fields_sent},
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
    return record


async def _registrant_at(
    session: AsyncSession, *, actor: Actor, registrant: Registrant, desk: Desk
) -> tuple[Registrant, bool]:
    """The receiving desk's record of this person (never an anonymised one: a new copy then), and
    whether it was just copied."""
    related = [Registrant.source_ref == str(registrant.id)]
    if registrant.source == "transfer" and registrant.source_ref:
        related.append(Registrant.id == uuid.UUID(registrant.source_ref))
    stmt = (
        select(Registrant)
        .where(Registrant.desk_id == desk.id, or_(*related), Registrant.anonymised_at.is_(None))
        .order_by(Registrant.created_at)
    )
    existing = (await session.execute(stmt.limit(1))).scalar_one_or_none()
    if existing is not None and existing.merged_into_id is not None:  # merged since: its survivor is the person
        survivor = await session.get(Registrant, existing.merged_into_id)
        existing = survivor if survivor is not None and survivor.desk_id == desk.id else None
    if existing is not None and await closed.anonymised_at(session, existing.id) is not None:
        existing = None  # erased meanwhile at that desk (its own request): closed for good, a new copy
    if existing is not None:
        return existing, False
    now = utcnow()
    year = local_date(desk, now).year
    number = await numbering.allocate(
        session, prefix=desk.number_prefix, kind="T", year=year, column=Registrant.registration_number
    )
    phones = (
        (
            await session.execute(
                select(RegistrantPhone)
                .where(RegistrantPhone.registrant_id == registrant.id)
                .order_by(RegistrantPhone.position, RegistrantPhone.id)
            )
        )
        .scalars()
        .all()
    )
    values = {f: getattr(registrant, f) for f in REGISTRANT_FIELDS_SENT}
    values["languages"] = list(registrant.languages or [])
    copy = Registrant(
        id=uuid.uuid4(),
        desk_id=desk.id,
        registration_number=number,
        registered_on=local_date(desk, now),
        source="transfer",
        source_ref=str(registrant.id),
        created_by=actor.user_id,
        phones=[
            RegistrantPhone(
                e164=p.e164,
                verified=p.verified,
                raw=p.raw,
                digits=p.digits,
                whatsapp=p.whatsapp,
                label=p.label,
                flag=p.flag,
                position=p.position,
            )
            for p in phones
        ],
        documents=[],  # not covered by a transfer purpose (module docstring)
        **values,
    )
    set_keys(copy)  # its name keys computed again, as every write does: never copied stale
    session.add(copy)
    await session.flush()
    # the copy is found and matched at its desk like any registrant: every key of its fields,
    # unverified numbers by their digits included
    await match_keys.insert_rows(session, match_keys.rows_of(copy))
    rows = (await session.execute(select(Consent).where(Consent.registrant_id == registrant.id))).scalars().all()
    consents = [c for c in rows if privacy.in_force(c, now)]
    session.add_all(
        Consent(
            registrant_id=copy.id,
            purpose=c.purpose,
            granted=True,
            channel=c.channel,
            notice_version=c.notice_version,
            language=c.language,
            recorded_at=c.recorded_at,
            recorded_by=c.recorded_by,
            expires_at=c.expires_at,
            partner_name=c.partner_name,
            extra={**(c.extra or {}), "copied_from_consent_id": c.id},
        )
        for c in consents
    )
    await session.flush()
    return copy, True


async def _withheld(session: AsyncSession, registrant: Registrant) -> list[str]:
    """The fields of :data:`FIELDS_WITHHELD` that hold a value in the sending file (names only)."""
    out: list[str] = []
    for f in FIELDS_WITHHELD:
        if f == "documents":
            stmt = select(IdentityDocument.id).where(IdentityDocument.registrant_id == registrant.id).limit(1)
            if (await session.execute(stmt)).first() is not None:
                out.append(f)
        elif getattr(registrant, f) not in (None, "", []):
            out.append(f)
    return out
