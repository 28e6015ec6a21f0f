"""Staff operations on notifications: read a person's delivery statuses, record their chosen
channel, ask for missing documents. Every read and write is audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases import service as cases
from app.cases.models import ServiceType
from app.cases.timeline import add_event
from app.core.context import Actor
from app.core.errors import ValidationFailed
from app.core.http import require_if_match
from app.core.pagination import paginate
from app.notifications import events
from app.notifications.models import Notification, NotificationPreference
from app.notifications.schemas import DocumentsMissingOut, PreferenceIn


async def list_for_registrant(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[Notification], str | None]:
    """The person's messages, newest first (keyset on ``created_at, id``). Audited
    ``notification.list`` on the registrant. Raises ``UnknownRegistrant`` (404) across desks,
    ``BadRequest`` (400) for a bad cursor."""
    registrant = await cases.visible_registrant(session, actor=actor, registrant_id=registrant_id)
    stmt = select(Notification).where(Notification.registrant_id == registrant.id)
    rows, next_cursor = await paginate(
        session, stmt, keys=[Notification.created_at, Notification.id], cursor=cursor, limit=limit
    )
    await audit.record(
        session,
        actor=actor,
        action="notification.list",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"rows": len(rows)},
    )
    return rows, next_cursor


async def get_preference(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID
) -> tuple[uuid.UUID, NotificationPreference | None]:
    """The person's stored choice (``None``: never chosen). Audited; 404 across desks."""
    registrant = await cases.visible_registrant(session, actor=actor, registrant_id=registrant_id)
    await audit.record(
        session,
        actor=actor,
        action="notification.preference_read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
    )
    return registrant.id, await session.get(NotificationPreference, registrant.id)


async def set_preference(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, if_match: str | None, choice: PreferenceIn
) -> NotificationPreference:
    """Replace the person's choice. ``If-Match``: the ETag read (``"v0"`` before any choice);
    428 missing, 412 stale. Audited ``notification.preference_update`` with before/after."""
    registrant = await cases.visible_registrant(session, actor=actor, registrant_id=registrant_id)
    row = await session.get(NotificationPreference, registrant.id, with_for_update=True)
    require_if_match(if_match, row.version if row is not None else 0)
    before = {"channel": row.channel, "language": row.language} if row is not None else {}
    if row is None:
        row = NotificationPreference(registrant_id=registrant.id, version=0)
        session.add(row)
    row.channel, row.language = choice.channel, choice.language
    row.version += 1
    row.updated_by = actor.user_id
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="notification.preference_update",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"changes": audit.diff(before, {"channel": row.channel, "language": row.language})},
    )
    return row


async def request_documents(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID, documents: Sequence[str] | None
) -> DocumentsMissingOut:
    """Tell the person which documents the desk waits for (default: the service type's usual
    ones): a ``documents_requested`` timeline event, an audit event and a ``documents_missing``
    message on the person's channel. Raises ``NotFound`` (404), ``CaseNotOpen``/``CaseReadOnly``
    (409), ``ValidationFailed`` (422) when no document is named and the service type lists none."""
    case = await cases.get_visible(session, actor=actor, case_id=case_id, for_update=True)
    cases.ensure_open(case)
    if not documents:
        service_type = (
            await session.execute(select(ServiceType).where(ServiceType.id == case.service_type_id))
        ).scalar_one()
        documents = list(service_type.documents_required)
    if not documents:
        raise ValidationFailed(
            "Name the documents: this service type lists none.",
            detail_fr="Nommez les documents : ce type de service n'en prévoit aucun.",
            field="documents",
        )
    request_id = uuid.uuid4()
    details = {"documents": list(documents), "request_id": request_id}
    await add_event(session, case_id=case.id, kind="documents_requested", actor=actor, details=details)
    await audit.record(
        session,
        actor=actor,
        action="case.documents_requested",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        details=details,
    )
    queued = await events.documents_missing(session, actor=actor, case=case, documents=documents, request_id=request_id)
    if queued is not None:
        return DocumentsMissingOut(
            case_id=case.id,
            documents=list(documents),
            notification_id=queued.id,
            notification_status=queued.status,
            reason=None,
        )
    skipped = (
        await session.execute(
            select(Notification).where(Notification.dedupe_key == f"documents_missing:{case.id}:{request_id}")
        )
    ).scalar_one_or_none()
    return DocumentsMissingOut(
        case_id=case.id,
        documents=list(documents),
        notification_id=skipped.id if skipped else None,
        notification_status="skipped",
        reason=skipped.reason if skipped else None,
    )
