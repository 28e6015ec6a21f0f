"""``/api/v1/self/…``: self-service for the people served (docs/self-service.md).

Authenticated by person tokens only (``app.selfservice.deps``): a staff token answers 401 here,
and a person token answers 401 on every staff route. Sign-in needs no token; the account and the
link need a signed-in person; everything about a file needs a linked account (403
``account-not-linked``) and only ever touches that person's own registrant.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import ClientDisconnect

from app.calendars.service import local_date
from app.core.dates import DateText
from app.core.db import utcnow
from app.core.deps import RequestContextDep, SessionDep, SettingsDep
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep, not_keyed
from app.core.routing import api_router
from app.desks.models import Desk
from app.documents.deps import Sessions, StorageDep
from app.documents.owners import Owner
from app.documents.router import _UPLOAD_BODY, STREAMED_UPLOAD
from app.documents.upload import upload
from app.registrants.models import Registrant
from app.reports.writers import content_disposition
from app.selfservice import accounts, booking, linking, service
from app.selfservice.deps import CurrentPerson, Linked, LinkedPerson, get_linked, get_person, person_bearer
from app.selfservice.models import PersonAccount
from app.selfservice.schemas import (
    AccountOut,
    BookingIn,
    CodeRequest,
    CodeSent,
    ContactOut,
    ContactUpdate,
    LinkRequest,
    PersonAppointmentOut,
    PersonDocumentOut,
    PersonToken,
    RequestCreate,
    RequestOut,
    RescheduleIn,
    ServiceTypeOut,
    SignIn,
    SlotsOut,
)

router = api_router(prefix="/api/v1/self", tags=["self-service"])
IfMatch = Annotated[str | None, Header()]


async def _account_out(session: AsyncSession, account_id: uuid.UUID) -> AccountOut:
    account = await session.get(PersonAccount, account_id)
    assert account is not None
    number = desk_code = None
    if account.registrant_id is not None:
        row = (
            await session.execute(
                select(Registrant.registration_number, Desk.code)
                .join(Desk, Desk.id == Registrant.desk_id)
                .where(Registrant.id == account.registrant_id)
            )
        ).first()
        if row is not None:
            number, desk_code = row
    return AccountOut(
        id=account.id,
        kind=account.kind,
        identifier=account.identifier,
        language=account.language,
        linked=account.registrant_id is not None,
        registration_number=number,
        desk_code=desk_code,
        created_at=account.created_at,
    )


# --- signing in ------------------------------------------------------------------------------


@router.post(
    "/codes",
    status_code=202,
    response_model=CodeSent,
    openapi_extra=not_keyed("Before sign-in: no account to scope a key to. Sending limits bound the retries."),
)
async def request_code(
    body: CodeRequest, session: SessionDep, settings: SettingsDep, context: RequestContextDep
) -> CodeSent:
    """Send a six-digit sign-in code by SMS, WhatsApp or e-mail. The answer is the same whether
    or not an account exists. 422 for a number that is not a valid mobile (``phone_fixed_line``
    for a fixed line, saying to ask by e-mail or with a mobile) or a bad address; 429
    ``code-sending-limited`` with ``Retry-After`` (cool-down, daily cap per recipient, hourly cap
    per client address)."""
    await accounts.request_code(session, settings=settings, context=context, body=body)
    return CodeSent(
        expires_in=settings.self_service_code_ttl_seconds, resend_after=settings.self_service_code_cooldown_seconds
    )


@router.post(
    "/sessions",
    response_model=PersonToken,
    openapi_extra=not_keyed("A code in, a token out: no account to scope a key to, and a token is never stored."),
)
async def sign_in(body: SignIn, session: SessionDep, settings: SettingsDep, context: RequestContextDep) -> PersonToken:
    """Sign in (or sign up, the first time) with the code received: a person access token valid
    ``SELF_SERVICE_TOKEN_TTL_SECONDS``. 401 ``invalid-code`` for a wrong, expired or spent code."""
    account, token = await accounts.sign_in(session, settings=settings, context=context, body=body)
    return PersonToken(
        access_token=token,
        expires_in=settings.self_service_token_ttl_seconds,
        account=await _account_out(session, account.id),
    )


@router.delete("/sessions", status_code=204)
async def sign_out(person: CurrentPerson, session: SessionDep) -> Response:
    """Sign out everywhere: every token of the account is refused from now on."""
    await accounts.sign_out(session, account=person.account, actor=person.actor)
    return Response(status_code=204)


@router.get("/account", response_model=AccountOut)
async def read_account(person: CurrentPerson, session: SessionDep) -> AccountOut:
    """The signed-in account and whether a desk has linked it to a file."""
    return await _account_out(session, person.account.id)


@router.post("/link", response_model=AccountOut)
async def link_account(
    body: LinkRequest, person: CurrentPerson, session: SessionDep, settings: SettingsDep, idem: IdempotencyDep
) -> Response:
    """Link the account to your file with the code the desk gave you after checking your
    identity. 422 ``invalid-link-code``; 409 ``account-already-linked``; 429
    ``link-attempts-exhausted`` after too many wrong codes. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(person.actor)) is not None:
        return replayed
    await linking.link(session, account=person.account, actor=person.actor, settings=settings, typed=body.code)
    out = await _account_out(session, person.account.id)
    return await idem.respond(200, out.model_dump(mode="json"))


