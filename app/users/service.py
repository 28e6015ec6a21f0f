"""Staff accounts: create, update, list. Administrators only (enforced by the router).

Errors: ``EmailTaken`` (409), ``LastAdministrator`` (409: an edit that would leave no active
administrator), ``DeskInactive`` (409: a new member of a closed desk), ``UnknownDesk`` (422),
``FieldNotApplicable`` (422: ``desk_codes`` for an auditor), ``DeskRequired`` (422: an agent or a
supervisor left without a desk),
``NotFound`` (404), ``PreconditionFailed`` / ``PreconditionRequired`` (412/428) through
``If-Match`` (an edit locks the account's row, see :func:`update`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app.audit import service as audit
from app.auth.errors import EmailTaken
from app.auth.models import DeskMembership, StaffUser
from app.auth.service import normalise_email, revoke_all_tokens
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound, PreconditionFailed, not_applicable
from app.core.http import require_if_match
from app.core.pagination import paginate
from app.core.security import hash_password
from app.desks import service as desks
from app.users.errors import LastAdministrator, desk_required

AUDITOR = "auditor"
AT_A_DESK = frozenset({"agent", "supervisor"})
"""The roles that work at a desk, so need one (administrators and auditors may have none)."""
_AUDITED = ("email", "full_name", "role", "is_active")
"""The account's fields an edit sets and its ``user.update`` audit event diffs."""


