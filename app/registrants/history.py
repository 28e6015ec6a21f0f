"""``GET /api/v1/registrants/{registrant_id}/history``: what was done to a person's file, by whom
and when, from the audit trail (creation, rectifications field by field, consents given or
withdrawn), each correction with the reason given for it (kept with the correction rows,
:mod:`app.privacy.rectification`). Reads (actions ending in ``read`` or ``.list``, and
:data:`READS`) are not listed; reading the history is audited.

The values of a creation or correction are kept out of the hash-chained event, in its erasable
payload (:mod:`app.audit.payloads`): they are shown from there, and stay masked once the person's
file was erased. Values the reader may not see (``app.registrants.prepare.SENSITIVE``) were
masked when the event was written and stay masked here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.audit import payloads
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.auth.deps import CurrentActor
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.privacy import rectification
from app.privacy.models import RegistrantCorrection
from app.registrants import prepare, service

router = api_router(prefix="/api/v1/registrants", tags=["registrants"])

READS = ("registrant.merge_preview", "registrant.search")
"""Audited reads of the file whose action ends neither in ``read`` nor in ``.list`` (the file's
documents, ``document.list``, …): the file compared with another before a merge, a search that found
it (recorded without the file's id as its entity, listed here all the same)."""


class FieldChange(BaseModel):
    """One field's value before and after (``null`` when absent)."""

    field: str
    before: Any = None
    after: Any = None


class HistoryEntryOut(BaseModel):
    """One write to the file. ``action`` is the audit action (``registrant.update``…);
    ``purpose`` and ``granted`` describe a consent event."""

    occurred_at: dt.datetime
    actor_label: str
    actor_role: str
    action: str
    changes: list[FieldChange] = Field(default_factory=list)
    purpose: str | None = None
    granted: bool | None = None
    reason: str | None = Field(default=None, description="The reason given with a correction, if any.")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _reason(event: AuditEvent, corrections: list[RegistrantCorrection]) -> str | None:
    """The reason kept with the corrections this update wrote (same transaction: the same fields,
    by the same person, just before the event); ``None`` when none was given or the file was erased."""
    details = event.details or {}
    if event.action != "registrant.update" or not details.get("reason_given"):
        return None
    fields = set(details.get("corrections") or ())
    written = [
        c
        for c in corrections
        if c.field in fields and c.corrected_by_label == event.actor_label
        and _aware(c.corrected_at) <= _aware(event.occurred_at)
    ]  # fmt: skip
    return max(written, key=lambda c: (_aware(c.corrected_at), c.id)).reason if written else None


def _entry(event: AuditEvent, values: dict[str, Any], corrections: list[RegistrantCorrection]) -> HistoryEntryOut:
    details = event.details or {}
    changes = details.get("changes") or {}
    reference = details.get("personal")
    personal = values.get(str(reference.get("payload"))) if isinstance(reference, dict) else None
    if isinstance(personal, dict) and isinstance(personal.get("changes"), dict):
        changes = {**changes, **personal["changes"]}
    return HistoryEntryOut(
        occurred_at=event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=dt.UTC),
        actor_label=event.actor_label,
        actor_role=event.actor_role,
        action=event.action,
        changes=[FieldChange(field=k, before=v.get("before"), after=v.get("after")) for k, v in changes.items()],
        purpose=details.get("purpose"),
        granted=details.get("granted"),
        reason=_reason(event, corrections),
    )


@router.get("/{registrant_id}/history", response_model=list[HistoryEntryOut])
async def registrant_history(
    registrant_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[HistoryEntryOut]:
    """The latest ``limit`` writes to the file, newest first. 404 like reading the file.

    Audited as ``registrant.history_read``.
    """
    registrant = await service.get_visible(session, actor=actor, registrant_id=registrant_id)
    rows = await session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "registrant",
            AuditEvent.entity_id == str(registrant.id),
            AuditEvent.action.not_like("%read"),  # registrant.read, registrant.cases_read, …
            AuditEvent.action.not_like("%.list"),  # document.list, notification.list, …
            AuditEvent.action.not_in(READS),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    events = list(rows.scalars())
    values = await payloads.resolve(session, [e.details["personal"] for e in events if "personal" in (e.details or {})])
    corrections = [c for c in await rectification.rows_of(session, registrant_id=registrant.id) if c.reason]
    entries = [_entry(e, values, corrections) for e in events]
    if not actor.reads_sensitive:  # a reason given with a restricted field's correction may speak of it
        for entry, event in zip(entries, events, strict=True):
            if set((event.details or {}).get("corrections") or ()) & set(prepare.SENSITIVE):
                entry.reason = None
    await audit.record(
        session,
        actor=actor,
        action="registrant.history_read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
    )
    return entries