# --- contact details ---------------------------------------------------------------------------


def _contact_response(registrant: Registrant) -> JSONResponse:
    body = service.contact_of(registrant).model_dump(mode="json")
    return JSONResponse(body, headers={"ETag": etag_of(registrant.version)})


@router.get("/contact", response_model=ContactOut)
async def read_contact(person: LinkedPerson, session: SessionDep) -> JSONResponse:
    """Your contact details (phones, e-mail, where you live), with an ``ETag``. Audited."""
    return _contact_response(
        await service.read_contact(session, actor=person.actor, registrant_id=person.registrant_id)
    )


@router.patch("/contact", response_model=ContactOut)
async def correct_contact(
    body: ContactUpdate, person: LinkedPerson, session: SessionDep, settings: SettingsDep, if_match: IfMatch = None
) -> JSONResponse:
    """Correct your contact details (``If-Match`` required: 428/412). Phones are checked as at the
    desk (a number that cannot be validated is kept unverified for the desk to check). Audited
    with old and new values."""
    registrant = await service.correct_contact(
        session, actor=person.actor, registrant_id=person.registrant_id, if_match=if_match, body=body, settings=settings
    )
    return _contact_response(registrant)


# --- requests ----------------------------------------------------------------------------------


@router.get("/service-types", response_model=list[ServiceTypeOut])
async def list_service_types(person: LinkedPerson, session: SessionDep, settings: SettingsDep) -> list[ServiceTypeOut]:
    """The kinds of request you can submit yourself."""
    types = await service.offered_service_types(session, settings=settings)
    return [ServiceTypeOut.model_validate(t, from_attributes=True) for t in types]


@router.get("/requests", response_model=list[RequestOut])
async def list_requests(person: LinkedPerson, session: SessionDep) -> list[RequestOut]:
    """Your requests and their status, newest first. Audited."""
    return await service.list_requests(session, actor=person.actor, registrant_id=person.registrant_id)


@router.post("/requests", status_code=201, response_model=RequestOut)
async def submit_request(
    body: RequestCreate, person: LinkedPerson, session: SessionDep, settings: SettingsDep, idem: IdempotencyDep
) -> Response:
    """Submit a new request at your desk (422 ``service-type-not-offered``). Accepts
    ``Idempotency-Key``."""
    if (replayed := await idem.replay(person.actor)) is not None:
        return replayed
    out = await service.submit_request(
        session, actor=person.actor, registrant_id=person.registrant_id, body=body, settings=settings
    )
    return await idem.respond(201, out.model_dump(mode="json"), {"Location": f"/api/v1/self/requests/{out.id}"})


@router.get("/requests/{case_id}", response_model=RequestOut)
async def read_request(case_id: uuid.UUID, person: LinkedPerson, session: SessionDep) -> RequestOut:
    """One of your requests with its status history. 404 for anything not yours. Audited."""
    return await service.read_request(session, actor=person.actor, registrant_id=person.registrant_id, case_id=case_id)


