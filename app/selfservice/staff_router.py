"""Staff side of self-service: the desk links a person's account to their file.

``/api/v1/registrants/{registrant_id}/self-service/…``, for agents, supervisors and
administrators of the registrant's desk (404 across desks, 403 for auditors); staff tokens only.
See :mod:`app.selfservice.linking` for why a desk can trust the link.
"""

from __future__ import annotations

import uuid

from fastapi import Response

from app.auth.deps import CurrentActor
from app.core.deps import SessionDep, SettingsDep
from app.core.idempotency import not_keyed
from app.core.routing import api_router
from app.selfservice import linking
from app.selfservice.schemas import LinkCodeOut, LinkedAccountOut

router = api_router(prefix="/api/v1/registrants/{registrant_id}/self-service", tags=["self-service (desk)"])


@router.post(
    "/link-codes",
    status_code=201,
    response_model=LinkCodeOut,
    openapi_extra=not_keyed(
        "The answer holds the link code, shown once and stored only as a digest: never kept to replay. "
        "A new code revokes the earlier ones, so a retry leaves one code in force."
    ),
)
async def issue_link_code(
    registrant_id: uuid.UUID, session: SessionDep, settings: SettingsDep, actor: CurrentActor
) -> LinkCodeOut:
    """After checking the person's identity document at the counter, issue a link code to hand
    them (shown only in this answer; a new code revokes the earlier ones). Audited."""
    code, row = await linking.issue_code(session, actor=actor, settings=settings, registrant_id=registrant_id)
    return LinkCodeOut(code=code, registrant_id=row.registrant_id, expires_at=row.expires_at)


@router.get("/accounts", response_model=list[LinkedAccountOut])
async def list_linked_accounts(
    registrant_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> list[LinkedAccountOut]:
    """The self-service accounts linked to the person (phone or e-mail partly masked). Audited."""
    return await linking.linked_accounts(session, actor=actor, registrant_id=registrant_id)


@router.delete("/accounts/{account_id}", status_code=204)
async def unlink_account(
    registrant_id: uuid.UUID, account_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> Response:
    """Unlink an account from the person's file (a mistake, a lost phone) and end its sessions.
    Audited."""
    await linking.unlink(session, actor=actor, registrant_id=registrant_id, account_id=account_id)
    return Response(status_code=204)
