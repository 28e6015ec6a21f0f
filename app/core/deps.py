"""Request-scoped dependencies shared by every router: settings, the database session, context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.context import RequestContext
from app.core.db import discard_after_commit, run_after_commit, run_failure_callbacks


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed here and only here.

    Declared with ``scope="function"`` (see ``SessionDep``): the commit runs when the endpoint
    returns and *before* the response is sent, so a 2xx is only ever sent for committed work and a
    failed commit becomes a problem response (FastAPI's default ``"request"`` scope would commit
    after the client already has its answer). On any exception the work is rolled back; what was
    queued with ``db.on_failure`` (a refused login's attempt and audit event) is then written and
    committed alone. Work queued with ``db.after_commit`` runs after the commit, before the
    response is sent, and is dropped on rollback.
    """
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            if session.in_transaction():  # anything added, read or written began one
                await session.commit()
            await run_after_commit(session)
        except BaseException:
            discard_after_commit(session)
            await session.rollback()
            if await run_failure_callbacks(session):
                await session.commit()
            raise


async def get_request_context(request: Request) -> RequestContext:
    state = request.state
    return RequestContext(
        request_id=getattr(state, "request_id", None),
        ip=getattr(state, "client_ip", None),
        user_agent=getattr(state, "user_agent", None),
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
RequestContextDep = Annotated[RequestContext, Depends(get_request_context)]