# --- documents ---------------------------------------------------------------------------------


async def _linked_briefly(
    request: Request,
    settings: SettingsDep,
    context: RequestContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(person_bearer)],
) -> Linked:
    """The linked person, read in a transaction closed before the upload streams."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            return await get_linked(await get_person(session, settings, context, credentials))
        finally:
            await session.rollback()


BriefLinked = Annotated[Linked, Depends(_linked_briefly)]


async def _upload(
    owner: Owner, person: Linked, request: Request, settings: SettingsDep, storage: StorageDep, sessionmaker: Sessions
) -> Response:
    try:
        uploaded = await upload(
            sessionmaker=sessionmaker,
            storage=storage,
            settings=settings,
            actor=person.actor,
            owner_type=owner.type,
            owner_id=owner.id,
            stream=request.stream(),
            content_type=request.headers.get("content-type"),
            content_length=request.headers.get("content-length"),
            owner=owner,
            refuse_other_form=False,  # the answer says already_on_file, with the form as sent
        )
    except ClientDisconnect:
        return Response(status_code=400)
    document = uploaded.document
    body = PersonDocumentOut(
        id=document.id,
        owner_type=owner.type,
        owner_id=owner.id,
        kind=uploaded.kind,
        original_filename=uploaded.filename,
        description=uploaded.description,
        media_type=document.media_type,
        size_bytes=document.size_bytes,
        sha256=document.sha256,
        already_on_file=not uploaded.created,
    ).model_dump(mode="json")
    return JSONResponse(body, status_code=201 if uploaded.created else 200, headers={"ETag": f'"{document.sha256}"'})


_ALREADY_STORED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": PersonDocumentOut,
        "description": "The desk already holds the same file there: not recorded again (``already_on_file``).",
    }
}


@router.post(
    "/documents",
    status_code=201,
    response_model=PersonDocumentOut,
    responses=_ALREADY_STORED,
    openapi_extra={**_UPLOAD_BODY, **STREAMED_UPLOAD},
)
async def upload_document(
    request: Request, person: BriefLinked, settings: SettingsDep, storage: StorageDep, sessionmaker: Sessions
) -> Response:
    """Upload a document to your file (multipart/form-data: ``file``, ``kind``, ``description``):
    same limits, type sniffing and metadata stripping as at the desk (413, 415, 422). 201, or 200
    with ``already_on_file`` when the desk already holds the same file there (nothing recorded
    again). Audited."""
    owner = Owner(type="registrant", id=person.registrant_id, desk_id=person.desk_id)
    return await _upload(owner, person, request, settings, storage, sessionmaker)


@router.post(
    "/requests/{case_id}/documents",
    status_code=201,
    response_model=PersonDocumentOut,
    responses=_ALREADY_STORED,
    openapi_extra={**_UPLOAD_BODY, **STREAMED_UPLOAD},
)
async def upload_request_document(
    case_id: uuid.UUID,
    request: Request,
    person: BriefLinked,
    settings: SettingsDep,
    storage: StorageDep,
    sessionmaker: Sessions,
) -> Response:
    """Upload a document for one of your requests (404 for anything not yours); same form."""
    async with sessionmaker() as session:
        case = await service.own_case(session, registrant_id=person.registrant_id, case_id=case_id)
        owner = Owner(type="case", id=case.id, desk_id=case.desk_id)
        await session.rollback()
    return await _upload(owner, person, request, settings, storage, sessionmaker)


# --- appointments ------------------------------------------------------------------------------


@router.get("/slots", response_model=SlotsOut)
async def list_slots(
    person: LinkedPerson,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[DateText | None, Query(alias="from")] = None,
    days: Annotated[int, Query()] = 14,
) -> SlotsOut:
    """Free appointment slots of your desk for ``days`` (1–31) local days from ``from`` (default:
    the desk's today), in the desk's time zone; a time you already have an appointment is not
    offered."""
    desk = await session.get(Desk, person.desk_id)
    assert desk is not None
    first = start or local_date(desk, utcnow())
    desk, slots = await booking.free_slots(
        session, desk_id=desk.id, start=first, days=days, settings=settings, registrant_id=person.registrant_id
    )
    return SlotsOut(
        desk_code=desk.code, time_zone=desk.time_zone, slot_minutes=settings.self_service_slot_minutes, slots=slots
    )


@router.get("/appointments", response_model=list[PersonAppointmentOut])
async def list_appointments(person: LinkedPerson, session: SessionDep) -> list[PersonAppointmentOut]:
    """Your appointments, soonest first, at every desk holding a file of yours (yours, and the desk
    a request of yours was transferred to); each names what it is for by its request's service
    type (``service_type``, null when not about a request). Audited."""
    return await booking.list_own(session, actor=person.actor, registrant_id=person.registrant_id)


def _appointment_response(out: PersonAppointmentOut, status_code: int = 200) -> JSONResponse:
    return JSONResponse(out.model_dump(mode="json"), status_code=status_code, headers={"ETag": etag_of(out.version)})


@router.post("/appointments", status_code=201, response_model=PersonAppointmentOut)
async def book_appointment(
    body: BookingIn, person: LinkedPerson, session: SessionDep, settings: SettingsDep, idem: IdempotencyDep
) -> Response:
    """Book a free slot (as listed by ``/slots``). 422 ``slot-not-offered``; 409 ``slot-taken``,
    ``registrant-double-booked`` (you already have an appointment then);
    404 for a request that is not yours. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(person.actor)) is not None:
        return replayed
    appointment, desk = await booking.book(
        session,
        actor=person.actor,
        registrant_id=person.registrant_id,
        desk_id=person.desk_id,
        starts_at=body.starts_at,
        case_id=body.case_id,
        purpose=body.purpose,
        settings=settings,
    )
    out = await booking.present(session, appointment, desk)
    return await idem.respond(201, out.model_dump(mode="json"), {"ETag": etag_of(out.version)})


