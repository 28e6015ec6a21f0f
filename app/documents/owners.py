"""Owners of documents, behind one resolver.

An owner type maps to a loader returning the owner's desk id (or ``None`` when it does not
exist). :func:`resolve` checks that the actor can see that desk and answers ``NotFound`` (404)
otherwise, so a record of another desk is indistinguishable from a missing one. Attaching
documents to a new kind of record is one :func:`register` call and one route.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import Case
from app.core.context import Actor
from app.core.errors import NotFound
from app.registrants.models import Registrant

DeskLoader = Callable[[AsyncSession, uuid.UUID], Awaitable[uuid.UUID | None]]

_LOADERS: dict[str, DeskLoader] = {}


@dataclass(frozen=True)
class Owner:
    """A resolved owner: its type, id and the desk it belongs to."""

    type: str
    id: uuid.UUID
    desk_id: uuid.UUID


def register(owner_type: str, loader: DeskLoader) -> None:
    """Make ``owner_type`` a valid owner, with ``loader(session, id) -> desk_id | None``."""
    _LOADERS[owner_type] = loader


async def resolve(session: AsyncSession, *, actor: Actor, owner_type: str, owner_id: uuid.UUID) -> Owner:
    """The owner if it exists and the actor can see its desk; ``NotFound`` otherwise."""
    loader = _LOADERS.get(owner_type)
    desk_id = await loader(session, owner_id) if loader else None
    if desk_id is None or not actor.can_see_desk(desk_id):
        raise NotFound(f"No such {owner_type}.", detail_fr="Dossier introuvable.")
    return Owner(type=owner_type, id=owner_id, desk_id=desk_id)


async def _registrant_desk(session: AsyncSession, registrant_id: uuid.UUID) -> uuid.UUID | None:
    return (await session.execute(select(Registrant.desk_id).where(Registrant.id == registrant_id))).scalar()


register("registrant", _registrant_desk)


async def _case_desk(session: AsyncSession, case_id: uuid.UUID) -> uuid.UUID | None:
    return (await session.execute(select(Case.desk_id).where(Case.id == case_id))).scalar()


register("case", _case_desk)
