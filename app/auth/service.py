"""Staff authentication: password login, refresh-token rotation, logout, rate limiting.

Errors: ``InvalidCredentials`` (401, the same for an unknown account, a wrong password and a
deactivated account, after the same Argon2 work), ``LoginRateLimited`` (429 with
``Retry-After``: too many failures), ``LoginBusy`` (429 with ``Retry-After: 1``: too many attempts
at the same moment), ``LoginInterrupted`` (503 with ``Retry-After``: the account changed during the
login), ``InvalidRefreshToken`` (401).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.audit import service as audit
from app.auth import throttle
from app.auth.cache import ACTOR_UNCHANGED
from app.auth.errors import InvalidCredentials, InvalidRefreshToken, LoginBusy, LoginInterrupted, LoginRateLimited
from app.auth.models import DeskMembership, LoginAttempt, RefreshToken, StaffUser
from app.clients import service as clients_service
from app.core.config import Settings
from app.core.context import Actor, RequestContext
from app.core.db import READ_ONLY_OPTION, on_failure, utcnow
from app.core.ids import new_id
from app.core.security import (
    check_password,
    create_access_token,
    hash_password,
    new_opaque_token,
    token_digest,
)


@dataclass(frozen=True)
class TokenPair:
    """An OAuth 2.0 token response (RFC 6749 §5.1); ``expires_in`` in seconds."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively: stored trimmed and case-folded."""
    return email.strip().casefold()


LOGIN_RETRY_AFTER_SECONDS = 1
"""``Retry-After`` of a login interrupted by a change of its account: the change is committed."""

# Roles that see every desk (their Actor has ``desk_ids=None``).
ALL_DESK_ROLES = frozenset({"admin", "auditor"})


async def actor_for(session: AsyncSession, user: StaffUser, context: RequestContext) -> Actor:
    """The :class:`Actor` for ``user``: administrators and auditors see every desk."""
    desk_ids: frozenset[uuid.UUID] | None = None
    if user.role not in ALL_DESK_ROLES:
        rows = await session.execute(select(DeskMembership.desk_id).where(DeskMembership.user_id == user.id))
        desk_ids = frozenset(rows.scalars().all())
    return Actor(user_id=user.id, email=user.email, role=user.role, desk_ids=desk_ids, context=context)


