"""Subject requests: recorded when the person asks, answered within the legal deadline, logged.

Administrators (every desk) and supervisors (their desks) record and answer them; anyone else gets
403, and a registrant of another desk 404. ``due_on`` is ``received_on`` plus
``SUBJECT_REQUEST_DEADLINE_DAYS`` (default 30: GDPR art. 12(3) allows one month; laws 09-08 and
2008-12 set their own delays, which the desk's controller checks). Audited:
``privacy.subject_request`` (recorded), ``privacy.subject_access`` (each archive produced, with its
SHA-256 and number of files, never the data), ``privacy.erasure`` (:mod:`app.privacy.erasure`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import local_date
from app.core.context import Actor
from app.core.db import after_commit, utcnow
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.i18n import date_fr
from app.core.ids import new_id
from app.core.pagination import paginate
from app.desks.models import Desk
from app.documents.storage import Storage
from app.privacy import access, erasure, holds, linked
from app.privacy.errors import RegistrantErased
from app.privacy.models import SubjectRequest
from app.registrants import lock_order
from app.registrants.errors import merged_into
from app.registrants.models import Registrant
from app.reports.ages import AgeBands

REQUEST_ROLES: Final = frozenset({"admin", "supervisor"})


def _check_role(actor: Actor) -> None:
    if actor.role not in REQUEST_ROLES:
        raise Forbidden(
            "Subject requests are handled by supervisors and administrators.",
            detail_fr="Les demandes des personnes sont traitées par les superviseurs et administrateurs.",
        )


async def _registrant(session: AsyncSession, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    if registrant.merged_into_id is not None:  # the person's data is on the survivor's file now
        raise merged_into(registrant.merged_into_id)
    return registrant


async def first_registration(session: AsyncSession, registrant: Registrant) -> Registrant:
    """The person's first file: of ``registrant`` and every file a transfer or a merge links to it
    (:func:`app.privacy.linked.person_files`: the sending desk's original of a transferred copy,
    the files merged into it), the one registered first (``registrant`` itself on a tie). A copy
    made by a transfer is registered on the transfer day; the person was known to the controller
    since the original's registration."""
    files = [f.registrant for f in await linked.person_files(session, registrant.id)]
    return min(files or [registrant], key=lambda r: (r.registered_on, r.id != registrant.id))


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    kind: str,
    channel: str,
    received_on: dt.date | None,
    deadline_days: int,
) -> SubjectRequest:
    """Record a request received on ``received_on``, a date of the person's desk (default: the
    desk's today, its local date in its time zone; not after it, nor before the person's first
    registration — at another desk for a file reached by a transfer: :func:`first_registration`);
    due ``deadline_days`` later. Raises ``RegistrantErased`` (409) for an erasure
    request about a file already anonymised, ``ValidationFailed`` (422, ``field`` ``received_on``,
    error type ``date_in_future`` for a day after today, ``date_before_registration`` for one
    before the person's first registration date)."""
    _check_role(actor)
    registrant = await _registrant(session, actor, registrant_id)
    if kind == "erasure" and registrant.anonymised_at is not None:
        raise RegistrantErased(
            "This person's file was already anonymised.",
            detail_fr="Le dossier de cette personne est déjà anonymisé.",
            anonymised_at=registrant.anonymised_at.isoformat(),
        )
    desk = await session.get_one(Desk, registrant.desk_id)
    today = local_date(desk, utcnow())
    received = received_on or today
    if received > today:
        raise ValidationFailed(
            f"The day the request was received (received_on) cannot be after today at the desk "
            f"({today.isoformat()}, {desk.time_zone}).",
            detail_fr=f"Le jour de réception de la demande ne peut pas être après aujourd'hui au guichet "
            f"({date_fr(today)}).",
            field="received_on",
            errors=[{"loc": ["body", "received_on"], "msg": "Date in the future.", "type": "date_in_future"}],
        )
    first = await first_registration(session, registrant)
    if received < first.registered_on:  # no desk of the controller held anything of the person then
        if first.id == registrant.id:
            limit_en = f"the person's registration ({first.registered_on.isoformat()})"
            limit_fr = f"l'enregistrement de la personne ({date_fr(first.registered_on)})"
        else:  # a file reached by a transfer (or a merge): the person's first file, at its desk
            code = (await session.get_one(Desk, first.desk_id)).code
            limit_en = f"the person's first registration ({first.registered_on.isoformat()}, at desk {code})"
            limit_fr = f"le premier enregistrement de la personne ({date_fr(first.registered_on)}, au guichet {code})"
        raise ValidationFailed(
            f"The day the request was received (received_on) cannot be before {limit_en}.",
            detail_fr=f"Le jour de réception de la demande ne peut pas précéder {limit_fr}.",
            field="received_on",
            errors=[
                {
                    "loc": ["body", "received_on"],
                    "msg": "Date before the registration.",
                    "type": "date_before_registration",
                }
            ],
        )
    request = SubjectRequest(
        id=new_id(),
        registrant_id=registrant.id,
        desk_id=registrant.desk_id,
        kind=kind,
        channel=channel,
        received_on=received,
        due_on=received + dt.timedelta(days=deadline_days),
        recorded_at=utcnow(),
        recorded_by=actor.user_id,
    )
    session.add(request)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.subject_request",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"subject_request_id": request.id, "kind": kind, "received_on": received, "due_on": request.due_on},
    )
    return request


