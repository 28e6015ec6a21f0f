"""Linking a person's account to their registrant file, after the desk has checked who they are.

The design (docs/self-service.md, "Linking"): an agent of the registrant's desk who has checked
the person's identity document at the counter issues a **link code** for that registrant
(:func:`issue_code`) and hands it over, printed or read aloud. The person types it in the app
while signed in (:func:`link`). The link thus needs both the counter's identity check (the code)
and the person's control of the phone or e-mail of the account (the sign-in code); an agent never
types a phone number or an e-mail address that could be someone else's.

Link codes: 50 random bits, stored as a keyed HMAC, single use, valid
``SELF_SERVICE_LINK_CODE_TTL_SECONDS``; a new code for the registrant revokes the older ones. An
account may fail ``SELF_SERVICE_LINK_MAX_FAILURES`` times in all; then only the desk can help.
Every step is audited: ``self_service.link_code_issue`` (staff), ``self_service.link`` and
``self_service.link_failed`` (the person), ``self_service.unlink`` (staff).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases.service import visible_registrant
from app.core.config import Settings
from app.core.context import Actor
from app.core.db import on_failure, utcnow
from app.core.errors import Forbidden, NotFound
from app.core.ids import new_id
from app.registrants import closed
from app.selfservice import credentials
from app.selfservice.accounts import mask
from app.selfservice.errors import AlreadyLinked, InvalidLinkCode, LinkAttemptsExhausted
from app.selfservice.models import LinkCode, PersonAccount
from app.selfservice.schemas import LinkedAccountOut

LINKING_ROLES = frozenset({"agent", "supervisor", "admin"})


def _check_role(actor: Actor) -> None:
    if actor.role not in LINKING_ROLES:
        raise Forbidden(
            "Linking accounts is done by the desk's agents, supervisors and administrators.",
            detail_fr="La liaison des comptes est faite par les agents, superviseurs et administrateurs du guichet.",
        )


async def issue_code(
    session: AsyncSession, *, actor: Actor, settings: Settings, registrant_id: uuid.UUID
) -> tuple[str, LinkCode]:
    """A new link code for a registrant of the actor's desks: ``(code, row)``; the code itself is
    returned only here. Raises ``Forbidden`` (403) for auditors, ``UnknownRegistrant`` (404),
    ``RegistrantErased`` (409: an anonymised file is linked to no account again)."""
    _check_role(actor)
    registrant = await visible_registrant(session, actor=actor, registrant_id=registrant_id, for_write=True)
    now = utcnow()
    await session.execute(
        update(LinkCode)
        .where(LinkCode.registrant_id == registrant.id, LinkCode.used_at.is_(None), LinkCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    code = credentials.new_link_code()
    row = LinkCode(
        id=new_id(),
        registrant_id=registrant.id,
        desk_id=registrant.desk_id,
        code_digest=credentials.link_code_digest(settings.signing_key(), code),
        issued_by=actor.user_id,
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=settings.self_service_link_code_ttl_seconds),
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="self_service.link_code_issue",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"link_code_id": row.id, "expires_at": row.expires_at},
    )
    return code, row


async def link(
    session: AsyncSession, *, account: PersonAccount, actor: Actor, settings: Settings, typed: str
) -> uuid.UUID:
    """Link ``account`` to the registrant of a valid link code; returns the registrant id.

    Raises ``AlreadyLinked`` (409), ``LinkAttemptsExhausted`` (429) once the account has failed
    too often, ``InvalidLinkCode`` (422, counted and audited) for an unknown, used, revoked or
    expired code (an erasure revokes the codes of the file it anonymises).
    """
    if account.registrant_id is not None:
        raise AlreadyLinked(
            "This account is already linked to a file.", detail_fr="Ce compte est déjà relié à un dossier."
        )
    if account.link_failures >= settings.self_service_link_max_failures:
        raise LinkAttemptsExhausted(
            f"The link code was typed wrong {settings.self_service_link_max_failures} times: ask the desk to link "
            "your account.",
            detail_fr=f"Le code de liaison a été mal saisi {settings.self_service_link_max_failures} fois : demandez "
            "au guichet de relier votre compte.",
        )
    digest = credentials.link_code_digest(settings.signing_key(), credentials.normalise_link_code(typed))
    now = utcnow()
    # The file first, then the code: an erasure locks them in that order (and revokes the code).
    named = (await session.execute(select(LinkCode.registrant_id).where(LinkCode.code_digest == digest))).scalar()
    erased = named is not None and await closed.anonymised_at(session, named) is not None
    row = (
        await session.execute(select(LinkCode).where(LinkCode.code_digest == digest).with_for_update())
    ).scalar_one_or_none()
    if erased or row is None or row.used_at is not None or row.revoked_at is not None or row.expires_at <= now:
        _count_failure(session, account_id=account.id, actor=actor)
        raise InvalidLinkCode(
            "This link code is wrong, already used or expired.",
            detail_fr="Ce code de liaison est incorrect, déjà utilisé ou expiré.",
        )
    row.used_at, row.used_by_account_id = now, account.id
    account.registrant_id, account.linked_at, account.linked_by = row.registrant_id, now, row.issued_by
    account.link_failures = 0
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="self_service.link",
        entity_type="registrant",
        entity_id=row.registrant_id,
        desk_id=row.desk_id,
        details={"account_id": account.id, "link_code_id": row.id, "issued_by": row.issued_by},
    )
    return row.registrant_id


def _count_failure(session: AsyncSession, *, account_id: uuid.UUID, actor: Actor) -> None:
    async def write(fresh: AsyncSession) -> None:
        await fresh.execute(
            update(PersonAccount)
            .where(PersonAccount.id == account_id)
            .values(link_failures=PersonAccount.link_failures + 1)
        )
        await audit.record(
            fresh, actor=actor, action="self_service.link_failed", entity_type="person_account", entity_id=account_id
        )

    on_failure(session, write)


async def linked_accounts(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> list[LinkedAccountOut]:
    """The accounts linked to a registrant of the actor's desks (audited ``self_service.accounts_read``)."""
    _check_role(actor)
    registrant = await visible_registrant(session, actor=actor, registrant_id=registrant_id)
    rows = (
        await session.execute(
            select(PersonAccount).where(PersonAccount.registrant_id == registrant.id).order_by(PersonAccount.linked_at)
        )
    ).scalars()
    out = [
        LinkedAccountOut(
            id=a.id,
            kind=a.kind,
            identifier_masked=mask(a.identifier),
            linked_at=a.linked_at,
            last_sign_in_at=a.last_sign_in_at,
        )
        for a in rows
    ]
    await audit.record(
        session,
        actor=actor,
        action="self_service.accounts_read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
    )
    return out


async def unlink(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, account_id: uuid.UUID) -> None:
    """Unlink an account from a registrant of the actor's desks and end its sessions (audited
    ``self_service.unlink``). Raises ``NotFound`` (404) for an account not linked to it."""
    _check_role(actor)
    registrant = await visible_registrant(session, actor=actor, registrant_id=registrant_id)
    account = await session.get(PersonAccount, account_id, with_for_update=True)
    if account is None or account.registrant_id != registrant.id:
        raise NotFound("No such linked account.", detail_fr="Aucun compte relié de ce nom.")
    account.registrant_id, account.linked_at, account.linked_by = None, None, None
    account.token_version += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="self_service.unlink",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"account_id": account.id},
    )
