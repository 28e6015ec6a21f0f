"""``/api/v1/audit``: read-only access to the audit log and its signed checkpoints (auditors, administrators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request

from app.audit import service
from app.audit.models import AuditEvent
from app.audit.schemas import AuditEventOut, CheckpointOut
from app.audit.signing import Verifier
from app.auth.deps import AuditorActor
from app.core.dates import InstantText
from app.core.deps import SessionDep
from app.core.errors import InternalError, NotFound
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, paginate
from app.core.periods import check_order
from app.core.routing import api_router

router = api_router(prefix="/api/v1/audit", tags=["audit"])


@router.get("/events", response_model=Page[AuditEventOut])
async def list_events(
    session: SessionDep,
    actor: AuditorActor,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    desk_id: uuid.UUID | None = None,
    since: InstantText | None = None,
    until: InstantText | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[AuditEventOut]:
    """Audit events, newest recorded first, filtered; ``since``/``until`` are ISO 8601 with offset.

    Events not yet sealed into the chain are listed too, with a null ``seq``.
    """
    check_order(since, until, names=("since", "until"))
    filters = service.AuditFilters(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        desk_id=desk_id,
        since=since,
        until=until,
    )
    rows, next_cursor = await paginate(
        session, service.list_query(filters), keys=[AuditEvent.id], cursor=cursor, limit=limit
    )
    links = await service.links_of(session, [r.id for r in rows])
    items = []
    for row in rows:
        link = links.get(row.id)
        out = AuditEventOut.model_validate(
            {
                **{name: getattr(row, name) for name in AuditEventOut.model_fields if hasattr(row, name)},
                "seq": link.seq if link else None,
                "prev_hash": link.prev_hash if link else None,
                "hash": link.hash if link else None,
            }
        )
        items.append(out)
    return Page[AuditEventOut](items=items, next_cursor=next_cursor)


@router.get("/checkpoint", response_model=CheckpointOut)
async def latest_checkpoint(request: Request, session: SessionDep, actor: AuditorActor) -> CheckpointOut:
    """The latest signed checkpoint of the chain and the public key that verifies it.

    404 ``not-found`` before the first event is sealed; 500 ``internal-error`` when the latest
    stored checkpoint is not signed by this server's key, nor by a key a key rotation sealed in
    the chain handed over to or from it (a row written behind the sequencer's back, or another
    key's: auditors must not keep it as their reference).
    """
    checkpoint = await service.current_checkpoint(session)
    if checkpoint is None:
        raise NotFound("No checkpoint has been signed yet.", detail_fr="Aucun point de contrôle signé pour l'instant.")
    verifier: Verifier | None = request.app.state.audit_sequencer.signer
    if verifier is not None and checkpoint.key_id != verifier.key_id:  # signed before or after a rotation?
        verifier = await service.trusted_key(session, verifier, checkpoint.key_id)
    if verifier is None or not verifier.verify(checkpoint):
        raise InternalError(
            f"The latest stored checkpoint (seq {checkpoint.seq}) is not signed by this server's key: "
            "the audit log was tampered with (run verify-audit).",
            detail_fr=f"Le dernier point de contrôle enregistré (n° {checkpoint.seq}) n'est pas signé par la clé "
            "de ce serveur : le journal d'audit a été altéré (lancer verify-audit).",
        )
    return CheckpointOut(**checkpoint.as_json(), public_key=verifier.public_key_b64)
