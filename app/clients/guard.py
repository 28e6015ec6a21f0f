"""Checks on every API request made with a token issued to an app client: the client is still
registered and not revoked, the token itself was not revoked (RFC 7009), and the client is within
its rate limit.

The rate limit is a fixed window of one minute per client, counted in the database with one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (every process of a deployment shares it). Past
``rate_limit_per_minute`` requests the API answers 429 with ``Retry-After`` (RFC 6585 §4, RFC 9110
§10.2.3): the whole seconds until the window ends.

These are read from the database on every request (no cache), so revoking a client or a token
takes effect from the next request, in every process.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import case, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.auth.errors import invalid_token_challenge
from app.clients.errors import ClientRateLimited, ClientRevoked
from app.clients.models import AppClient, ClientRateWindow, RevokedAccessToken
from app.core.db import UTCDateTime, utcnow
from app.core.security import AccessClaims

WINDOW = dt.timedelta(minutes=1)
_TABLE = ClientRateWindow.__table__


async def check(
    session: AsyncSession, engine: AsyncEngine, claims: AccessClaims, *, now: dt.datetime | None = None
) -> None:
    """Refuse a client token that may no longer be used, or count the request against its client.

    Raises ``ClientRevoked`` (401) when the client is gone or revoked or the token was revoked,
    ``ClientRateLimited`` (429, ``Retry-After``) past the client's limit.

    Call it before the request's transaction begins: the count then commits at once in a short
    transaction of its own, and its connection is back in the pool before the request takes one
    (holding one while waiting for another can exhaust the pool). When the request already has a
    transaction open, the count joins it (on SQLite a second writer would wait for the first);
    the counter row then stays locked until the request ends.
    """
    assert claims.client_id is not None
    now = now or utcnow()
    if session.in_transaction():
        conn = await session.connection()
        await _check(conn, claims, now)
        return
    async with engine.begin() as conn:
        await _check(conn, claims, now)


async def _check(conn: AsyncConnection, claims: AccessClaims, now: dt.datetime) -> None:
    row = (
        await conn.execute(
            select(AppClient.revoked_at, AppClient.rate_limit_per_minute).where(AppClient.client_id == claims.client_id)
        )
    ).one_or_none()
    revoked_token = (
        claims.jti is not None
        and (await conn.execute(select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == claims.jti))).first()
        is not None
    )
    if row is None or row.revoked_at is not None or revoked_token:
        raise ClientRevoked(
            "This app client or this token was revoked.",
            detail_fr="Cette application ou ce jeton a été révoqué.",
            headers=invalid_token_challenge("This app client or this token was revoked."),
        )
    expired = _TABLE.c.window_start <= literal(now - WINDOW, UTCDateTime())
    dialect_insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    insert = dialect_insert(_TABLE)
    statement = (
        insert.values(client_id=claims.client_id, window_start=now, requests=1)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.client_id],
            set_={
                "requests": case((expired, 1), else_=_TABLE.c.requests + 1),
                "window_start": case((expired, literal(now, UTCDateTime())), else_=_TABLE.c.window_start),
            },
        )
        .returning(_TABLE.c.requests, _TABLE.c.window_start)
    )
    requests, window_start = (await conn.execute(statement)).one()
    if requests > row.rate_limit_per_minute:
        retry_after = max(1, math.ceil((window_start + WINDOW - now).total_seconds()))
        raise ClientRateLimited(
            f"This app may make {row.rate_limit_per_minute} requests a minute; try again later.",
            detail_fr=f"Cette application peut faire {row.rate_limit_per_minute} requêtes par minute ; "
            "réessayez plus tard.",
            headers={"Retry-After": str(retry_after)},
            limit_per_minute=row.rate_limit_per_minute,
        )
