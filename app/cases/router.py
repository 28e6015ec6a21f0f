"""``/api/v1/cases``: open, read, list and queues, edit, assign, move through the workflow, timeline.

Open to agents, supervisors and administrators of the case's desk (404 across desks; auditors
read the audit log instead). Updates need ``If-Match``; creation accepts ``Idempotency-Key``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Response

from app.audit import service as audit
from app.auth.deps import require_roles
from app.cases import queues, service, transitions
from app.cases.models import Case, CaseEvent
from app.cases.schemas import (
    AssignmentIn,
    CaseCreate,
    CaseOut,
    CaseUpdate,
    Channel,
    Priority,
    Queue,
    Status,
    TimelineEventOut,
    TransitionIn,
)
from app.cases.timeline import events_query
from app.core.conflicts import with_current
from app.core.context import Actor
from app.core.dates import InstantText
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import PreconditionFailed
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate
from app.core.periods import check_order
from app.core.routing import api_router

router = api_router(prefix="/api/v1", tags=["cases"])
CaseWorker = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]
CursorQuery = Annotated[str | None, Query(max_length=512)]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


async def _out(session: SessionDep, case: Case, actor: Actor) -> CaseOut:
    """``case`` as ``actor`` reads it (the moves they may make)."""
    return CaseOut.of((await queues.views(session, [case], actor=actor))[0])


async def _page(session: SessionDep, rows: list[Case], next_cursor: str | None, actor: Actor) -> Page[CaseOut]:
    views = await queues.views(session, rows, actor=actor)
    return Page[CaseOut](items=[CaseOut.of(v) for v in views], next_cursor=next_cursor)


@router.post("/cases", status_code=201, response_model=CaseOut)
async def create_case(body: CaseCreate, session: SessionDep, actor: CaseWorker, idem: IdempotencyDep) -> Response:
    """Open a case at the registrant's desk; due date = today (desk) + the type's SLA in business days.

    404 ``unknown-registrant`` (also for a registrant of another desk); 422 ``unknown-service-type``
    or ``service-type-retired``. Accepts ``Idempotency-Key``.
    """
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    case = await service.create(session, actor=actor, values=body.model_dump())
    out = await _out(session, case, actor)
    headers = {"ETag": etag_of(case.version), "Location": f"/api/v1/cases/{case.id}"}
    return await idem.respond(201, out.model_dump(mode="json"), headers)


@router.get("/cases", response_model=Page[CaseOut])
async def list_cases(
    session: SessionDep,
    actor: CaseWorker,
    queue: Queue | None = None,
    status: Status | None = None,
    service_type: Annotated[str | None, Query(max_length=40)] = None,
    priority: Priority | None = None,
    channel: Channel | None = None,
    assignee_id: uuid.UUID | None = None,
    desk_id: uuid.UUID | None = None,
    created_since: InstantText | None = None,
    created_until: InstantText | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[CaseOut]:
    """Cases of the user's desks, filtered. With ``queue`` (open cases only: ``mine``,
    ``unassigned``, ``overdue``, ``due_today``, ``waiting_on_partner``; "today" is each desk's
    local date) the oldest come first; without it, the newest. ``created_since``/``created_until``
    are ISO 8601 instants with offset (a naive time is a 422). Cursor-paginated. Audited (the
    people whose cases are listed)."""
    check_order(created_since, created_until, names=("created_since", "created_until"))
    filters = queues.CaseFilters(
        queue=queue,
        status=status,
        service_type=service_type,
        priority=priority,
        channel=channel,
        assignee_id=assignee_id,
        desk_id=desk_id,
        created_since=created_since,
        created_until=created_until,
    )
    rows, next_cursor = await queues.list_page(session, actor=actor, filters=filters, cursor=cursor, limit=limit)
    return await _page(session, rows, next_cursor, actor)


@router.get("/registrants/{registrant_id}/cases", response_model=Page[CaseOut])
async def list_registrant_cases(
    registrant_id: uuid.UUID,
    session: SessionDep,
    actor: CaseWorker,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[CaseOut]:
    """A registrant's cases at the user's desks, newest first (404 ``unknown-registrant``)."""
    stmt = await queues.registrant_cases_query(session, actor=actor, registrant_id=registrant_id)
    rows, next_cursor = await paginate(session, stmt, keys=[Case.created_at, Case.id], cursor=cursor, limit=limit)
    return await _page(session, rows, next_cursor, actor)


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(case_id: uuid.UUID, session: SessionDep, actor: CaseWorker, response: Response) -> CaseOut:
    """One case with its ETag (404 across desks). Audited. The ETag moves with every change of
    what this read shows, also through other records: a referral made or changed, the closure
    approval of the case's service type, an erasure, a merge or unmerge of the person's file."""
    case = await service.read(session, actor=actor, case_id=case_id)
    response.headers["ETag"] = etag_of(case.version)
    return await _out(session, case, actor)


@router.patch("/cases/{case_id}", response_model=CaseOut)
async def update_case(
    case_id: uuid.UUID,
    body: CaseUpdate,
    session: SessionDep,
    settings: SettingsDep,
    actor: CaseWorker,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> CaseOut:
    """Edit details or the due date (with ``due_date_reason``; supervisors and administrators
    only: 403 ``due-date-supervisor-only`` for an agent's new date). ``If-Match`` required (428/412,
    the 412 with the case as it is now in ``current`` and ``current_etag``);
    422 ``due-date-before-creation``, ``due-date-too-far`` (more than ``CASE_DUE_DATE_HORIZON_DAYS``
    after the desk's today); 409 ``case-read-only``/``case-not-open``."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "language"}
    try:
        case = await service.update(
            session,
            actor=actor,
            case_id=case_id,
            if_match=if_match,
            changes=changes,
            due_date_horizon_days=settings.case_due_date_horizon_days,
        )
    except PreconditionFailed as stale:

        async def render() -> tuple[dict[str, Any], str]:
            current = await service.get_visible(session, actor=actor, case_id=case_id)
            audit.record_even_if_rolled_back(
                session,
                actor=actor,
                action="case.read",
                entity_type="case",
                entity_id=current.id,
                desk_id=current.desk_id,
                details={"reason": "precondition_failed"},
            )
            return (await _out(session, current, actor)).model_dump(mode="json"), etag_of(current.version)

        raise await with_current(stale, render) from None
    response.headers["ETag"] = etag_of(case.version)
    return await _out(session, case, actor)


@router.post("/cases/{case_id}/transitions", response_model=CaseOut)
async def transition_case(
    case_id: uuid.UUID,
    body: TransitionIn,
    session: SessionDep,
    actor: CaseWorker,
    idem: IdempotencyDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Move the case to ``to``. 409 ``transition-not-allowed`` (body: ``current_status``,
    ``allowed``), ``referral-required``, ``consent-required``; 403 ``closure-approval-required``;
    422 ``transition-requirement-missing``, ``field-not-applicable`` (a field the move does not
    take, named in ``field``). ``If-Match`` required; accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    case = await transitions.transition(
        session,
        actor=actor,
        case_id=case_id,
        if_match=if_match,
        request=transitions.TransitionRequest(**body.model_dump()),
    )
    out = (await _out(session, case, actor)).model_dump(mode="json")
    return await idem.respond(200, out, {"ETag": etag_of(case.version)})


@router.post("/cases/{case_id}/assignment", response_model=CaseOut)
async def assign_case(
    case_id: uuid.UUID,
    body: AssignmentIn,
    session: SessionDep,
    actor: CaseWorker,
    idem: IdempotencyDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Assign (supervisors), take an unassigned case or release one's own (agents). ``If-Match``
    required; 403 for an agent reassigning; 422 ``invalid-assignee``. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    case = await service.assign(session, actor=actor, case_id=case_id, if_match=if_match, assignee_id=body.assignee_id)
    out = (await _out(session, case, actor)).model_dump(mode="json")
    return await idem.respond(200, out, {"ETag": etag_of(case.version)})


@router.get("/cases/{case_id}/timeline", response_model=Page[TimelineEventOut])
async def case_timeline(
    case_id: uuid.UUID,
    session: SessionDep,
    actor: CaseWorker,
    cursor: CursorQuery = None,
    limit: LimitQuery = MAX_LIMIT,
) -> Page[TimelineEventOut]:
    """Every event of the case in the order it happened (oldest first), with actor and time. Audited."""
    case = await service.read(session, actor=actor, case_id=case_id, action="case.timeline_read")
    rows, next_cursor = await paginate(
        session,
        events_query(case.id),
        keys=[CaseEvent.occurred_at, CaseEvent.id],
        cursor=cursor,
        limit=limit,
        descending=False,
    )
    return Page[TimelineEventOut](items=[TimelineEventOut.model_validate(e) for e in rows], next_cursor=next_cursor)
