"""``/api/v1/registrants/{id}/notifications``, ``…/notification-preferences``,
``/api/v1/cases/{id}/documents-missing`` and ``/api/v1/notifications/in-doubt``,
``…/{id}/resolution``: what was sent to a person, on which channel, the request for missing
documents, and the decisions about messages in doubt. Staff of the person's desk (404 otherwise)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Response

from app.auth.deps import CurrentActor, require_roles
from app.core.context import Actor
from app.core.deps import SessionDep
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router
from app.notifications import service
from app.notifications.schemas import (
    DocumentsMissingIn,
    DocumentsMissingOut,
    NotificationOut,
    PreferenceIn,
    PreferenceOut,
    ResolutionIn,
)

router = api_router(prefix="/api/v1", tags=["notifications"])
StaffActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]


@router.get("/registrants/{registrant_id}/notifications", response_model=Page[NotificationOut])
async def list_notifications(
    registrant_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[NotificationOut]:
    """The messages to the person, newest first, with their delivery status (``queued``,
    ``sending``, ``sent``, ``failed``, ``withheld``, ``skipped`` and ``reason``) and attempts; never
    their content. Cursor-paginated. The read is audited (``notification.list``)."""
    rows, next_cursor = await service.list_for_registrant(
        session, actor=actor, registrant_id=registrant_id, cursor=cursor, limit=limit
    )
    return Page[NotificationOut](items=[NotificationOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/registrants/{registrant_id}/notification-preferences", response_model=PreferenceOut)
async def get_preferences(
    registrant_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> PreferenceOut:
    """The channel and language the person chose for messages (``version`` 0: never chosen, the
    desk's default order applies: WhatsApp, SMS, e-mail). ``ETag`` for the next ``PUT``."""
    registrant, row = await service.get_preference(session, actor=actor, registrant_id=registrant_id)
    version = row.version if row is not None else 0
    response.headers["ETag"] = etag_of(version)
    return PreferenceOut(
        registrant_id=registrant,
        channel=row.channel if row else None,
        language=row.language if row else None,
        version=version,
    )


@router.put("/registrants/{registrant_id}/notification-preferences", response_model=PreferenceOut)
async def put_preferences(
    registrant_id: uuid.UUID,
    body: PreferenceIn,
    session: SessionDep,
    actor: StaffActor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PreferenceOut:
    """Record the person's choice (``If-Match`` required: ``"v0"`` before the first choice).
    Messages go only on the chosen channel; ``none`` stops them. Audited."""
    row = await service.set_preference(
        session, actor=actor, registrant_id=registrant_id, if_match=if_match, choice=body
    )
    response.headers["ETag"] = etag_of(row.version)
    return PreferenceOut(
        registrant_id=row.registrant_id, channel=row.channel, language=row.language, version=row.version
    )


@router.post("/cases/{case_id}/documents-missing", status_code=201, response_model=DocumentsMissingOut)
async def documents_missing(
    case_id: uuid.UUID,
    body: DocumentsMissingIn,
    session: SessionDep,
    actor: StaffActor,
    idem: IdempotencyDep,
) -> Response:
    """Tell the person which documents the desk waits for (omitted: the service type's usual
    ones), on their channel with their consent; recorded on the case's timeline
    (``documents_requested``). 409 ``case-not-open``; 422 when no document can be named.
    Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    outcome = await service.request_documents(session, actor=actor, case_id=case_id, documents=body.documents)
    return await idem.respond(201, outcome.model_dump(mode="json"), {})


@router.get("/notifications/in-doubt", response_model=Page[NotificationOut])
async def list_in_doubt(
    session: SessionDep,
    actor: StaffActor,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[NotificationOut]:
    """Messages of the actor's desks that are ``in_doubt``: handed to the SMTP server or the
    provider by a worker that died (or lost the connection) before the answer was recorded; they
    may or may not have arrived and are not resent without a decision. Oldest first,
    cursor-paginated; audited."""
    rows, next_cursor = await service.list_in_doubt(session, actor=actor, cursor=cursor, limit=limit)
    return Page[NotificationOut](items=[NotificationOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/notifications/{notification_id}/resolution", response_model=NotificationOut)
async def resolve(
    notification_id: uuid.UUID, body: ResolutionIn, session: SessionDep, actor: StaffActor, idem: IdempotencyDep
) -> Response:
    """Decide about a message in doubt: ``{"decision": "resend"}`` queues it again (due now),
    ``{"decision": "sent"}`` records it delivered; optional ``note``. Answers the message's new
    status. 404 ``notification-not-found`` (also another desk's), 409 ``notification-not-in-doubt``.
    Audited ``notification.resolve``. Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    row = await service.resolve_in_doubt(
        session, actor=actor, notification_id=notification_id, decision=body.decision, note=body.note
    )
    return await idem.respond(200, NotificationOut.model_validate(row).model_dump(mode="json"))
