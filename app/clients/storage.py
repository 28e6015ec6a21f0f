"""The database side of the OAuth 2.0 server (:mod:`app.clients.oauth`): read the rows a request
names before Authlib runs (:func:`preload`), make the writes it asked for afterwards
(:func:`apply_writes`), in the request's transaction."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import StaffUser
from app.clients.models import AppClient, AuthorizationCode, ClientRefreshToken, RevokedAccessToken
from app.clients.oauth import REFRESH_TTL, AccessView, ClientView, CodeView, Preload, RefreshView
from app.core.config import Settings
from app.core.db import utcnow
from app.core.security import decode_access_token, token_digest
from app.core.text import disallowed_character


class UnreadableBasicCredentials(Exception):
    """An HTTP Basic ``Authorization`` header whose credentials cannot be read (:func:`basic_client_id`)."""


def basic_client_id(value: str | None) -> str | None:
    """The ``client_id`` of an HTTP Basic ``Authorization`` header value (RFC 6749 §2.3.1), if any.

    :class:`UnreadableBasicCredentials` when the header is Basic, as Authlib reads it (the scheme,
    any case, then the credentials after white space), but the credentials are not base64 of UTF-8
    text (RFC 7617 §2), or the client id or secret, percent-decoded (RFC 6749 §2.3.1), is not UTF-8
    or holds a character the text rule refuses everywhere (:mod:`app.core.text`; PostgreSQL cannot
    even look up a client id holding U+0000). The endpoints answer that ``invalid_client`` (401)
    before Authlib reads the header again (it would fail on such bytes)."""
    parts = (value or "").split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8")
        client_id, _, secret = (unquote(part, errors="strict") for part in decoded.partition(":"))
    except ValueError:  # binascii.Error, UnicodeDecodeError, and a str that is not ASCII
        raise UnreadableBasicCredentials from None
    if disallowed_character(client_id) is not None or disallowed_character(secret) is not None:
        raise UnreadableBasicCredentials
    return client_id or None


async def preload(session: AsyncSession, settings: Settings, *, client_id: str | None, data: dict[str, str]) -> Preload:
    """Read what an authorization, token or revocation request names (see the module doc)."""
    loaded = Preload(settings=settings)
    if client_id:
        row = (await session.execute(select(AppClient).where(AppClient.client_id == client_id))).scalar_one_or_none()
        if row is not None:  # a revoked client too: it is told so (oauth.RevokedClientError)
            loaded.clients[row.client_id] = ClientView(row)
            if row.service_user_id is not None and row.revoked_at is None:
                await _load_user(session, loaded, row.service_user_id)
    if code := data.get("code"):
        code_stmt = select(AuthorizationCode).where(AuthorizationCode.digest == token_digest(code)).with_for_update()
        if (code_row := (await session.execute(code_stmt)).scalar_one_or_none()) is not None:
            loaded.code = CodeView(code_row)
            await _load_user(session, loaded, code_row.user_id)
    for name in ("refresh_token", "token"):
        if value := data.get(name):
            stmt = select(ClientRefreshToken).where(ClientRefreshToken.digest == token_digest(value)).with_for_update()
            if (refresh_row := (await session.execute(stmt)).scalar_one_or_none()) is not None:
                loaded.refresh = RefreshView(refresh_row)
                await _load_user(session, loaded, refresh_row.user_id)
    if (token := data.get("token")) and loaded.refresh is None:
        claims = decode_access_token(token, key=settings.signing_key())
        if claims is not None and claims.jti is not None:
            loaded.access = AccessView(jti=claims.jti, client_id=claims.client_id, expires_at=claims.expires_at)
    return loaded


async def _load_user(session: AsyncSession, loaded: Preload, user_id: uuid.UUID) -> None:
    if user_id not in loaded.users and (user := await session.get(StaffUser, user_id)) is not None:
        loaded.users[user_id] = user


async def apply_writes(session: AsyncSession, loaded: Preload) -> list[tuple[str, Any]]:
    """Make the writes Authlib asked for during :func:`run`, in the request's transaction; returns
    them (for the audit log)."""
    now = utcnow()
    for kind, value in loaded.writes:
        if kind == "code":
            session.add(value)
        elif kind == "code_used":
            value.used_at = now
        elif kind == "refresh_revoked":
            value.revoked_at = now
        elif kind == "token":
            token, client, user = value
            if "refresh_token" in token and user is not None:
                assert loaded.issued_refresh_id is not None  # set with the token (its access token's jti)
                session.add(
                    ClientRefreshToken(
                        id=loaded.issued_refresh_id,
                        digest=token_digest(token["refresh_token"]),
                        client_pk=client.row.id,
                        user_id=user.id,
                        scope=token["scope"],
                        token_version=user.token_version,
                        issued_at=now,
                        expires_at=now + REFRESH_TTL,
                    )
                )
        elif kind == "revoke":
            if isinstance(value, RefreshView):
                value.row.revoked_at = value.row.revoked_at or now
                await _revoke_access(session, loaded.settings, [value.row])
            else:
                await _revoke_jti(session, value.jti, value.expires_at)
    await session.flush()
    return loaded.writes


async def revoke_code_tokens(session: AsyncSession, settings: Settings, code: CodeView) -> None:
    """A spent code presented again (RFC 6749 §4.1.2: "SHOULD revoke … all tokens previously
    issued based on that authorization code"): revoke the refresh tokens the user holds for this
    client that were issued since the code was, and the access tokens issued with them."""
    await _revoke_since(
        session, settings, client_pk=code.row.client_pk, user_id=code.row.user_id, since=code.row.issued_at
    )


async def revoke_refresh_chain(session: AsyncSession, settings: Settings, refresh: RefreshView) -> None:
    """A refresh token presented after it was rotated or revoked (RFC 9700 §4.14.2: reuse
    detection; a copy is in someone else's hands): revoke the refresh tokens the user holds for
    this client that were issued since that one was (its successors by rotation, which the
    thief or the app holds), and the access tokens issued with them, the presented one's too.

    Tokens carry no family, so later sign-ins of the same user in the same app are revoked as
    well: both sides then sign in again, the safe side to err on."""
    await _revoke_since(
        session, settings, client_pk=refresh.row.client_pk, user_id=refresh.row.user_id, since=refresh.row.issued_at
    )


async def _revoke_since(
    session: AsyncSession, settings: Settings, *, client_pk: uuid.UUID, user_id: uuid.UUID, since: dt.datetime
) -> None:
    now = utcnow()
    rows = (
        await session.execute(
            select(ClientRefreshToken)
            .where(
                ClientRefreshToken.client_pk == client_pk,
                ClientRefreshToken.user_id == user_id,
                ClientRefreshToken.issued_at >= since,
            )
            .with_for_update()
        )
    ).scalars()
    chain = list(rows)
    for row in chain:
        row.revoked_at = row.revoked_at or now
    await _revoke_access(session, settings, chain)
    await session.flush()


async def _revoke_access(session: AsyncSession, settings: Settings, rows: list[ClientRefreshToken]) -> None:
    """Revoke the access tokens issued with ``rows`` (their ``jti`` is the row's id) that may
    still be valid."""
    lifetime = dt.timedelta(seconds=settings.access_token_ttl_seconds + settings.jwt_leeway_seconds)
    now = utcnow()
    for row in rows:
        if row.issued_at + lifetime > now:
            await _revoke_jti(session, row.id.hex, row.issued_at + lifetime)


async def _revoke_jti(session: AsyncSession, jti: str, expires_at: dt.datetime) -> None:
    """Add ``jti`` to the revoked access tokens, once (a revocation at the same moment may have
    added it: ``ON CONFLICT DO NOTHING``)."""
    bind = session.get_bind()
    dialect_insert: Any = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        dialect_insert(RevokedAccessToken).values(jti=jti, expires_at=expires_at).on_conflict_do_nothing()
    )
