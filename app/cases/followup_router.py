"""``/api/v1/cases/{id}/notes`` and ``/api/v1/cases/{id}/referrals``: the follow-up of a case."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from app.cases import notes, referrals
from app.cases.models import CaseNote, Partner
from app.cases.router import CaseWorker
from app.cases.schemas import NoteCreate, NoteOut, ReferralCreate, ReferralOut, ReferralUpdate
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router

router = api_router(prefix="/api/v1/cases/{case_id}", tags=["cases"])


def _note_out(note: CaseNote, actor: Actor) -> NoteOut:
    hidden = note.confidential and not actor.reads_sensitive
    return NoteOut(
        id=note.id,
        case_id=note.case_id,
        author_id=note.author_id,
        author_label=note.author_label,
        confidential=note.confidential,
        internal_assessment=note.internal_assessment,
        text=None if hidden else note.text,
        created_at=note.created_at,
    )


@router.post("/notes", status_code=201, response_model=NoteOut)
async def add_note(
    case_id: uuid.UUID, body: NoteCreate, session: SessionDep, actor: CaseWorker, idem: IdempotencyDep
) -> Response:
    """Add a note (``confidential`` for health, psychosocial, legal content). Accepts ``Idempotency-Key``;
    409 ``case-read-only`` on a transferred case."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    note = await notes.add(
        session,
        actor=actor,
        case_id=case_id,
        text=body.text,
        confidential=body.confidential,
        internal_assessment=body.internal_assessment,
        note_id=body.id,
    )
    headers = {"Location": f"/api/v1/cases/{case_id}/notes/{note.id}"}
    return await idem.respond(201, _note_out(note, actor).model_dump(mode="json"), headers)


@router.get("/notes", response_model=Page[NoteOut])
async def list_notes(
    case_id: uuid.UUID,
    session: SessionDep,
    actor: CaseWorker,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[NoteOut]:
    """The case's notes, oldest first; a confidential note's ``text`` is null for agents. Audited."""
    rows, next_cursor = await notes.page(session, actor=actor, case_id=case_id, cursor=cursor, limit=limit)
    return Page[NoteOut](items=[_note_out(n, actor) for n in rows], next_cursor=next_cursor)


@router.post("/referrals", status_code=201, response_model=ReferralOut)
async def create_referral(
    case_id: uuid.UUID, body: ReferralCreate, session: SessionDep, actor: CaseWorker, idem: IdempotencyDep
) -> Response:
    """Refer the case to an active partner. 422 ``unknown-partner``/``partner-inactive``;
    409 ``case-not-open``. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    referral = await referrals.create(session, actor=actor, case_id=case_id, values=body.model_dump())
    partner = await session.get(Partner, referral.partner_id)
    assert partner is not None
    headers = {"ETag": etag_of(referral.version), "Location": f"/api/v1/cases/{case_id}/referrals/{referral.id}"}
    return await idem.respond(201, referrals.present(referral, partner).model_dump(mode="json"), headers)


@router.get("/referrals", response_model=list[ReferralOut])
async def list_referrals(case_id: uuid.UUID, session: SessionDep, actor: CaseWorker) -> list[ReferralOut]:
    """The case's referrals, oldest first (a case has few: not paginated). Audited."""
    return [referrals.present(r, p) for r, p in await referrals.list_for_case(session, actor=actor, case_id=case_id)]


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def get_referral(
    case_id: uuid.UUID, referral_id: uuid.UUID, session: SessionDep, actor: CaseWorker, response: Response
) -> ReferralOut:
    """One referral with its ETag. Audited."""
    referral, partner = await referrals.read(session, actor=actor, case_id=case_id, referral_id=referral_id)
    response.headers["ETag"] = etag_of(referral.version)
    return referrals.present(referral, partner)


@router.patch("/referrals/{referral_id}", response_model=ReferralOut)
async def update_referral(
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    body: ReferralUpdate,
    session: SessionDep,
    actor: CaseWorker,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> ReferralOut:
    """Record the partner's acknowledgement, reference, answer (``answered``/``declined``) or
    silence (``no_answer``). 409 ``referral-status-not-allowed`` (its current status included);
    422 ``field-not-applicable`` for ``answered_on`` without an answer; ``If-Match`` required."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    referral = await referrals.update(
        session, actor=actor, case_id=case_id, referral_id=referral_id, if_match=if_match, changes=changes
    )
    partner = await session.get(Partner, referral.partner_id)
    assert partner is not None
    response.headers["ETag"] = etag_of(referral.version)
    return referrals.present(referral, partner)
