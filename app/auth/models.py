"""Staff accounts, desk memberships, refresh tokens and login attempts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Timestamps, UUIDPrimaryKey, utcnow

ROLES = ("agent", "supervisor", "admin", "auditor")
ROLES_FR = {"agent": "agents", "supervisor": "superviseurs", "admin": "administrateurs", "auditor": "auditeurs"}
"""Each role's holders, as a French sentence names them (« réservé aux superviseurs »)."""


def _listed(items: list[str], last: str) -> str:
    """« a, b et c » / "a, b or c": a list as a sentence writes it."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _in_order(roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return [role for role in ROLES if role in wanted] + sorted(wanted - set(ROLES))


def reserved_to_fr(roles: Iterable[str]) -> str:
    """« aux agents, aux superviseurs et aux administrateurs »: who may, for a French refusal
    (roles in :data:`ROLES` order)."""
    return _listed([f"aux {ROLES_FR.get(role, role)}" for role in _in_order(roles)], "et")


def roles_en(roles: Iterable[str]) -> str:
    """ "agent, supervisor or admin": who may, for an English refusal (roles in :data:`ROLES` order)."""
    return _listed(_in_order(roles), "or")


class StaffUser(UUIDPrimaryKey, Timestamps, Base):
    """A member of staff. ``email`` is stored case-folded, so uniqueness is case-insensitive."""

    __tablename__ = "staff_users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped to invalidate every access token issued before (deactivation, password change).
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DeskMembership(Base):
    """A staff user belongs to a desk."""

    __tablename__ = "desk_memberships"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), primary_key=True)


class RefreshToken(UUIDPrimaryKey, Base):
    """A refresh token (stored as its SHA-256 digest), rotated on every use.

    Tokens of one login share a ``family_id``; presenting an already-rotated token revokes the
    whole family (reuse detection, OAuth 2.0 Security BCP §4.14).
    """

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    rotated_at: Mapped[dt.datetime | None] = mapped_column()
    # The user's ``token_version`` when issued; a refresh is refused once the user's has moved on.
    token_version: Mapped[int] = mapped_column(Integer, server_default="0")


class LoginAttempt(Base):
    """One login attempt, kept for rate limiting per account and per client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_identifier_at", "identifier", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identifier: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column()
    attempted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginThrottle(Base):
    """Failed logins counted under one rate-limit key in its current fixed window.

    ``key`` is ``account:<e-mail>``, ``address:<client address>`` or ``pair:<address> <e-mail>``
    (see :mod:`app.auth.throttle`); ``window_start`` is when the window's first failure came.
    ``failures`` counts the verified failures and the attempts still awaiting their verdict, of
    which there are ``in_flight``, until ``in_flight_until`` (then they count as failures).
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column()
    failures: Mapped[int] = mapped_column(Integer)
    in_flight: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    in_flight_until: Mapped[dt.datetime | None] = mapped_column()
