"""What a linked person does with their own file: contact details, requests, subject access.

Every function takes the person's own registrant id (from their account, never from the
request) and their actor (role ``person``, the registrant's desk only), and reuses the staff
domains' services so the same rules hold: ``app.registrants`` for contact details (If-Match,
phone parsing, audit with old and new values), ``app.cases`` for requests, ``app.privacy`` for
the access archive. Reads are audited too. A case or appointment id from the request is checked to
be the person's own first; anything else answers 404, as a missing one.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendars.service import local_date
from app.cases import service as cases
from app.cases.models import Case, CaseEvent, ServiceType
from app.core.config import Settings
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.ids import new_id
from app.desks.models import Desk
from app.documents.storage import Storage
from app.privacy import access, linked
from app.privacy.models import SubjectRequest
from app.registrants import service as registrants
from app.registrants.models import Registrant
from app.registrants.schemas import RegistrantUpdate
from app.selfservice.errors import ServiceTypeNotOffered
from app.selfservice.schemas import (
    ContactOut,
    ContactUpdate,
    RequestCreate,
    RequestLink,
    RequestOut,
    ServiceTypeOut,
    StatusChange,
)
from app.selfservice.wording import in_persons_words


def contact_of(registrant: Registrant) -> ContactOut:
    """The contact details shown to the person."""
    return ContactOut.model_validate(registrant, from_attributes=True)


async def read_contact(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    """The person's file (audited ``registrant.read`` with the person as actor)."""
    return await registrants.get(session, actor=actor, registrant_id=registrant_id)


async def correct_contact(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    if_match: str | None,
    body: ContactUpdate,
    settings: Settings,
) -> Registrant:
    """Apply the person's correction through :func:`app.registrants.service.update`: If-Match
    (428/412), phones parsed like the desk's, 422 for bad values, audited ``registrant.update``
    with each changed field's old and new value and the person as actor."""
    data = RegistrantUpdate.model_validate(body.model_dump(exclude_unset=True))
    return await registrants.update(
        session,
        actor=actor,
        registrant_id=registrant_id,
        if_match=if_match,
        data=data,
        document_patterns=settings.document_number_patterns,
    )


async def offered_service_types(session: AsyncSession, *, settings: Settings) -> list[ServiceType]:
    """The active service types persons may request themselves (``SELF_SERVICE_SERVICE_TYPES``)."""
    stmt = (
        select(ServiceType)
        .where(ServiceType.code.in_(settings.self_service_service_types), ServiceType.is_active.is_(True))
        .order_by(ServiceType.code)
    )
    return list((await session.execute(stmt)).scalars().all())


async def _types_by_id(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, ServiceType]:
    rows = await session.execute(select(ServiceType).where(ServiceType.id.in_(ids)))
    return {t.id: t for t in rows.scalars()}


