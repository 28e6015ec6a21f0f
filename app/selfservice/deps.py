"""The authenticated person of a self-service request: kept apart from staff authentication.

A person token (``app.selfservice.credentials``) is required; a staff token, a token of another
audience or type, an expired or revoked one answer 401. :data:`CurrentPerson` is any signed-in
account; :data:`LinkedPerson` also requires the account to be linked to a registrant file (403
``account-not-linked`` otherwise), and carries that registrant's id — the only file the request
may touch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from app.core.context import Actor
from app.core.deps import RequestContextDep, SessionDep, SettingsDep
from app.core.errors import Unauthorized
from app.registrants.models import Registrant
from app.selfservice.accounts import person_actor
from app.selfservice.credentials import decode_person_token
from app.selfservice.errors import AccountNotLinked
from app.selfservice.models import PersonAccount

person_bearer = HTTPBearer(auto_error=False, scheme_name="PersonBearer", description="A self-service person token.")


@dataclass(frozen=True)
class Person:
    """The signed-in person: their account, and (once linked) their registrant and its desk."""

    account: PersonAccount
    actor: Actor
    registrant_id: uuid.UUID | None
    desk_id: uuid.UUID | None


async def get_person(
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(person_bearer)],
) -> Person:
    """The person behind the bearer token; ``Unauthorized`` (401) otherwise."""
    claims = (
        decode_person_token(
            credentials.credentials, server_key=settings.signing_key(), leeway_seconds=settings.jwt_leeway_seconds
        )
        if credentials is not None
        else None
    )
    if claims is None:
        raise Unauthorized(
            "A valid self-service access token is required.",
            detail_fr="Un jeton d'accès libre-service valide est requis.",
        )
    row = (
        await session.execute(
            select(PersonAccount, Registrant.desk_id)
            .outerjoin(Registrant, Registrant.id == PersonAccount.registrant_id)
            .where(PersonAccount.id == claims.account_id)
        )
    ).first()
    if row is None or row[0].token_version != claims.token_version:
        raise Unauthorized("The access token was revoked.", detail_fr="Le jeton d'accès a été révoqué.")
    account, desk_id = row
    return Person(
        account=account,
        actor=person_actor(account, desk_id, context),
        registrant_id=account.registrant_id,
        desk_id=desk_id,
    )


CurrentPerson = Annotated[Person, Depends(get_person)]


@dataclass(frozen=True)
class Linked:
    """A person whose account is linked: ``registrant_id`` and ``desk_id`` are set."""

    account: PersonAccount
    actor: Actor
    registrant_id: uuid.UUID
    desk_id: uuid.UUID


async def get_linked(person: CurrentPerson) -> Linked:
    """The person if their account is linked to a file; ``AccountNotLinked`` (403) otherwise."""
    if person.registrant_id is None or person.desk_id is None:
        raise AccountNotLinked(
            "A desk has not linked this account to your file yet: ask for a link code at the desk.",
            detail_fr="Un guichet n'a pas encore relié ce compte à votre dossier : "
            "demandez un code de liaison au guichet.",
        )
    return Linked(person.account, person.actor, person.registrant_id, person.desk_id)


LinkedPerson = Annotated[Linked, Depends(get_linked)]