async def desk_codes_of(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """``{user_id: [desk code, …]}`` for the given users, codes sorted."""
    from app.desks.models import Desk

    result: dict[uuid.UUID, list[str]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return result
    rows = await session.execute(
        select(DeskMembership.user_id, Desk.code)
        .join(Desk, Desk.id == DeskMembership.desk_id)
        .where(DeskMembership.user_id.in_(user_ids))
        .order_by(Desk.code)
    )
    for user_id, code in rows:
        result[user_id].append(code)
    return result


async def _set_desks(session: AsyncSession, user: StaffUser, codes: Sequence[str], *, kept: Sequence[str] = ()) -> None:
    """Make ``codes`` the user's desks. A closed desk takes no new member (``DeskInactive``, 409,
    at ``desk_codes``); one the user already belongs to (``kept``) stays."""
    found = await desks.get_many_by_code(session, codes=codes, field="desk_codes")
    for desk in found:
        if desk.code not in kept:
            desks.require_open(desk, field="desk_codes")
    desk_ids = [d.id for d in found]
    await session.execute(delete(DeskMembership).where(DeskMembership.user_id == user.id))
    session.add_all(DeskMembership(user_id=user.id, desk_id=desk_id) for desk_id in desk_ids)
    await session.flush()


def _no_desks_for(role: str, desk_codes: Sequence[str] | None) -> None:
    """Raises ``FieldNotApplicable`` (422 at ``desk_codes``) when desks are given to an auditor:
    an auditor reads every desk and works at none, so a membership would mean nothing.
    (Administrators keep theirs: they also register and book at their desks.)"""
    if desk_codes and role == AUDITOR:
        raise not_applicable(
            ["desk_codes"],
            why_en="an auditor reads every desk and belongs to none.",
            why_fr="un auditeur lit tous les guichets et n'appartient à aucun.",
        )


def _a_desk_for(role: str, desk_codes: Sequence[str]) -> None:
    """Raises ``DeskRequired`` (422 at ``desk_codes``) when an agent or a supervisor would have
    no desk: they register, book and take cases at their desks, and could do nothing without one."""
    if role in AT_A_DESK and not desk_codes:
        raise desk_required()


async def _require_free_email(session: AsyncSession, email: str, *, user_id: uuid.UUID | None = None) -> None:
    """Raises ``EmailTaken`` (409) when another account than ``user_id`` signs in with ``email``."""
    stmt = select(StaffUser.id).where(StaffUser.email == email)
    if user_id is not None:
        stmt = stmt.where(StaffUser.id != user_id)
    if (await session.execute(stmt)).first():
        raise EmailTaken(f"{email} already has an account.", detail_fr=f"{email} a déjà un compte.")


async def check_create(session: AsyncSession, *, email: str, role: str, desk_codes: Sequence[str] = ()) -> None:
    """What :func:`create` refuses but the password, checked before one is asked for (the command
    line's prompt): desks given to an auditor or none to an agent or a supervisor, an unknown or
    closed desk, an e-mail already in use; the same errors. Writes nothing."""
    _no_desks_for(role, desk_codes)
    _a_desk_for(role, desk_codes)
    await _require_free_email(session, normalise_email(email))
    for desk in await desks.get_many_by_code(session, codes=desk_codes, field="desk_codes"):
        desks.require_open(desk, field="desk_codes")


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    email: str,
    full_name: str,
    role: str,
    password: str,
    desk_codes: Sequence[str] = (),
) -> StaffUser:
    """Create a staff account with an Argon2id password hash and its desk memberships."""
    _no_desks_for(role, desk_codes)
    _a_desk_for(role, desk_codes)
    password_hash = await _hashed(password)
    normalised = normalise_email(email)
    await _require_free_email(session, normalised)
    user = StaffUser(email=normalised, full_name=full_name.strip(), role=role, password_hash=password_hash)
    session.add(user)
    await session.flush()
    await _set_desks(session, user, desk_codes)
    await audit.record(
        session,
        actor=actor,
        action="user.create",
        entity_type="staff_user",
        entity_id=user.id,
        details={"email": normalised, "role": role, "desk_codes": sorted(desk_codes)},
    )
    return user


async def _hashed(password: str) -> str:
    """:func:`hash_password` in a worker thread (Argon2 is slow on purpose and releases the GIL),
    called before the operation's first statement: on SQLite a write transaction holds the
    database's write lock from its first statement, and no other write should wait for the hash."""
    return await anyio.to_thread.run_sync(hash_password, password)


async def get(session: AsyncSession, *, user_id: uuid.UUID, for_update: bool = False) -> StaffUser:
    """The account, or ``NotFound``. ``for_update``: read afresh and lock the row until the
    transaction ends (PostgreSQL ``FOR NO KEY UPDATE``: rows referencing it may still be added)."""
    lock = {"key_share": True} if for_update else None
    user = await session.get(StaffUser, user_id, with_for_update=lock, populate_existing=for_update)
    if user is None:
        raise NotFound("No such staff user.", detail_fr="Utilisateur introuvable.")
    return user


async def _lock_active_administrators(session: AsyncSession) -> list[uuid.UUID]:
    """The ids of the active administrators, their rows locked until the transaction ends.

    PostgreSQL: ``FOR NO KEY UPDATE`` in id order, so two edits that could each remove an
    administrator queue; the second then reads the rows as the first left them (READ COMMITTED
    re-checks the condition on a row it waited for). SQLite: writers are serialised already
    (``BEGIN IMMEDIATE``)."""
    stmt = (
        select(StaffUser.id)
        .where(StaffUser.role == "admin", StaffUser.is_active.is_(True))
        .order_by(StaffUser.id)
        .with_for_update(key_share=True)
    )
    return list((await session.execute(stmt)).scalars().all())


def _keep_an_administrator(user: StaffUser, changes: dict[str, Any], admins: Sequence[uuid.UUID]) -> None:
    """Raises ``LastAdministrator`` (409) when ``changes`` (a new ``role``, ``is_active``) would
    take away the last active administrator (``admins``: the active ones, locked)."""
    role = changes["role"] if changes.get("role") is not None else user.role
    active = changes["is_active"] if changes.get("is_active") is not None else user.is_active
    if user.id not in admins or (role == "admin" and active):
        return
    if len(admins) <= 1:
        raise LastAdministrator(
            "This is the last active administrator: make another account an administrator first.",
            detail_fr="C'est le dernier administrateur actif : nommez d'abord un autre administrateur.",
            field="is_active" if not active else "role",
        )


async def update(
    session: AsyncSession, *, actor: Actor, user_id: uuid.UUID, if_match: str | None, changes: dict[str, Any]
) -> StaffUser:
    """Apply ``changes`` (keys of ``UserUpdate``). A new password, e-mail or role, or
    deactivation, revokes every access and refresh token of the user (:func:`revoke_all_tokens`).
    A new ``email`` is normalised and must be free (``EmailTaken``, 409). An auditor takes no
    ``desk_codes`` (``FieldNotApplicable``, 422); an account made auditor leaves its desks. An edit of
    the role or the desks that would leave an agent or a supervisor no desk is ``DeskRequired`` (422).

    The row is locked from the ``If-Match`` check to the commit, so of two administrators' edits
    sent with the same ETag at the same moment the second answers ``PreconditionFailed`` (412)
    with the current ETag. The owner's logins do not change the ETag (they are not edits).
    """
    password_hash = await _hashed(changes["password"]) if changes.get("password") else None
    if changes.get("role") is not None or changes.get("is_active") is not None:
        # Before the account's own lock: every such edit takes the locks in one order (no deadlock).
        admins = await _lock_active_administrators(session)
    user = await get(session, user_id=user_id, for_update=True)
    require_if_match(if_match, user.version)
    read_version = user.version
    if changes.get("role") is not None or changes.get("is_active") is not None:
        _keep_an_administrator(user, changes, admins)
    role = changes.get("role") or user.role
    _no_desks_for(role, changes.get("desk_codes"))
    if changes.get("email") is not None:
        changes["email"] = normalise_email(changes["email"])
        await _require_free_email(session, changes["email"], user_id=user.id)
    before: dict[str, Any] = {f: getattr(user, f) for f in _AUDITED}
    before["desk_codes"] = (await desk_codes_of(session, [user.id]))[user.id]
    if role == AUDITOR and before["desk_codes"]:
        changes["desk_codes"] = []  # an auditor keeps no membership (the audit diff shows it)
    if changes.get("role") is not None or changes.get("desk_codes") is not None:
        # only an edit of the role or the desks: an account left without one before this rule
        # can still be renamed or deactivated
        _a_desk_for(role, before["desk_codes"] if changes.get("desk_codes") is None else changes["desk_codes"])
    if "desk_codes" in changes and changes["desk_codes"] is not None:
        await _set_desks(session, user, changes["desk_codes"], kept=before["desk_codes"])
    for field in _AUDITED:
        if changes.get(field) is not None:
            setattr(user, field, changes[field])
    revoke = False
    if password_hash is not None:
        user.password_hash = password_hash
        revoke = True
    if changes.get("is_active") is False or changes.get("role") not in (None, before["role"]):
        revoke = True
    if changes.get("email") not in (None, before["email"]):
        revoke = True  # the sign-in name changed: sessions opened under the old one end
    if revoke:
        await revoke_all_tokens(session, user)
    try:
        await session.flush()
    except StaleDataError as exc:  # the row is locked: only a write outside this module gets here
        raise PreconditionFailed(
            "The account changed while you were updating it; read it again.",
            detail_fr="Le compte a changé pendant votre modification ; relisez-le.",
        ) from exc
    after = {f: getattr(user, f) for f in _AUDITED}
    after["desk_codes"] = (await desk_codes_of(session, [user.id]))[user.id]
    if after["desk_codes"] != before["desk_codes"] and user.version == read_version:
        # The memberships are rows of their own: the account's row is written too, so that its
        # version (the ETag) moves and a second edit sent with the old ETag answers 412.
        user.updated_at = utcnow()
        await session.flush()
    details: dict[str, Any] = {"changes": audit.diff(before, after)}
    if changes.get("password"):
        details["password_changed"] = True
    await audit.record(
        session, actor=actor, action="user.update", entity_type="staff_user", entity_id=user.id, details=details
    )
    return user


async def list_page(session: AsyncSession, *, cursor: str | None, limit: int) -> tuple[list[StaffUser], str | None]:
    """One page of the staff accounts by e-mail, and the next page's cursor (None: no more);
    ``BadRequest`` (400) for a cursor the API did not issue for this list."""
    return await paginate(
        session, select(StaffUser), keys=[StaffUser.email, StaffUser.id], cursor=cursor, limit=limit, descending=False
    )
