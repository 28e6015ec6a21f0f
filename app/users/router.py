"""``/api/v1/users``: staff accounts, managed by administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from app.auth.deps import AdminActor
from app.auth.models import StaffUser
from app.core.deps import SessionDep
from app.core.http import etag_of
from app.core.idempotency import not_keyed
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.routing import api_router
from app.users import service
from app.users.schemas import UserCreate, UserOut, UserUpdate

router = api_router(prefix="/api/v1/users", tags=["users"])


def _out(user: StaffUser, desk_codes: list[str]) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        is_active=user.is_active,
        desk_codes=desk_codes,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=UserOut,
    openapi_extra=not_keyed(
        "The request carries a password: not even a digest of it is kept (a fast hash would weaken the stored "
        "one). The e-mail is unique, so a retry answers 409 email-taken and creates nothing."
    ),
)
async def create_user(body: UserCreate, session: SessionDep, actor: AdminActor, response: Response) -> UserOut:
    """Create a staff account. 409 ``email-taken``; 422 ``unknown-desk``; 422
    ``field-not-applicable`` for ``desk_codes`` of an auditor."""
    user = await service.create(session, actor=actor, **body.model_dump())
    response.headers["ETag"] = etag_of(user.version)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return _out(user, sorted({c.strip().upper() for c in body.desk_codes}))


@router.get("", response_model=Page[UserOut])
async def list_users(
    session: SessionDep,
    actor: AdminActor,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[UserOut]:
    """The staff accounts by e-mail, a page at a time: ``{items, next_cursor}`` (pass
    ``next_cursor`` back as ``cursor``; null: no more). 400 for a cursor not issued for this list."""
    users, next_cursor = await service.list_page(session, cursor=cursor, limit=limit)
    codes = await service.desk_codes_of(session, [u.id for u in users])
    return Page[UserOut](items=[_out(u, codes[u.id]) for u in users], next_cursor=next_cursor)


@router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: uuid.UUID, session: SessionDep, actor: AdminActor, response: Response) -> UserOut:
    """One staff account, with its ETag."""
    user = await service.get(session, user_id=user_id)
    response.headers["ETag"] = etag_of(user.version)
    return _out(user, (await service.desk_codes_of(session, [user.id]))[user.id])


@router.patch("/{user_id}", response_model=UserOut)
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdate,
    session: SessionDep,
    actor: AdminActor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> UserOut:
    """Update an account (``If-Match`` required: 428 without, 412 when stale). 409
    ``last-administrator`` when a new ``role`` or ``is_active: false`` would leave no active
    administrator; 409 ``email-taken`` for another account's e-mail; 422 ``field-not-applicable``
    for ``desk_codes`` of an auditor."""
    user = await service.update(
        session, actor=actor, user_id=user_id, if_match=if_match, changes=body.model_dump(exclude_unset=True)
    )
    response.headers["ETag"] = etag_of(user.version)
    return _out(user, (await service.desk_codes_of(session, [user.id]))[user.id])
