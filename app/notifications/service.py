"""Staff operations on notifications: read a person's delivery statuses, record their chosen
channel, ask for missing documents, decide about messages in doubt. Every read and write is
audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases import service as cases
from app.cases.models import ServiceType
from app.cases.timeline import add_event
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import ValidationFailed
from app.core.http import require_if_match
from app.core.ids import new_id
from app.core.pagination import paginate
from app.notifications import events, keys
from app.notifications.errors import AddressForgotten, NotificationNotFound, NotInDoubt
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
    428 missing, 412 stale; 409 ``registrant-erased`` for an anonymised file. Audited
    ``notification.preference_update`` with before/after."""
    registrant = await cases.visible_registrant(session, actor=actor, registrant_id=registrant_id, for_write=True)
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
    (409), ``RegistrantErased`` (409) when the person's file was anonymised, ``ValidationFailed``
    (422) when no document is named and the service type lists none."""
    case = await cases.get_visible(session, actor=actor, case_id=case_id, for_update=True, for_write=True)
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
    request_id = new_id()
    details = {"documents": list(documents), "request_id": request_id}
    await add_event(session, case_id=case.id, kind="documents_requested", actor=actor, details=details)
    await audit.record(
        session,
        actor=actor,
        action="case.documents_requested",
        entity_type="case",
        entity_id=case.id,
        desk_id=case.desk_id,
        # The labels an agent typed may describe the person (« acte de décès du père »): erased with them.
        details={"request_id": request_id, "documents": len(documents)},
        personal={"documents": list(documents)},
        subject_id=case.registrant_id,
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
            select(Notification).where(Notification.dedupe_key == keys.key("documents_missing", case.id, request_id))
        )
    ).scalar_one_or_none()
    return DocumentsMissingOut(
        case_id=case.id,
        documents=list(documents),
        notification_id=skipped.id if skipped else None,
        notification_status="skipped",
        reason=skipped.reason if skipped else None,
    )


async def list_in_doubt(
    session: AsyncSession, *, actor: Actor, cursor: str | None, limit: int
) -> tuple[list[Notification], str | None]:
    """Messages ``in_doubt`` of the actor's desks (every desk for administrators and auditors;
    messages without a desk, such as account codes, only for them), oldest first (keyset on
    ``created_at, id``). Audited ``notification.list_in_doubt``. ``BadRequest`` (400) for a bad
    cursor."""
    stmt = select(Notification).where(Notification.status == "in_doubt")
    if actor.desk_ids is not None:
        stmt = stmt.where(Notification.desk_id.in_(actor.desk_ids))
    rows, next_cursor = await paginate(
        session, stmt, keys=[Notification.created_at, Notification.id], cursor=cursor, limit=limit
    )
    await audit.record(
        session,
        actor=actor,
        action="notification.list_in_doubt",
        entity_type="notification",
        details={"rows": len(rows)},
    )
    return rows, next_cursor


async def resolve_in_doubt(
    session: AsyncSession,
    *,
    actor: Actor,
    notification_id: uuid.UUID,
    decision: Literal["resend", "sent"],
    note: str | None = None,
) -> Notification:
    """A person's decision about a message ``in_doubt`` (the worker handed it over and never
    learnt whether it arrived): ``resend`` queues it again, due now (the person did not get it —
    checked with them or in the mail server's log); ``sent`` records it as delivered (they got
    it). Raises ``NotificationNotFound`` (404, also for another desk's message) and
    ``NotInDoubt`` (409: the status is no longer ``in_doubt``, e.g. already decided) and
    ``AddressForgotten`` (409: ``resend`` of a message whose address an erasure or the retention
    run removed). Audited ``notification.resolve`` with the decision and the note."""
    row = await session.get(Notification, notification_id)
    if row is None or not actor.can_see_desk(row.desk_id):
        raise NotificationNotFound()
    if decision == "resend" and not row.recipient:
        raise AddressForgotten(
            "The address was erased: this message can no longer be sent.",
            detail_fr="L'adresse a été effacée : ce message ne peut plus être envoyé.",
        )
    now = utcnow()
    reason = f"{decision} decided by staff" + (f": {note}" if note else "")
    values: dict[str, object] = (
        {"status": "queued", "next_attempt_at": now, "reason": reason}
        if decision == "resend"
        else {"status": "sent", "sent_at": now, "reason": reason}
    )
    changed = await session.execute(
        update(Notification)
        .where(Notification.id == row.id, Notification.status == "in_doubt")
        .values(updated_at=now, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        raise NotInDoubt(
            f"The notification is {row.status}, not in doubt.", detail_fr=f"Le message est {row.status}, pas en doute."
        )
    await audit.record(
        session,
        actor=actor,
        action="notification.resolve",
        entity_type="notification",
        entity_id=row.id,
        desk_id=row.desk_id,
        details={
            "decision": decision,
            "registrant_id": row.registrant_id,
            # Staff's words about the message and its recipient: with a file (which an erasure
            # finds them through), in its erasable payload; the message's reason keeps them too.
            **({"note_given": note is not None} if row.registrant_id else {"note": note}),
        },
        personal={"note": note} if note and row.registrant_id else None,
        subject_id=row.registrant_id,
    )
    await session.refresh(row)
    return row
