"""Client-generated ids for records created offline.

An app working offline creates records with ids it generates (random UUIDs, RFC 9562 version 4)
so that it can link them (a case to the registrant it just registered) before it is back online.
The create endpoints accept such an ``id``; sent again with the same ``Idempotency-Key`` and body
the first response is replayed (:mod:`app.core.idempotency`); an id that already names a record
otherwise answers 409 ``id-taken``, and nothing is written. The problem carries the record's
``location`` only when the caller may read the record (it lies in one of their desks): to anyone
else the 409 says that the id cannot be used, never where, nor at which desk, a record has it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field
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
    record (default: its ``desk_id``); two requests racing with one new id end on the primary key
    (409 ``unique-violation``).
    """
    if requested is None:
        return ids.new_id()
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
