"""Erasure by anonymisation: a person's file stops identifying them, statistics stay true.

Run on a subject request of kind ``erasure`` (``POST /api/v1/privacy/subject-requests/{id}/erase``,
GDPR art. 17, law 09-08 art. 8, law 2008-12's right of erasure) or at the end of retention
(:mod:`app.privacy.retention`). In one transaction (all or nothing):

* **kept** — what the reports count by, as the erasure's question says
  (:mod:`app.privacy.erased_values`): sex, birth year (the date of birth only as precise as the
  age bands of the reports need, :func:`generalised_birth_date`), nationality, origin areas
  (region, département), country and region of residence, status category, languages, arrival
  year, desk, registration date, every case, referral, appointment, transfer and consent row with
  its dates, statuses and categories (every consent still in force is withdrawn at the erasure:
  nothing is disclosed of the person any more, not even in a named export);
* **released** — what the person holds from now on: their booked appointments still to come, at
  any desk, are cancelled (:func:`app.appointments.cancellation.cancel_for_erasure`: the slots are
  free again, audited like any cancellation, no message sent), and their messages not sent yet
  (reminders included) are withheld;
* **removed** — names (the record reads ``[anonymisé]``), the registration number (replaced by
  ``ANON-…``), every other column of the file (place of birth, city of residence, e-mail,
  occupation, residence status, notes, the source reference…),
  phones, identity documents, search keys, the correction history, cases' descriptions and outcome
  notes, notes' text, free text in timeline events, referrals' outcomes and partner references,
  appointments' purpose and reasons, transfers' notes, disclosures' justifications, lifted legal
  holds' reasons, the documents' labels an agent asked for (codes stay), the register
  import's copies of the person's row (the row that created them, and rows flagged as possibly
  them; a candidate found through the file, ``through``, shows its new number), stored
  documents (rows, then their objects in the storage once committed, local or S3), replayable
  responses naming the person or their cases, their self-service accounts (their phone or e-mail
  sign-in; link codes not yet used are revoked) with the sign-in codes sent to that phone or
  e-mail (rows deleted, their messages' address and code forgotten), the address, content and
  delivery reason of the person's messages, and the personal values of their audit events
  (:mod:`app.audit.payloads`; the events and the hash chain stay and still verify; the erasure's
  event lists the payloads it deleted).

A legal hold in force refuses it (``409 /problems/legal-hold`` naming the hold). A second erasure of
the same file changes nothing (idempotent). Audited ``privacy.erasure`` with counts, never values,
and one event per deleted document and per record of the person at another desk
(:mod:`app.privacy.tombstones`: each desk's apps get their tombstones).
Afterwards the file is closed for good: every write that would attach or change the person's
data is refused (:mod:`app.registrants.closed`), or it could never be erased.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments import cancellation
from app.appointments.models import Appointment
from app.audit import payloads
from app.audit import service as audit
from app.audit.payload_check import ERASED_PAYLOADS
from app.cases.models import Case, CaseNote, CaseTransfer, Referral
from app.core.context import Actor
from app.core.db import next_version
from app.core.idempotency import IdempotencyRecord
from app.documents.models import Document
from app.imports.models import ImportRow
from app.merges.models import RegistrantMerge
from app.notifications.models import Notification
from app.privacy import holds, tombstones
from app.privacy.erased_values import (
    APPOINTMENT_BLANKED,
    CASE_BLANKED,
    NOTE_BLANKED,
    REFERRAL_BLANKED,
    blank_registrant,
    scrub_timeline,
)
from app.privacy.models import Disclosure, LegalHold, RegistrantCorrection
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantKey, RegistrantPhone
from app.reports.ages import AgeBands
from app.selfservice.accounts import sign_in_identifiers
from app.selfservice.delivery import CODE_EVENT
from app.selfservice.models import LinkCode, OneTimeCode, PersonAccount


@dataclass
class ErasureOutcome:
    """What an erasure did. ``already_erased``: the file was anonymised before (then nothing was
    changed and ``counts`` is empty). ``storage_keys``: objects no row references any more, to
    remove from the storage once the transaction is committed."""

    registrant_id: uuid.UUID
    anonymised_at: dt.datetime
    already_erased: bool
    counts: dict[str, int] = field(default_factory=dict)
    storage_keys: list[str] = field(default_factory=list)


def generalised_birth_date(date_of_birth: str | None, days: Iterable[dt.date], bands: AgeBands) -> str | None:
    """The least precise of ``YYYY``, ``YYYY-MM`` and ``date_of_birth`` itself that puts the person
    in the same age band as ``date_of_birth`` does on each of ``days`` (the days the reports age
    them at, each ±1 day for time zones). ``None`` stays ``None``."""
    if not date_of_birth:
        return date_of_birth
    checked = sorted({d + dt.timedelta(days=k) for d in days for k in (-1, 0, 1)})
    for candidate in (date_of_birth[:4], date_of_birth[:7]):
        if len(candidate) < len(date_of_birth) and all(
            bands.band(candidate, d) == bands.band(date_of_birth, d) for d in checked
        ):
            return candidate
    return date_of_birth


def _replacement_number(registrant_id: uuid.UUID) -> str:
    return f"ANON-{registrant_id.hex[:12].upper()}"


async def _report_days(session: AsyncSession, registrant: Registrant, case_ids: Sequence[uuid.UUID]) -> set[dt.date]:
    days = {registrant.registered_on}
    for opened_on, created_at, closed_at in await session.execute(
        select(Case.opened_on, Case.created_at, Case.closed_at).where(Case.id.in_(case_ids))
    ):
        days.update(d for d in (opened_on, created_at.date(), closed_at.date() if closed_at else None) if d)
    for (starts_at,) in await session.execute(
        select(Appointment.starts_at).where(Appointment.registrant_id == registrant.id)
    ):
        days.add(starts_at.date())
    for referred_on, answered_on in await session.execute(
        select(Referral.referred_on, Referral.answered_on).where(Referral.case_id.in_(case_ids))
    ):
        days.update(d for d in (referred_on, answered_on) if d)
    return days


async def anonymise(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant: Registrant,
    bands: AgeBands,
    now: dt.datetime,
    trigger: str,
    subject_request_id: uuid.UUID | None = None,
) -> ErasureOutcome:
    """Anonymise ``registrant`` (loaded with ``FOR UPDATE`` by the caller) as the module says, in
    the caller's transaction; ``trigger`` is ``request`` or ``retention``. Returns with
    ``already_erased`` and writes nothing when the file is already anonymised; otherwise raises
    ``LegalHoldInForce`` (409) when a hold is in force at ``now`` on it or on a file merged into
    it. The files merged into it (the same person's) are anonymised with it, and the snapshots of
    the merges it took part in are emptied: those merges become final (unmerge answers 409
    ``unmerge-refused``, reason ``erased``). A merged file is never erased alone: given one, its
    survivor (the person) is erased, with it."""
    if registrant.merged_into_id is not None:  # the person is the survivor now: erase them whole
        survivor = await session.get(Registrant, registrant.merged_into_id, with_for_update=True)
        assert survivor is not None  # the foreign key
        registrant = survivor
    if registrant.anonymised_at is not None:
        return ErasureOutcome(registrant.id, registrant.anonymised_at, already_erased=True)
    merged_files = await _merged_into(session, registrant.id)
    in_force = await holds.in_force(session, registrant_ids=[registrant.id, *(m.id for m in merged_files)], at=now)
    if in_force:
        raise holds.refuse(next(iter(in_force.values())))
    outcome = await _anonymise_one(
        session, actor=actor, registrant=registrant, bands=bands, now=now, trigger=trigger,
        subject_request_id=subject_request_id,
    )  # fmt: skip
    for merged in merged_files:  # the same person's other files, merged into this one
        if merged.anonymised_at is None:
            more = await _anonymise_one(
                session, actor=actor, registrant=merged, bands=bands, now=now, trigger=trigger,
                subject_request_id=subject_request_id,
            )  # fmt: skip
            outcome.storage_keys.extend(more.storage_keys)
    return outcome


async def _merged_into(session: AsyncSession, registrant_id: uuid.UUID) -> list[Registrant]:
    """The files merged into ``registrant_id`` (merges repoint chains, so one level is all), locked."""
    stmt = select(Registrant).where(Registrant.merged_into_id == registrant_id).with_for_update()
    return list((await session.execute(stmt)).scalars())


async def _anonymise_one(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant: Registrant,
    bands: AgeBands,
    now: dt.datetime,
    trigger: str,
    subject_request_id: uuid.UUID | None,
) -> ErasureOutcome:
    rid = registrant.id
    case_ids = list((await session.execute(select(Case.id).where(Case.registrant_id == rid))).scalars())
    counts: dict[str, int] = {"cases": len(case_ids)}
    # What the person holds from now on is released first: their booked appointments still to come
    # (the slots free again, no one left to receive; no message: their contact data goes). Their
    # messages not sent yet (reminders included) are withheld below with the rest of their messages.
    counts["appointments_cancelled"] = await cancellation.cancel_for_erasure(
        session, actor=actor, registrant_id=rid, now=now, trigger=trigger, subject_request_id=subject_request_id
    )

    registrant.date_of_birth = generalised_birth_date(
        registrant.date_of_birth, await _report_days(session, registrant, case_ids), bands
    )
    if registrant.arrival_date is not None:
        registrant.arrival_date = dt.date(registrant.arrival_date.year, 1, 1)
    blank_registrant(registrant)
    former_number = registrant.registration_number
    registrant.registration_number = _replacement_number(rid)
    registrant.anonymised_at = now
    registrant.updated_at = now

    counts["phones"] = await _delete(session, RegistrantPhone, RegistrantPhone.registrant_id == rid)
    counts["identity_documents"] = await _delete(session, IdentityDocument, IdentityDocument.registrant_id == rid)
    await _delete(session, RegistrantKey, RegistrantKey.registrant_id == rid)
    counts["corrections"] = await _delete(session, RegistrantCorrection, RegistrantCorrection.registrant_id == rid)
    await session.execute(update(Consent).where(Consent.registrant_id == rid).values(extra={}))
    # An erasure request takes back every consent: nothing may be disclosed of the person any more
    # (a named export, a referral, a message); the rows stay, with their dates, for the reports.
    withdrawn = await session.execute(
        update(Consent)
        .where(Consent.registrant_id == rid, Consent.granted.is_(True), Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    counts["consents_withdrawn"] = int(withdrawn.rowcount or 0)  # type: ignore[attr-defined]

    if case_ids:
        await session.execute(update(Case).where(Case.id.in_(case_ids)).values(**CASE_BLANKED, **next_version(Case)))
        notes = await session.execute(update(CaseNote).where(CaseNote.case_id.in_(case_ids)).values(**NOTE_BLANKED))
        counts["notes"] = int(notes.rowcount or 0)  # type: ignore[attr-defined]
        await session.execute(
            update(Referral).where(Referral.case_id.in_(case_ids)).values(**REFERRAL_BLANKED, **next_version(Referral))
        )
        await scrub_timeline(session, case_ids)
    await session.execute(
        update(Appointment)
        .where(Appointment.registrant_id == rid)
        .values(**APPOINTMENT_BLANKED, **next_version(Appointment))
    )
    await session.execute(
        update(CaseTransfer)
        .where(or_(CaseTransfer.source_registrant_id == rid, CaseTransfer.target_registrant_id == rid))
        .values(legal_basis_note=None)
    )
    await session.execute(update(Disclosure).where(Disclosure.registrant_id == rid).values(justification=None))
    # A hold in force refuses the erasure: only lifted or lapsed ones are left, their reason typed
    # about the person (a court case, a claim) as much as about the desk.
    await session.execute(update(LegalHold).where(LegalHold.registrant_id == rid).values(reason=""))
    await session.execute(
        update(ImportRow)
        .where(ImportRow.registrant_id == rid)
        .values(raw={}, data=None, candidates=[], reason=None, source_number=None)
    )
    counts["flagged_import_rows"] = await _forget_flagged_rows(
        session, rid, registrant.registration_number, former=former_number
    )
    counts["replayable_responses"] = await _delete_replays(session, [rid, *case_ids])
    documents, keys = await _remove_documents(session, owned_by(rid, case_ids))
    counts["documents"] = len(documents)
    erased_payloads = await payloads.erase(session, registrant_id=rid)
    counts["audit_payloads"] = len(erased_payloads)
    # The person's self-service accounts sign in with their phone or e-mail and exist to reach this
    # file: erased with it (their tokens stop working; signing in again makes a new account, linked
    # to nothing), and with them the sign-in codes sent to that phone or e-mail, whose messages
    # hold it. A link code not used yet can no longer link one to the anonymised file.
    sign_ins = await sign_in_identifiers(session, rid)
    theirs = Notification.registrant_id == rid
    if sign_ins:
        theirs = or_(theirs, (Notification.event == CODE_EVENT) & Notification.recipient.in_(sign_ins))
    counts["notifications"] = await forget_notifications(session, theirs, reason="erased")
    counts["sign_in_codes"] = (
        await _delete(session, OneTimeCode, OneTimeCode.identifier.in_(sign_ins)) if sign_ins else 0
    )
    counts["self_service_accounts"] = await _delete(session, PersonAccount, PersonAccount.registrant_id == rid)
    await session.execute(
        update(LinkCode)
        .where(LinkCode.registrant_id == rid, LinkCode.used_at.is_(None), LinkCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # A merge's snapshot holds the person's values from before it: gone, so the merge is final.
    merges = await session.execute(
        update(RegistrantMerge)
        .where(or_(RegistrantMerge.survivor_id == rid, RegistrantMerge.merged_id == rid))
        .values(snapshot={}, note=None)
    )
    counts["merges"] = int(merges.rowcount or 0)  # type: ignore[attr-defined]
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.erasure",
        entity_type="registrant",
        entity_id=rid,
        desk_id=registrant.desk_id,
        # The payloads' ids (random, no personal value): the verifier accepts no other payload gone.
        details={
            "trigger": trigger,
            "subject_request_id": subject_request_id,
            "counts": counts,
            ERASED_PAYLOADS: erased_payloads,
        },
    )
    # The sync's tombstones (app.sync): a removed document no longer exists for the erasure's
    # event to carry along, and a record at another desk is not in that desk's feed of it.
    elsewhere = await tombstones.at_other_desks(session, registrant_id=rid, desk_id=registrant.desk_id)
    details = {"registrant_id": rid, "trigger": trigger}
    await tombstones.record_removed(
        session, actor=actor, removed=[*documents, *elsewhere], verb="erasure", details=details
    )
    return ErasureOutcome(rid, now, already_erased=False, counts=counts, storage_keys=keys)


async def forget_notifications(session: AsyncSession, condition: Any, *, reason: str) -> int:
    """Messages matching ``condition``: those not yet sent, and those in doubt (handed over, never
    confirmed: no one may resend them now), are withheld (``reason``); every one loses its address
    and content, and a sent or failed one its delivery reason (a provider's answer, a note of the
    staff's: either may quote the address; the event, channel, status and dates stay, for
    statistics); the number of messages that lost their address. A message
    ``in_flight`` is left to its worker, which settles it as sent or in doubt; without an address,
    staff can no longer have it resent (``app.notifications.service.resolve_in_doubt``)."""
    await session.execute(
        update(Notification)
        .where(condition, Notification.status.in_(("queued", "sending", "in_doubt")))
        .values(status="withheld", reason=reason, lease_until=None)
    )
    await session.execute(
        update(Notification)
        .where(condition, Notification.status.in_(("sent", "failed")), Notification.reason.is_not(None))
        .values(reason=None)
    )
    result = await session.execute(
        update(Notification).where(condition, Notification.recipient != "").values(recipient="", context={})
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _delete(session: AsyncSession, model: Any, condition: Any) -> int:
    result = await session.execute(delete(model).where(condition))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _forget_flagged_rows(session: AsyncSession, rid: uuid.UUID, number: str, *, former: str | None) -> int:
    """Import rows flagged as a possible duplicate of the person are most likely the person again:
    their copy of the register row goes too (``resolution`` becomes ``erased``), and the candidate
    shows the new number. A candidate found through the file (merged into it: ``through``, its
    number ``former`` before the erasure) shows the new number there too. The number of rows erased."""
    text = cast(ImportRow.candidates, String)
    mentions = or_(text.contains(str(rid)), text.contains(former)) if former else text.contains(str(rid))
    erased = 0
    for row in (await session.execute(select(ImportRow).where(mentions))).scalars():
        named = any(c.get("registrant_id") == str(rid) for c in row.candidates)
        through = bool(former) and any(c.get("through") == former for c in row.candidates)
        if not (named or through):  # the id or number inside another value
            continue
        row.candidates = [
            {
                **c,
                **({"registration_number": number} if c.get("registrant_id") == str(rid) else {}),
                **({"through": number} if through and c.get("through") == former else {}),
            }
            for c in row.candidates
        ]
        if named:
            row.raw, row.data, row.reason, row.source_number, row.resolution = {}, None, None, None, "erased"
            erased += 1
    return erased


async def _delete_replays(session: AsyncSession, ids: Sequence[uuid.UUID]) -> int:
    """Delete stored idempotent responses whose body names one of ``ids`` (they may echo the file)."""
    body = cast(IdempotencyRecord.body, String)
    condition = or_(*(body.contains(str(i)) for i in ids))
    return await _delete(session, IdempotencyRecord, condition)


def owned_by(registrant_id: uuid.UUID | None, case_ids: Sequence[uuid.UUID]) -> Any:
    """The condition on documents of the registrant (if given) and of ``case_ids``."""
    of_cases = (Document.owner_type == "case") & Document.owner_id.in_(case_ids)
    if registrant_id is None:
        return of_cases
    return or_((Document.owner_type == "registrant") & (Document.owner_id == registrant_id), of_cases)


async def remove_case_documents(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> tuple[list[tombstones.Removed], list[str]]:
    """Delete the document rows of ``case_ids`` (see :func:`_remove_documents`)."""
    return await _remove_documents(session, owned_by(None, case_ids))


async def _remove_documents(session: AsyncSession, owned: Any) -> tuple[list[tombstones.Removed], list[str]]:
    """Delete the document rows matching ``owned`` (soft-deleted ones too). Returns the documents
    removed with their desks (for :func:`app.privacy.tombstones.record_removed`) and the storage
    keys no remaining row references (content-addressed objects may back another owner's row)."""
    rows = await tombstones.documents(session, owned)
    if not rows:
        return [], []
    await session.execute(delete(Document).where(Document.id.in_([r.record_id for r in rows])))
    keys = sorted({r.storage_key for r in rows})
    still = set((await session.execute(select(Document.storage_key).where(Document.storage_key.in_(keys)))).scalars())
    return [r.removed for r in rows], [k for k in keys if k not in still]
