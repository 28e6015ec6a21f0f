"""Dependencies of the streaming endpoints, which must not hold a transaction open.

``CurrentActor`` rides on the request-scoped session, whose transaction lasts until the response
is sent (and on SQLite, ``BEGIN IMMEDIATE`` holds the write lock). The upload and download
endpoints authenticate in a session of their own that is closed before any byte flows.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.deps import get_actor, oauth2_scheme
from app.core.context import Actor
from app.core.deps import RequestContextDep, SettingsDep
from app.documents.storage import Storage, create_storage


def sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The application's session factory, for short explicit transactions."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


async def get_actor_briefly(
    request: Request,
    settings: SettingsDep,
    context: RequestContextDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Actor:
    """The authenticated actor, read in a transaction closed before returning (401 otherwise)."""
    async with sessions(request)() as session:
        try:
            return await get_actor(request, session, settings, context, token)
        finally:
            await session.rollback()


def get_storage(request: Request, settings: SettingsDep) -> Storage:
    """The document storage backend, created once per application."""
    storage: Storage | None = getattr(request.app.state, "document_storage", None)
    if storage is None:
        storage = create_storage(settings)
        request.app.state.document_storage = storage
    return storage


BriefActor = Annotated[Actor, Depends(get_actor_briefly)]
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(sessions)]
StorageDep = Annotated[Storage, Depends(get_storage)]
