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
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import payloads
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.auth.deps import CurrentActor
from app.clients.models import AppClient
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.privacy import rectification
from app.privacy.models import RegistrantCorrection
from app.registrants import prepare, service
from app.selfservice.accounts import mask
from app.selfservice.models import PersonAccount

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


ActorKind = Literal["staff", "app_client", "person", "system", "anonymous"]


class HistoryEntryOut(BaseModel):
    """One write to the file. ``action`` is the audit action (``registrant.update``…);
    ``purpose`` and ``granted`` describe a consent event.

    Who acted, to be said in words (never ``actor_label``, the audit trail's own label, which for a
    person is ``person:<account id>``): ``actor_kind`` ``staff`` (``actor_name`` their e-mail),
    ``app_client`` (a staff account through an app client: ``actor_name`` the account's e-mail,
    ``actor_client`` the client's name, or its ``client_id`` once the client is gone), ``person``
    (the person from their online account: ``actor_name`` its phone or e-mail partly masked, as
    ``GET …/self-service/accounts`` shows it; ``null`` once the account is deleted), ``system`` (a
    job of the server: the message worker, retention; no name), ``anonymous`` (no one signed in;
    no name)."""

    occurred_at: dt.datetime
    actor_label: str
    actor_role: str
    actor_kind: ActorKind
    actor_name: str | None = None
    actor_client: str | None = None
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


STAFF_ROLES = frozenset({"agent", "supervisor", "admin", "auditor"})


def _actor(event: AuditEvent, accounts: dict[uuid.UUID, str], clients: dict[str, str]) -> dict[str, Any]:
    """``actor_kind``, ``actor_name`` and ``actor_client`` of ``event`` (see :class:`HistoryEntryOut`)."""
    via = (event.details or {}).get("via_client")
    if event.actor_role == "person":
        if event.actor_id is None:  # before signing in (a failed sign-in, a code asked)
            return {"actor_kind": "anonymous"}
        return {"actor_kind": "person", "actor_name": accounts.get(event.actor_id)}
    if event.actor_role == "system":
        return {"actor_kind": "system"}
    if event.actor_role not in STAFF_ROLES:
        return {"actor_kind": "anonymous"}
    if via:
        return {"actor_kind": "app_client", "actor_name": event.actor_label, "actor_client": clients.get(via, via)}
    return {"actor_kind": "staff", "actor_name": event.actor_label}


async def _actor_names(session: AsyncSession, events: list[AuditEvent]) -> tuple[dict[uuid.UUID, str], dict[str, str]]:
    """The masked identifiers of the person accounts and the names of the app clients ``events`` name."""
    account_ids = {e.actor_id for e in events if e.actor_role == "person" and e.actor_id is not None}
    client_ids = {str(v) for e in events if (v := (e.details or {}).get("via_client"))}
    accounts: dict[uuid.UUID, str] = {}
    if account_ids:
        query = select(PersonAccount.id, PersonAccount.identifier).where(PersonAccount.id.in_(account_ids))
        accounts = {account_id: mask(identifier) for account_id, identifier in await session.execute(query)}
    clients: dict[str, str] = {}
    if client_ids:
        query_clients = select(AppClient.client_id, AppClient.name).where(AppClient.client_id.in_(client_ids))
        clients = {client_id: name for client_id, name in await session.execute(query_clients)}
    return accounts, clients


def _entry(
    event: AuditEvent, values: dict[str, Any], corrections: list[RegistrantCorrection], actor: dict[str, Any]
) -> HistoryEntryOut:
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
        **actor,
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
    accounts, clients = await _actor_names(session, events)
    entries = [_entry(e, values, corrections, _actor(e, accounts, clients)) for e in events]
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