async def list_all(
    session: AsyncSession,
    *,
    actor: Actor,
    open_only: bool = False,
    registrant_id: uuid.UUID | None = None,
    cursor: str | None,
    limit: int,
) -> tuple[list[SubjectRequest], str | None]:
    """A page of the log of subject requests of the actor's desks (only ``registrant_id``'s when
    given), oldest received first, and the next page's cursor (``None``: no more). The read is
    audited ``privacy.subject_requests_read``: on the registrant when given, with the ids of the
    people listed. Raises ``BadRequest`` for a cursor not issued here."""
    _check_role(actor)
    stmt = select(SubjectRequest)
    if actor.desk_ids is not None:
        stmt = stmt.where(SubjectRequest.desk_id.in_(actor.desk_ids))
    if open_only:
        stmt = stmt.where(SubjectRequest.fulfilled_at.is_(None))
    if registrant_id is not None:
        stmt = stmt.where(SubjectRequest.registrant_id == registrant_id)
    keys = [SubjectRequest.received_on, SubjectRequest.recorded_at, SubjectRequest.id]
    rows, next_cursor = await paginate(session, stmt, keys=keys, cursor=cursor, limit=limit, descending=False)
    await audit.record(
        session,
        actor=actor,
        action="privacy.subject_requests_read",
        entity_type="registrant" if registrant_id is not None else "subject_request",
        entity_id=registrant_id,
        desk_id=rows[0].desk_id if registrant_id is not None and rows else None,
        details={
            "open_only": open_only,
            "requests": len(rows),
            "registrant_ids": sorted({str(r.registrant_id) for r in rows}),
        },
    )
    return list(rows), next_cursor


async def access_archive(
    session: AsyncSession, *, actor: Actor, storage: Storage, request_id: uuid.UUID
) -> tuple[SubjectRequest, bytes]:
    """Build the access archive of the request's registrant (:mod:`app.privacy.access`); the first
    one fulfils the request. Raises ``NotFound`` for another desk's or another kind of request."""
    _check_role(actor)
    request = await session.get(SubjectRequest, request_id)
    if request is None or request.kind != "access" or not actor.can_see_desk(request.desk_id):
        raise NotFound("No such access request.", detail_fr="Demande d'accès introuvable.")
    registrant = await _registrant(session, actor, request.registrant_id)
    now = utcnow()
    data = await access.collect(session, registrant=registrant)
    files = len(data["documents"])
    archive = await access.build_archive(data, storage=storage, generated_at=now, request_id=request.id)
    digest = hashlib.sha256(archive).hexdigest()
    if request.fulfilled_at is None:
        request.fulfilled_at = now
        request.fulfilled_by = actor.user_id
        request.archive_sha256 = digest
        await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.subject_access",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"subject_request_id": request.id, "archive_sha256": digest, "document_files": files},
    )
    return request, archive