@router.patch("/appointments/{appointment_id}", response_model=PersonAppointmentOut)
async def reschedule_appointment(
    appointment_id: uuid.UUID,
    body: RescheduleIn,
    person: LinkedPerson,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Move your booked appointment to another free slot (``If-Match`` required: 428/412)."""
    appointment, desk = await booking.reschedule(
        session,
        actor=person.actor,
        registrant_id=person.registrant_id,
        appointment_id=appointment_id,
        if_match=if_match,
        starts_at=body.starts_at,
        settings=settings,
    )
    return _appointment_response(await booking.present(session, appointment, desk))


@router.post("/appointments/{appointment_id}/cancel", response_model=PersonAppointmentOut)
async def cancel_appointment(
    appointment_id: uuid.UUID, person: LinkedPerson, session: SessionDep, idem: IdempotencyDep, if_match: IfMatch = None
) -> Response:
    """Cancel your booked appointment (``If-Match`` required: 428/412; 409 unless booked).
    Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(person.actor)) is not None:
        return replayed
    appointment, desk = await booking.cancel(
        session,
        actor=person.actor,
        registrant_id=person.registrant_id,
        appointment_id=appointment_id,
        if_match=if_match,
    )
    out = await booking.present(session, appointment, desk)
    return await idem.respond(200, out.model_dump(mode="json"), {"ETag": etag_of(out.version)})


# --- subject access ----------------------------------------------------------------------------


@router.get("/archive", responses={200: {"content": {"application/zip": {}}}})
async def download_archive(
    person: LinkedPerson, session: SessionDep, settings: SettingsDep, storage: StorageDep
) -> Response:
    """Everything the desks hold about you, as a ZIP (``data.json``, your documents' files,
    ``resume.html`` in French, ``manifest.json`` with SHA-256 checksums). Recorded as a subject
    access request and audited."""
    archive = await service.access_archive(
        session, actor=person.actor, registrant_id=person.registrant_id, storage=storage, settings=settings
    )
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition("mon-dossier.zip"), "Cache-Control": "no-store"},
    )
