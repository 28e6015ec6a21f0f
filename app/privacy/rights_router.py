"""The rights of the people on file: erasure, legal holds, the correction history.

``/api/v1/privacy/subject-requests/{id}/erase``, ``/api/v1/privacy/legal-holds`` and
``/api/v1/registrants/{id}/corrections``.
"""

from __future__ import annotations

import uuid

from fastapi import Response

from app.auth.deps import CurrentActor
from app.core.deps import SessionDep, SettingsDep
from app.core.idempotency import IdempotencyDep
from app.core.routing import api_router
from app.documents.deps import StorageDep
from app.privacy import holds, rectification, requests
from app.privacy.schemas import CorrectionOut, ErasedFileOut, ErasureOut, LegalHoldIn, LegalHoldOut
from app.reports.ages import AgeBands

router = api_router(tags=["privacy"])


@router.post("/api/v1/privacy/subject-requests/{request_id}/erase", response_model=ErasureOut)
async def erase(
    request_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    storage: StorageDep,
    idem: IdempotencyDep,
) -> Response:
    """Carry out an erasure request: the registrant's file is anonymised (statistics kept, personal
    values, documents and their stored files removed) with every other file of the person at any
    desk, merged or linked by a transfer (listed in ``files_erased``), and the request fulfilled.
    Supervisors (their desks) and administrators; 403 otherwise, 404 for an unknown request or one
    not of kind ``erasure``, 409 ``/problems/legal-hold`` naming the hold in force on any of those
    files (nothing is erased then). Idempotent: a second call answers ``already_erased`` and
    changes nothing. Audited ``privacy.erasure`` per file. Accepts ``Idempotency-Key`` (a retry
    with it answers the first outcome itself)."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    request, outcome, files = await requests.erase(
        session,
        actor=actor,
        storage=storage,
        request_id=request_id,
        bands=AgeBands.of(settings.report_age_bands),
    )
    out = ErasureOut(
        subject_request_id=request.id,
        registrant_id=outcome.registrant_id,
        anonymised_at=outcome.anonymised_at,
        already_erased=outcome.already_erased,
        counts=outcome.counts,
        files_removed=len(outcome.storage_keys),
        files_erased=[ErasedFileOut.model_validate(f, from_attributes=True) for f in files],
    )
    return await idem.respond(200, out.model_dump(mode="json"))


@router.post("/api/v1/privacy/legal-holds", status_code=201, response_model=LegalHoldOut)
async def place_legal_hold(
    body: LegalHoldIn, session: SessionDep, actor: CurrentActor, idem: IdempotencyDep
) -> Response:
    """Put a registrant's file under a legal hold: no erasure while it is in force. Supervisors
    (their desks) and administrators; 403 otherwise, 404 for a registrant not visible, 409
    ``registrant-merged`` for a merged file (hold its survivor), 422 for an ``until`` before the desk's today
    (``until`` is a day of the person's desk: the hold lasts until it ends in the desk's time zone).
    Audited ``privacy.legal_hold_set``. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    hold = await holds.place(
        session, actor=actor, registrant_id=body.registrant_id, reason=body.reason, until=body.until
    )
    return await idem.respond(201, LegalHoldOut.model_validate(hold).model_dump(mode="json"))


@router.post("/api/v1/privacy/legal-holds/{hold_id}/release", response_model=LegalHoldOut)
async def release_legal_hold(
    hold_id: uuid.UUID, session: SessionDep, actor: CurrentActor, idem: IdempotencyDep
) -> Response:
    """Release a legal hold now. Same roles; 404 for an unknown hold, 409 when already released.
    Audited ``privacy.legal_hold_release``. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    hold = await holds.release(session, actor=actor, hold_id=hold_id)
    return await idem.respond(200, LegalHoldOut.model_validate(hold).model_dump(mode="json"))


@router.get("/api/v1/registrants/{registrant_id}/legal-holds", response_model=list[LegalHoldOut])
async def list_legal_holds(
    registrant_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> list[LegalHoldOut]:
    """Every legal hold of a registrant (in force or not), oldest first. Supervisors,
    administrators and auditors; 403 otherwise, 404 for a registrant not visible, 409
    ``registrant-merged`` for a merged file (its holds moved to the survivor)."""
    response.headers["Cache-Control"] = "no-store"
    rows = await holds.list_for(session, actor=actor, registrant_id=registrant_id)
    return [LegalHoldOut.model_validate(h) for h in rows]


@router.get("/api/v1/registrants/{registrant_id}/corrections", response_model=list[CorrectionOut])
async def list_corrections(
    registrant_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> list[CorrectionOut]:
    """The correction history of a registrant's file (field, value before and after, reason, who,
    when), oldest first. Supervisors, administrators and auditors (the residence status only for
    those who may read it); 403 for agents, 404 for a registrant not visible, 409
    ``registrant-merged`` for a merged file. Audited."""
    response.headers["Cache-Control"] = "no-store"
    rows = await rectification.history(session, actor=actor, registrant_id=registrant_id)
    return [CorrectionOut.model_validate(r) for r in rows]
