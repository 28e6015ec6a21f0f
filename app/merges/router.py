"""``/api/v1/registrant-merges``: merge two registrant files of one person, approve, undo.

A merge's life: ``GET /preview`` shows the conflicting fields and what would move;
``POST`` merges (201) or, for an agent at a desk requiring approval, proposes (202);
``POST /{id}/approve`` or ``/reject`` (supervisors, administrators); ``POST /{id}/unmerge``.
The merged file then answers ``GET /api/v1/registrants/{id}`` with ``301`` to the survivor and
any write with 409 ``registrant-merged`` (pointer in ``survivor_id``/``survivor_location``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response

from app.auth.deps import require_roles
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.idempotency import IdempotencyDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router
from app.merges import approval, service
from app.merges import unmerge as unmerging
from app.merges.schemas import MergeCreate, MergeDecision, MergeOut, MergePreview, Status

router = api_router(prefix="/api/v1/registrant-merges", tags=["registrant merges"])

WriterActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


@router.get(
    "/preview",
    response_model=MergePreview,
    responses={404: _PROBLEM, 409: _PROBLEM, 422: _PROBLEM},
)
async def preview_merge(
    session: SessionDep,
    actor: WriterActor,
    survivor_id: Annotated[uuid.UUID, Query(description="The file that stays.")],
    merged_id: Annotated[uuid.UUID, Query(description="The file merged into it.")],
) -> MergePreview:
    """The fields whose values differ (each needs a choice), the records that would move, both
    files' ETags and whether the merge needs approval. Audited (it shows both files)."""
    return await service.preview(session, actor=actor, survivor_id=survivor_id, merged_id=merged_id)


@router.post(
    "",
    status_code=201,
    response_model=MergeOut,
    responses={
        202: {"description": "Proposed: waits for a supervisor's approval (desk setting)."},
        403: {"description": "restricted-field (residence_status taken from the merged file)", **_PROBLEM},
        404: {"description": "unknown file, or a file of a desk you do not belong to", **_PROBLEM},
        409: {
            "description": "registrant-merged (a file already merged), registrant-erased (a file anonymised), "
            "merge-pending, merge-too-many-values (`exceeded`: the survivor would hold more phones or "
            "documents than a file accepts)",
            **_PROBLEM,
        },
        412: {"description": "precondition-failed: a file changed since your read (`file`)", **_PROBLEM},
        422: {"description": "merge-same-registrant, merge-choices-missing (`missing`)", **_PROBLEM},
        428: {"description": "precondition-required: an ETag missing (`file`)", **_PROBLEM},
    },
)
async def create_merge(body: MergeCreate, session: SessionDep, actor: WriterActor, idem: IdempotencyDep) -> Response:
    """Merge ``merged_id`` into ``survivor_id`` (201, ``Location``), or propose it (202).
    Accepts ``Idempotency-Key`` (a retry answers the first merge, not 409 ``registrant-merged``)."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    record = await service.create(session, actor=actor, data=body)
    status = 202 if record.status == "proposed" else 201
    out = (await service.present(session, [record]))[0].model_dump(mode="json")
    return await idem.respond(status, out, {"Location": f"/api/v1/registrant-merges/{record.id}"})


@router.get("", response_model=Page[MergeOut])
async def list_merges(
    session: SessionDep,
    actor: WriterActor,
    status: Status | None = None,
    registrant_id: Annotated[
        uuid.UUID | None, Query(description="Only the merges this file took part in (survivor or merged).")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[MergeOut]:
    """The merges of your desks, newest proposed first (``status=proposed``: those awaiting
    approval; ``registrant_id``: those of one file), ``limit`` (1–200, default 50) a page with
    cursor pagination: ``{items, next_cursor}``, ``next_cursor`` null on the last page. 400 for a
    cursor not issued here. Audited."""
    rows, next_cursor = await service.listing(
        session, actor=actor, status=status, cursor=cursor, limit=limit, registrant_id=registrant_id
    )
    return Page[MergeOut](items=await service.present(session, rows), next_cursor=next_cursor)


@router.get("/{merge_id}", response_model=MergeOut, responses={404: _PROBLEM})
async def get_merge(merge_id: uuid.UUID, session: SessionDep, actor: WriterActor) -> MergeOut:
    """One merge record. Audited."""
    return (await service.present(session, [await service.read(session, actor=actor, merge_id=merge_id)]))[0]


@router.post(
    "/{merge_id}/approve",
    response_model=MergeOut,
    responses={403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM, 412: _PROBLEM},
)
async def approve_merge(
    merge_id: uuid.UUID,
    session: SessionDep,
    actor: WriterActor,
    idem: IdempotencyDep,
    body: MergeDecision | None = None,
) -> Response:
    """Carry out a proposed merge (supervisor or administrator). 412 if a file changed since.
    Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    note = body.note if body else None
    record = await approval.decide(session, actor=actor, merge_id=merge_id, approve=True, note=note)
    return await idem.respond(200, (await service.present(session, [record]))[0].model_dump(mode="json"))


@router.post("/{merge_id}/reject", response_model=MergeOut, responses={403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM})
async def reject_merge(
    merge_id: uuid.UUID,
    session: SessionDep,
    actor: WriterActor,
    idem: IdempotencyDep,
    body: MergeDecision | None = None,
) -> Response:
    """Reject a proposed merge (supervisor or administrator); nothing changes on the files.
    Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    note = body.note if body else None
    record = await approval.decide(session, actor=actor, merge_id=merge_id, approve=False, note=note)
    return await idem.respond(200, (await service.present(session, [record]))[0].model_dump(mode="json"))


@router.post("/{merge_id}/unmerge", response_model=MergeOut, responses={403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM})
async def unmerge(
    merge_id: uuid.UUID,
    session: SessionDep,
    actor: WriterActor,
    idem: IdempotencyDep,
    body: MergeDecision | None = None,
) -> Response:
    """Undo a merge: both files as they were; ``note`` (optional) says why, kept on the merge
    record and audited. 409 ``merge-not-in-force`` (e.g. twice), ``unmerge-refused`` with
    ``reasons`` when a change since cannot be undone. Accepts ``Idempotency-Key`` (a retry answers
    the first unmerge, not 409)."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    note = body.note if body else None
    record = await unmerging.unmerge(session, actor=actor, merge_id=merge_id, note=note)
    return await idem.respond(200, (await service.present(session, [record]))[0].model_dump(mode="json"))
