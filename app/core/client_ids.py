"""Client-generated ids for records created offline.

An app working offline creates records with ids it generates (random UUIDs, RFC 9562 version 4)
so that it can link them (a case to the registrant it just registered) before it is back online.
The create endpoints accept such an ``id``; sent again with the same ``Idempotency-Key`` and body
the first response is replayed (:mod:`app.core.idempotency`); an id that already names a record
otherwise answers 409 ``id-taken``, and nothing is written. The problem carries the record's
``location`` only when the caller may read the record (it lies in one of their desks): to anyone
else the 409 says that the id cannot be used, never where, nor at which desk, a record has it.

Requests racing with one new id (an app pushing again before it heard back, under another key)
end the same way as when they come one after another: on PostgreSQL each first takes a
transaction-level advisory lock on the table and id (PostgreSQL documentation, "Advisory
Locks"), held until its transaction ends, then looks the id up, so the later ones see the record
the first committed and answer ``id-taken`` with its ``location`` rather than breaking the
primary key (``unique-violation``). SQLite runs one write transaction at a time (``BEGIN
IMMEDIATE``, :mod:`app.core.db`): the look-up already comes after the other's commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import ids
from app.core.context import Actor
from app.core.errors import Conflict

CLIENT_ID_FIELD: Any = Field(
    default=None,
    description="Optional client-generated UUID (offline creation); the server makes one when absent.",
)


class IdTaken(Conflict):
    slug = "id-taken"
    title_fr, title_en = "Identifiant déjà utilisé", "Id already in use"


_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 13))")
"""Seed 13, as the other advisory locks of the app; the key names the table and the id."""


async def _own_desk(record: Any) -> uuid.UUID | None:
    desk_id: uuid.UUID | None = record.desk_id
    return desk_id


async def new_id(
    session: AsyncSession,
    model: type[Any],
    requested: uuid.UUID | None,
    *,
    location: str,
    actor: Actor,
    desk_of: Callable[[Any], Awaitable[uuid.UUID | None]] = _own_desk,
) -> uuid.UUID:
    """``requested`` when no ``model`` row has it (a fresh UUID when ``None``).

    ``location`` is the record's URL with ``{id}`` in it (and ``{record.<attribute>}`` for the
    existing record's own, such as the case a note is on). Raises ``IdTaken`` (409) when the id is
    in use, with that ``location`` only when ``actor`` sees the desk ``desk_of`` gives for the
    record (default: its ``desk_id``). Requests racing with one id wait for each other (PostgreSQL:
    an advisory lock held until the transaction ends): the first gets the id, the others
    ``IdTaken`` as if they had come after it.
    """
    if requested is None:
        return ids.new_id()
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_LOCK, {"k": f"client-id:{model.__tablename__}:{requested}"})
    existing = await session.get(model, requested)
    if existing is not None:
        shown: dict[str, Any] = {}
        if actor.can_see_desk(await desk_of(existing)):
            shown["location"] = location.format(id=requested, record=existing)
        raise IdTaken(
            "A record with this id already exists; send the same Idempotency-Key to get the first answer again.",
            detail_fr="Un enregistrement porte déjà cet identifiant ; renvoyez la même demande (même clé "
            "d'idempotence) pour obtenir la première réponse.",
            **shown,
        )
    return requested