async def own_files(session: AsyncSession, registrant_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of the person's files, ``registrant_id`` (the one their account is linked to)
    first: it and every file a transfer or a merge links to it
    (:func:`app.privacy.linked.person_files`) — the receiving desk's record of the person, copied
    or reused by a transfer (:mod:`app.cases.transfer_copy`), and back. The link is implicit: the
    transfer register says the record is the same person's, as for their rights (erasure, access);
    no desk links the account to it again. An erased (anonymised) file is left out."""
    files = await linked.person_files(session, registrant_id)
    return [f.registrant.id for f in files if f.registrant.id == registrant_id or f.registrant.anonymised_at is None]


def own_case_ids(registrant_ids: Sequence[uuid.UUID]) -> Select[tuple[uuid.UUID]]:
    """The ids of the person's requests: the cases of their files (:func:`own_files`) and,
    transfer after transfer, the case each continues as at the receiving desk (opened on that
    desk's record of the person, reused or copied: :mod:`app.cases.transfers`) — one recursive
    query."""
    mine = select(Case.id).where(Case.registrant_id.in_(registrant_ids)).cte("own_cases", recursive=True)
    mine = mine.union(select(Case.id).join(mine, Case.transferred_from_case_id == mine.c.id))
    return select(mine.c.id)


_STATUS_EVENTS: Final = {"case_opened": "received", "transferred_in": "received"}
"""Timeline events that open a case (at its desk, or there by a transfer), in its status history."""


async def _requests_out(session: AsyncSession, found: list[Case], *, registrant_id: uuid.UUID) -> list[RequestOut]:
    """The person's view of ``found`` (their cases), with every request's status history and the
    requests it continues or continues as: a fixed number of queries, whatever the number of cases."""
    if not found:
        return []
    by_id = {c.id: c for c in found}
    linked = {c.transferred_to_case_id for c in found} | {c.transferred_from_case_id for c in found}
    missing = {i for i in linked if i is not None and i not in by_id}
    if missing:  # the other end of a transfer, read only when it is the person's too
        files = await own_files(session, registrant_id)
        others = select(Case).where(Case.id.in_(missing), Case.id.in_(own_case_ids(files)))
        by_id.update({c.id: c for c in (await session.execute(others)).scalars()})
    types = await _types_by_id(session, {c.service_type_id for c in found})
    desks = {
        d.id: d
        for d in (await session.execute(select(Desk).where(Desk.id.in_({c.desk_id for c in by_id.values()})))).scalars()
    }
    changes: dict[uuid.UUID, list[StatusChange]] = {c.id: [] for c in found}
    events = await session.execute(
        select(CaseEvent)
        .where(CaseEvent.case_id.in_(changes), CaseEvent.kind.in_((*_STATUS_EVENTS, "status_changed")))
        .order_by(CaseEvent.occurred_at, CaseEvent.id)
    )
    for event in events.scalars():
        status = _STATUS_EVENTS.get(event.kind) or str(event.details.get("to"))
        changes[event.case_id].append(StatusChange(status=status, at=event.occurred_at))

    def link(case_id: uuid.UUID | None) -> RequestLink | None:
        case = by_id.get(case_id) if case_id is not None else None
        if case is None:
            return None
        desk = desks[case.desk_id]
        return RequestLink(
            id=case.id, case_number=case.case_number, status=case.status, desk_code=desk.code, desk_name=desk.name
        )

    return [
        RequestOut(
            id=c.id,
            case_number=c.case_number,
            service_type=ServiceTypeOut.model_validate(types[c.service_type_id], from_attributes=True),
            status=c.status,
            channel=c.channel,
            desk_code=desks[c.desk_id].code,
            desk_name=desks[c.desk_id].name,
            opened_on=c.opened_on,
            closed_at=c.closed_at,
            updated_at=c.updated_at,
            status_history=changes[c.id],
            continued_as=link(c.transferred_to_case_id),
            continues=link(c.transferred_from_case_id),
        )
        for c in found
    ]


async def list_requests(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> list[RequestOut]:
    """The person's requests (:func:`own_case_ids`), newest first, each with its status history
    (audited ``self_service.requests_read``). A case transferred to another desk shows as
    ``transferred`` and names the case it continues as, which is listed too; a case a desk opened
    on its own record of the person (reached by a transfer, :func:`own_files`) is listed too."""
    files = await own_files(session, registrant_id)
    found = list(
        (
            await session.execute(
                select(Case).where(Case.id.in_(own_case_ids(files))).order_by(Case.created_at.desc(), Case.id.desc())
            )
        ).scalars()
    )
    await audit.record(
        session,
        actor=actor,
        action="self_service.requests_read",
        entity_type="registrant",
        entity_id=registrant_id,
        desk_id=next(iter(actor.desk_ids or ()), None),
        details={"cases": len(found)},
    )
    return await _requests_out(session, found, registrant_id=registrant_id)


async def own_case(session: AsyncSession, *, registrant_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    """One of the person's cases (:func:`own_case_ids`: their files', and those they continue as
    at another desk after a transfer); ``NotFound`` (404) for anyone else's or a missing one."""
    files = await own_files(session, registrant_id)
    stmt = select(Case).where(Case.id == case_id, Case.id.in_(own_case_ids(files)))
    case = (await session.execute(stmt)).scalar_one_or_none()
    if case is None:
        raise NotFound("No such request.", detail_fr="Demande introuvable.")
    return case


async def read_request(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, case_id: uuid.UUID
) -> RequestOut:
    """One of the person's requests with its status history (audited ``case.read``)."""
    case = await own_case(session, registrant_id=registrant_id, case_id=case_id)
    await audit.record(
        session, actor=actor, action="case.read", entity_type="case", entity_id=case.id, desk_id=case.desk_id
    )
    return (await _requests_out(session, [case], registrant_id=registrant_id))[0]


async def submit_request(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, body: RequestCreate, settings: Settings
) -> RequestOut:
    """Open a case (channel ``mobile_app``) at the person's desk through
    :func:`app.cases.service.create` (number, SLA due date, timeline, audit ``case.create``).

    Raises ``ServiceTypeNotOffered`` (422) for a type persons may not request themselves, and the
    catalogue's ``UnknownServiceType``/``ServiceTypeRetired`` (422).
    """
    code = body.service_type.strip().upper()
    if code not in settings.self_service_service_types:
        raise ServiceTypeNotOffered(
            f"{code} cannot be requested in self-service; call or visit the desk.",
            detail_fr=f"{code} ne peut pas être demandé en libre-service ; appelez ou passez au guichet.",
            errors=[{"loc": ["body", "service_type"], "msg": "not offered in self-service", "type": "not_offered"}],
        )
    with in_persons_words("request"):
        case = await cases.create(
            session,
            actor=actor,
            values={
                "registrant_id": registrant_id,
                "service_type": code,
                "channel": "mobile_app",
                "description": body.description,
            },
        )
    return (await _requests_out(session, [case], registrant_id=registrant_id))[0]


async def access_archive(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, storage: Storage, settings: Settings
) -> bytes:
    """The person's subject-access archive (:mod:`app.privacy.access`: ZIP with ``data.json``, the
    documents' files, ``resume.html``, ``manifest.json``), recorded as an access request received
    through ``self_service`` and fulfilled at once; audited ``privacy.subject_access``."""
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None:
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    now = utcnow()
    today = local_date(await session.get_one(Desk, registrant.desk_id), now)  # the desk's day, as at the counter
    request = SubjectRequest(
        id=new_id(),
        registrant_id=registrant.id,
        desk_id=registrant.desk_id,
        kind="access",
        channel="self_service",
        received_on=today,
        due_on=today,
        recorded_at=now,
        recorded_by=None,
        fulfilled_at=now,
        fulfilled_by=None,
    )
    session.add(request)
    await session.flush()
    data = await access.collect(session, registrant=registrant)
    files = len(data["documents"])
    archive = await access.build_archive(data, storage=storage, generated_at=now, request_id=request.id)
    request.archive_sha256 = hashlib.sha256(archive).hexdigest()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="privacy.subject_access",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"subject_request_id": request.id, "archive_sha256": request.archive_sha256, "document_files": files},
    )
    return archive