async def load_actor(session: AsyncSession, *, user_id: uuid.UUID, token_version: int) -> Actor | None:
    """The :class:`Actor` of an access token's user in one query; ``None`` when the user is gone,
    deactivated, or the token was issued before its ``token_version`` was bumped (revoked)."""
    stmt = (
        select(StaffUser, DeskMembership.desk_id)
        .outerjoin(DeskMembership, DeskMembership.user_id == StaffUser.id)
        .where(StaffUser.id == user_id)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return None
    user = rows[0][0]
    if not user.is_active or user.token_version != token_version:
        return None
    desk_ids = None if user.role in ALL_DESK_ROLES else frozenset(r[1] for r in rows if r[1] is not None)
    return Actor(user_id=user.id, email=user.email, role=user.role, desk_ids=desk_ids)


def _refuse(
    session: AsyncSession,
    *,
    identifier: str,
    context: RequestContext,
    reason: str,
    reservation: throttle.Reservation | None = None,
) -> None:
    """Queue the failed attempt and its audit event so they survive the request's rollback; with
    the ``reservation`` of a password found wrong, its failure is counted as verified there too."""

    async def write(fresh: AsyncSession) -> None:
        if reservation is not None:
            await throttle.failed(fresh, reservation)
        fresh.add(LoginAttempt(identifier=identifier, ip=context.ip, succeeded=False))
        await audit.record(
            fresh,
            actor=Actor(user_id=None, email=identifier, role="anonymous", context=context),
            action="auth.login_failed",
            entity_type="staff_user",
            details={"reason": reason},
        )

    on_failure(session, write)


def _busy(session: AsyncSession, *, identifier: str, context: RequestContext, scope: str) -> None:
    """Queue the audit event of an attempt refused because others were in flight (not a failure:
    no password was checked, and no failed attempt is recorded)."""

    async def write(fresh: AsyncSession) -> None:
        await audit.record(
            fresh,
            actor=Actor(user_id=None, email=identifier, role="anonymous", context=context),
            action="auth.login_busy",
            entity_type="staff_user",
            details={"scope": scope},
        )

    on_failure(session, write)


def _minutes(seconds: int) -> int:
    """Whole minutes, rounded up (a wait of 61 s is said as 2 minutes, never as less than it is)."""
    return max(1, -(-seconds // 60))


async def login(
    session: AsyncSession, *, email: str, password: str, context: RequestContext, settings: Settings
) -> TokenPair:
    """Check a password login and issue a token pair; every attempt is recorded and audited."""
    user = await authenticate(session, email=email, password=password, context=context, settings=settings)
    actor = await actor_for(session, user, context)
    await audit.record(session, actor=actor, action="auth.login", entity_type="staff_user", entity_id=user.id)
    return await issue_tokens(session, user=user, settings=settings)


async def issue_tokens(session: AsyncSession, *, user: StaffUser, settings: Settings) -> TokenPair:
    """A token pair for ``user`` opening a new login (a refresh-token family of its own), as a
    login issues once the password is checked; the caller has authenticated the account."""
    return await _issue(session, user=user, family_id=new_id(), settings=settings)


async def authenticate(
    session: AsyncSession, *, email: str, password: str, context: RequestContext, settings: Settings
) -> StaffUser:
    """The active staff user with this e-mail and password, under the login rate limits (the same
    for the password grant and the app clients' sign-in page). A refused attempt is recorded and
    audited (``auth.login_failed``) even though the request rolls back; the caller audits success.
    Simultaneous attempts that fill the account's allowance of failures before any has failed make
    the next one wait ``LOGIN_BUSY_WAIT_SECONDS`` for their verdicts: let in as correct ones finish,
    locked out as wrong ones fail, or else refused as busy (audited ``auth.login_busy``, no failure).
    An attempt with no verdict on its password, or a correct one whose request then rolls back,
    does not count as a failure (``throttle.release``).

    The login is stored on the account without touching its optimistic ``version``
    (:func:`_record_login`): simultaneous logins to one account all succeed.

    Raises ``LoginRateLimited`` (429, ``Retry-After``: the window), ``LoginBusy`` (429,
    ``Retry-After: 1``), ``InvalidCredentials`` (401) or
    ``LoginInterrupted`` (503, ``Retry-After``: an administrator changed the account meanwhile).
    """
    identifier = normalise_email(email)
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "sessions are bound to the app's engine"
    reservation = await throttle.reserve(
        engine,
        identifier=identifier,
        ip=context.ip,
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
        wait_seconds=settings.login_busy_wait_seconds,
    )
    if isinstance(reservation, throttle.Refusal) and reservation.kind == "busy":
        _busy(session, identifier=identifier, context=context, scope=reservation.scope)
        raise LoginBusy(
            "Other logins to this account are being checked at this moment; try again in a second.",
            detail_fr="D'autres connexions à ce compte sont en cours de vérification ; réessayez dans une seconde.",
            headers={"Retry-After": str(reservation.retry_after)},
        )
    if isinstance(reservation, throttle.Refusal):
        _refuse(session, identifier=identifier, context=context, reason="rate_limited")
        raise LoginRateLimited(
            f"Too many failed attempts; try again in {_minutes(reservation.retry_after)} minutes.",
            detail_fr=f"Trop de tentatives échouées ; réessayez dans {_minutes(reservation.retry_after)} minutes.",
            headers={"Retry-After": str(reservation.retry_after)},
        )
    try:
        found = await _read_account(engine, identifier)
        # Argon2 is deliberately slow and releases the GIL: verified in a worker thread, the event
        # loop keeps answering other requests (and a long import does not hold logins back). No
        # transaction of the request is open yet: on SQLite no write waits for the check.
        check = await anyio.to_thread.run_sync(check_password, password, found.password_hash if found else None)
    except BaseException:  # no verdict on the password (database busy or gone, request cancelled)
        await throttle.release(engine, reservation)
        raise
    valid = check.valid
    if found is None or not valid or not found.is_active:
        reason = "unknown_account" if found is None else ("inactive" if valid else "wrong_password")
        _refuse(session, identifier=identifier, context=context, reason=reason, reservation=reservation)
        raise InvalidCredentials(
            "The e-mail or the password is wrong.", detail_fr="L'e-mail ou le mot de passe est incorrect."
        )

    async def not_stored(_: AsyncSession) -> None:  # a correct login whose transaction rolled back
        await throttle.release(engine, reservation)

    on_failure(session, not_stored)
    # Weaker Argon2 parameters, or a hash made before passwords were normalised: hashed again
    # (as slow as the check, so in a worker thread too, and before the login's writes begin).
    rehashed = await anyio.to_thread.run_sync(hash_password, password) if check.rehash else None
    # The account as verified, without reading it again: _record_login stores the login only if
    # it is still the same (e-mail, token_version, active), else LoginInterrupted.
    user = await session.merge(found, load=False)
    session.add(LoginAttempt(identifier=identifier, ip=context.ip, succeeded=True))
    await throttle.succeeded(session, reservation)
    await _record_login(session, user, rehashed=rehashed)
    return user


async def _read_account(engine: AsyncEngine, identifier: str) -> StaffUser | None:
    """The staff account with e-mail ``identifier``, read on a read-only connection of its own
    (SQLite: ``BEGIN DEFERRED``, no write lock; it is released before the password is checked)."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(**{READ_ONLY_OPTION: True})
        async with AsyncSession(connection, expire_on_commit=False) as reader:
            return (await reader.execute(select(StaffUser).where(StaffUser.email == identifier))).scalar_one_or_none()


async def _record_login(session: AsyncSession, user: StaffUser, *, rehashed: str | None) -> None:
    """Store a correct login on its account: ``last_login_at``, and ``rehashed`` (the password
    just verified, hashed again) in place of the hash it was verified against.

    One ``UPDATE`` that neither checks nor bumps the row's optimistic ``version``: these are not
    fields anyone edits, so simultaneous logins to one account never conflict (each waits for the
    row's lock, then writes), and an administrator's ETag of the account stays current across its
    owner's logins. A rehash replaces only the hash that was verified (a login at the same moment
    may have rehashed it first: its hash is as good). Only the same account is written: an
    administrator's password, role or status change committed since the password was read bumped
    ``token_version``; the login then stores nothing and raises ``LoginInterrupted`` (503 with
    ``Retry-After``: tried again, the password is checked against the account as it is now).
    """
    now = utcnow()
    values: dict[str, Any] = {"last_login_at": now}
    if rehashed is not None:
        verified = StaffUser.password_hash == user.password_hash
        values["password_hash"] = case((verified, rehashed), else_=StaffUser.password_hash)
    statement = (
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.token_version == user.token_version, StaffUser.is_active)
        .values(values)
        .returning(StaffUser.password_hash)
        .execution_options(synchronize_session=False, **{ACTOR_UNCHANGED: True})
    )
    stored = (await session.execute(statement)).scalar_one_or_none()
    if stored is None:
        raise LoginInterrupted(
            "The account was changed while you were logging in; try again.",
            detail_fr="Le compte a été modifié pendant votre connexion ; réessayez.",
            headers={"Retry-After": str(LOGIN_RETRY_AFTER_SECONDS)},
        )
    set_committed_value(user, "last_login_at", now)
    set_committed_value(user, "password_hash", stored)


async def _issue(session: AsyncSession, *, user: StaffUser, family_id: uuid.UUID, settings: Settings) -> TokenPair:
    refresh = new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            digest=token_digest(refresh),
            family_id=family_id,
            token_version=user.token_version,
            expires_at=utcnow() + dt.timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    await session.flush()
    access = create_access_token(
        user_id=user.id,
        role=user.role,
        token_version=user.token_version,
        key=settings.signing_key(),
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=settings.access_token_ttl_seconds)


async def refresh(
    session: AsyncSession, *, refresh_token: str, context: RequestContext, settings: Settings
) -> TokenPair:
    """Rotate a refresh token: the presented one is spent, a new pair is issued.

    Presenting a token that was already rotated revokes its whole family (it was stolen or
    replayed) and answers ``InvalidRefreshToken``.
    """
    stmt = select(RefreshToken).where(RefreshToken.digest == token_digest(refresh_token)).with_for_update()
    token = (await session.execute(stmt)).scalar_one_or_none()
    now = utcnow()
    invalid = InvalidRefreshToken(
        "The refresh token is unknown, expired or revoked.",
        detail_fr="Le jeton de rafraîchissement est inconnu, expiré ou révoqué.",
    )
    if token is None:
        raise invalid
    user = await session.get(StaffUser, token.user_id)
    if token.rotated_at is not None and token.revoked_at is None:
        # Captured now: the rollback that precedes ``revoke_family`` expires ORM objects.
        family_id, user_id, email = token.family_id, token.user_id, user.email if user else "?"

        async def revoke_family(fresh: AsyncSession) -> None:
            await fresh.execute(
                update(RefreshToken)
                .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            await audit.record(
                fresh,
                actor=Actor(user_id=user_id, email=email, role="anonymous", context=context),
                action="auth.refresh_reused",
                entity_type="staff_user",
                entity_id=user_id,
            )

        on_failure(session, revoke_family)
        raise invalid
    if (
        token.revoked_at is not None
        or token.expires_at <= now
        or user is None
        or not user.is_active
        or token.token_version != user.token_version  # issued before a password, role or status change
    ):
        raise invalid
    token.rotated_at = now
    return await _issue(session, user=user, family_id=token.family_id, settings=settings)


async def revoke_all_tokens(session: AsyncSession, user: StaffUser) -> None:
    """End every session of ``user``: bump its ``token_version`` (its access tokens are refused from
    the next request on), revoke all its refresh tokens (a refresh issued under an older
    version is refused as well, see :func:`refresh`; app clients' refresh tokens carry the version
    too) and expire the authorization codes it has not exchanged yet (app clients).

    For a password change, a role change and a deactivation (OWASP Session Management Cheat
    Sheet, "Renew the Session ID After Any Privilege Level Change"). Desk memberships are not in
    any token: they are read again on each request, so changing them needs no revocation.
    """
    user.token_version += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await clients_service.end_pending_grants(session, user_id=user.id)


async def logout(session: AsyncSession, *, refresh_token: str, actor: Actor) -> None:
    """Revoke the refresh token's whole family (this login on this device). Unknown tokens: no-op."""
    token = (
        await session.execute(select(RefreshToken).where(RefreshToken.digest == token_digest(refresh_token)))
    ).scalar_one_or_none()
    if token is None or token.user_id != actor.user_id:
        return
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == token.family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await audit.record(session, actor=actor, action="auth.logout", entity_type="staff_user", entity_id=actor.user_id)
