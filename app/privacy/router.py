"""``/api/v1/privacy``: the consent purposes, the register of disclosures, subject requests."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Query, Response

from app.auth.deps import CurrentActor
from app.core.dates import DateText
from app.core.deps import SessionDep, SettingsDep
from app.core.idempotency import IdempotencyDep, not_keyed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.periods import check_order
from app.core.routing import api_router
from app.documents.deps import StorageDep
from app.privacy import activities, register, requests
from app.privacy.purposes import PURPOSES
from app.privacy.schemas import DisclosureOut, PurposeOut, SubjectRequestIn, SubjectRequestOut
from app.reports.writers import content_disposition

router = api_router(prefix="/api/v1/privacy", tags=["privacy"])

Kind = Literal["referral", "transfer", "notification"]
StartQ = Annotated[DateText | None, Query(description="First UTC date included (YYYY-MM-DD).")]
EndQ = Annotated[DateText | None, Query(description="Last UTC date included (YYYY-MM-DD).")]
KindQ = Annotated[Kind | None, Query(description="referral, transfer or notification.")]
RegistrantQ = Annotated[uuid.UUID | None, Query(description="Only this registrant's disclosures.")]


@router.get("/purposes", response_model=list[PurposeOut])
async def list_purposes(actor: CurrentActor) -> list[PurposeOut]:
    """The consent purposes: labels, recipients, categories of data and consent validity (days)."""
    return [
        PurposeOut(
            code=p.code,
            label_fr=p.label_fr,
            label_en=p.label_en,
            recipients=list(p.recipients),
            categories=list(p.categories),
            validity_days=p.validity_days,
        )
        for p in PURPOSES.values()
    ]


@router.get("/processing-activities")
async def processing_activities(
    session: SessionDep, settings: SettingsDep, actor: CurrentActor, response: Response
) -> dict[str, Any]:
    """The record of processing activities generated from the configuration: controllers (desks),
    and per purpose its legal basis, data subjects, categories of data, recipients, transfers to
    other countries, time limits and security measures. Supervisors, administrators, auditors."""
    response.headers["Cache-Control"] = "no-store"
    return await activities.record_of_processing(session, actor=actor, settings=settings)


@router.get("/disclosures", response_model=Page[DisclosureOut])
async def list_disclosures(
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    start: StartQ = None,
    end: EndQ = None,
    kind: KindQ = None,
    registrant_id: RegistrantQ = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[DisclosureOut]:
    """The register of disclosures (referrals to partners, transfers between desks, notifications
    through an external provider): who, to whom, when, which fields, legal basis, consent id.
    Newest first. Administrators and auditors see every desk, supervisors theirs; 403 otherwise.
    The read is audited."""
    check_order(start, end)
    filters = register.RegisterFilters(start=start, end=end, kind=kind, registrant_id=registrant_id)
    items, next_cursor = await register.list_page(session, actor=actor, filters=filters, cursor=cursor, limit=limit)
    response.headers["Cache-Control"] = "no-store"
    return Page[DisclosureOut](items=items, next_cursor=next_cursor)


@router.get("/disclosures.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def export_disclosures(
    session: SessionDep,
    actor: CurrentActor,
    start: StartQ = None,
    end: EndQ = None,
    kind: KindQ = None,
    registrant_id: RegistrantQ = None,
) -> Response:
    """The register of disclosures as CSV (UTF-8 with BOM, ISO 8601 UTC timestamps), oldest first.
    Same roles as the list; audited."""
    check_order(start, end)
    filters = register.RegisterFilters(start=start, end=end, kind=kind, registrant_id=registrant_id)
    body = await register.export_csv(session, actor=actor, filters=filters)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition("diaspora-desk-disclosures.csv"),
            "Cache-Control": "no-store",
        },
    )


@router.post("/subject-requests", status_code=201, response_model=SubjectRequestOut)
async def create_subject_request(
    body: SubjectRequestIn, session: SessionDep, settings: SettingsDep, actor: CurrentActor, idem: IdempotencyDep
) -> Response:
    """Record a person's request (``access``) with the day it was received; ``due_on`` is the day
    the answer is due. Supervisors (their desks) and administrators; 403 otherwise, 404 for a
    registrant not visible; 422 for a ``received_on`` after the desk's today (the local date of the
    person's desk, its default). Audited. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    request = await requests.create(
        session,
        actor=actor,
        registrant_id=body.registrant_id,
        kind=body.kind,
        channel=body.channel,
        received_on=body.received_on,
        deadline_days=settings.subject_request_deadline_days,
    )
    return await idem.respond(201, SubjectRequestOut.model_validate(request).model_dump(mode="json"))


@router.get("/subject-requests", response_model=Page[SubjectRequestOut])
async def list_subject_requests(
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    open_only: Annotated[bool, Query(description="Only requests not answered yet.")] = False,
    registrant_id: Annotated[uuid.UUID | None, Query(description="Only this registrant's requests.")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[SubjectRequestOut]:
    """The log of subject requests (received, due, fulfilled), oldest received first; same roles.
    ``registrant_id``: only that person's (a person's file lists them). ``{items, next_cursor}``,
    ``limit`` (1–200, default 50) a page, ``next_cursor`` null on the last; 400 for a cursor not
    issued here."""
    response.headers["Cache-Control"] = "no-store"
    rows, next_cursor = await requests.list_all(
        session, actor=actor, open_only=open_only, registrant_id=registrant_id, cursor=cursor, limit=limit
    )
    return Page[SubjectRequestOut](items=[SubjectRequestOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/subject-requests/{request_id}/archive",
    response_class=Response,
    openapi_extra=not_keyed(
        "A ZIP archive, not a JSON answer: each call builds and logs the archive again; only the first fulfils "
        "the request, so a retry changes nothing else."
    ),
    responses={200: {"content": {"application/zip": {}}}},
)
async def subject_access_archive(
    request_id: uuid.UUID, session: SessionDep, actor: CurrentActor, storage: StorageDep
) -> Response:
    """The access archive of the request's registrant (ZIP: ``data.json``, the documents' files,
    ``resume.html`` in French, ``manifest.json`` with SHA-256 checksums). The first archive
    fulfils the request. Same roles; 404 for an unknown request. Audited."""
    request, archive = await requests.access_archive(session, actor=actor, storage=storage, request_id=request_id)
    return Response(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(f"acces-{request.registrant_id}.zip"),
            "Cache-Control": "no-store",
        },
    )
