"""Registered app clients (OAuth 2.0, RFC 6749 §2), their authorization codes, refresh tokens and
per-client request counters."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow

CLIENT_TYPES = ("public", "confidential")


class AppClient(UUIDPrimaryKey, Base):
    """An application allowed to obtain tokens.

    ``client_type`` is ``public`` (a mobile app: authorization code with PKCE, no secret) or
    ``confidential`` (a server: client credentials, ``secret_digest`` is the SHA-256 of its
    secret). A confidential client acts as ``service_user_id``, a staff account whose role and
    desks bound what it can reach. ``scopes`` are the most it may ask for; ``rate_limit_per_minute``
    bounds the API requests made with its tokens. ``revoked_at`` set: every token of the client is
    refused from the next request on.
    """

    __tablename__ = "app_clients"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    client_type: Mapped[str] = mapped_column(String(16))
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    service_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="RESTRICT"))
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class AuthorizationCode(UUIDPrimaryKey, Base):
    """A one-time authorization code (RFC 6749 §4.1.2), stored as its SHA-256 digest, with the
    PKCE challenge it was issued under (RFC 7636 §4.4). ``used_at`` set: spent."""

    __tablename__ = "oauth_authorization_codes"

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(500))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()


class ClientRefreshToken(UUIDPrimaryKey, Base):
    """A refresh token issued to a public client for a staff user (SHA-256 digest), rotated on
    every use; ``token_version`` is the user's when issued (a later bump refuses it)."""

    __tablename__ = "oauth_refresh_tokens"

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(500))
    token_version: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class ClientRateWindow(Base):
    """Requests counted for one client in its current fixed window of one minute."""

    __tablename__ = "app_client_rate_windows"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column()
    requests: Mapped[int] = mapped_column(Integer)


class RevokedAccessToken(Base):
    """An access token revoked before its expiry (RFC 7009 §2.1), by its ``jti``; refused until
    ``expires_at``, after which it would be refused anyway and the row may go."""

    __tablename__ = "oauth_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column()