async def erase(
    session: AsyncSession,
    *,
    actor: Actor,
    storage: Storage,
    request_id: uuid.UUID,
    bands: AgeBands,
) -> tuple[SubjectRequest, erasure.ErasureOutcome, list[ErasedFile]]:
    """Carry out an erasure request: anonymise its registrant and every other file of the person
    at any desk — merged, or linked by a transfer, transitively (:func:`app.privacy.linked.person_files`:
    the desks are one controller) — with :func:`app.privacy.erasure.anonymise`, and fulfil the
    request; the documents' objects are removed from ``storage`` once committed. Returns the
    request, the outcome of the requested file and every file of the person (:class:`ErasedFile`).

    Idempotent: a request already carried out answers its outcome again (``already_erased``) and
    changes nothing — but a file of the person still not anonymised (left by a version that did not
    follow transfers) is erased then. Raises ``Forbidden`` (403), ``NotFound`` (404: unknown
    request, another desk's, or not an erasure request) and ``LegalHoldInForce`` (409, naming the
    hold and its file): a hold on any file of the person stops the whole erasure, nothing is
    erased (the held file would still name the person)."""
    _check_role(actor)
    request = await session.get(SubjectRequest, request_id)
    if request is None or request.kind != "erasure" or not actor.can_see_desk(request.desk_id):
        raise NotFound("No such erasure request.", detail_fr="Demande d'effacement introuvable.")
    # The person's files first, in id order, then the request (which a merge moves after locking
    # the files): the order of app.registrants.lock_order.
    reached = [f.registrant.id for f in await linked.person_files(session, request.registrant_id)]
    await lock_order.lock_files(session, reached, update=True)
    request = await session.get(SubjectRequest, request_id, with_for_update=True, populate_existing=True)
    assert request is not None  # a request is never deleted
    files = await linked.person_files(session, request.registrant_id, lock=True)
    before = {f.registrant.id: f.registrant.anonymised_at for f in files}
    now = utcnow()
    held = await holds.in_force(session, registrant_ids=[i for i, at in before.items() if at is None], at=now)
    if held:
        raise holds.refuse(next(held[f.registrant.id] for f in files if f.registrant.id in held))
    outcomes = {}
    for file in files:
        if file.registrant.merged_into_id is None:  # a merged file is erased with its survivor
            outcomes[file.registrant.id] = await erasure.anonymise(
                session,
                actor=actor,
                registrant=file.registrant,
                bands=bands,
                now=now,
                trigger="request",
                subject_request_id=request.id,
            )
    if request.fulfilled_at is None:
        request.fulfilled_at = now
        request.fulfilled_by = actor.user_id
        await session.flush()
    keys = sorted({k for o in outcomes.values() for k in o.storage_keys})
    remove_after_commit(session, storage, keys)
    first = files[0].registrant
    survivor = first.merged_into_id or first.id
    # the requested file's outcome, counting what the erasure did to every file of the person
    outcome = replace(outcomes[survivor], storage_keys=keys, counts=total_counts(o.counts for o in outcomes.values()))
    codes = {i: c for i, c in await session.execute(select(Desk.id, Desk.code))}
    erased = [
        ErasedFile(
            registrant_id=f.registrant.id,
            desk_code=codes[f.registrant.desk_id],
            link=f.link,
            anonymised_at=f.registrant.anonymised_at or now,
            already_erased=before[f.registrant.id] is not None,
            counts=outcomes[f.registrant.id].counts if f.registrant.id in outcomes else {},
        )
        for f in files
    ]
    return request, outcome, erased


def total_counts(each: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The counts of several files' erasures added up, kind by kind (a kind absent from one file
    counts 0 there)."""
    total: dict[str, int] = {}
    for counts in each:
        for kind, n in counts.items():
            total[kind] = total.get(kind, 0) + n
    return total


@dataclass(frozen=True)
class ErasedFile:
    """One file of the person an erasure reached: its desk, how it was reached (``request``,
    ``merge``, ``transfer``), when it was anonymised, whether it already was, and what this erasure
    removed or blanked in it (``counts``, kind → rows; empty when it already was, and for a merged
    file, erased with its survivor and counted there)."""

    registrant_id: uuid.UUID
    desk_code: str
    link: str
    anonymised_at: dt.datetime
    already_erased: bool
    counts: dict[str, int]


def remove_after_commit(session: AsyncSession, storage: Storage, keys: list[str]) -> None:
    """Remove ``keys``' objects from ``storage`` once the transaction is committed (a failure leaves
    orphans that ``gc-storage`` collects)."""

    async def remove() -> None:
        for key in keys:
            await storage.delete(key)

    if keys:
        after_commit(session, remove)
