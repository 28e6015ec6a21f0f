"""Client-generated ids for records created offline.

An app working offline creates records with ids it generates (random UUIDs, RFC 9562 version 4)
so that it can link them (a case to the registrant it just registered) before it is back online.
The create endpoints accept such an ``id``; sent again with the same ``Idempotency-Key`` and body
the first response is replayed (:mod:`app.core.idempotency`); an id that already names a record
otherwise answers 409 ``id-taken`` with that record's ``location``, and nothing is written.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict

CLIENT_ID_FIELD: Any = Field(
    default=None,
    description="Optional client-generated UUID (offline creation); the server makes one when absent.",
)


class IdTaken(Conflict):
    slug = "id-taken"
    title_fr, title_en = "Identifiant déjà utilisé", "Id already in use"


async def new_id(session: AsyncSession, model: type[Any], requested: uuid.UUID | None, *, location: str) -> uuid.UUID:
    """``requested`` when no ``model`` row has it (a fresh UUID when ``None``).

    ``location`` is the record's URL with ``{id}`` in it. Raises ``IdTaken`` (409) when the id is
    in use; two requests racing with one new id end on the primary key (409 ``unique-violation``).
    """
    if requested is None:
        return uuid.uuid4()
    if await session.get(model, requested) is not None:
        raise IdTaken(
            "A record with this id already exists; send the same Idempotency-Key to get the first answer again.",
            detail_fr="Un enregistrement porte déjà cet identifiant ; renvoyez la même Idempotency-Key pour "
            "obtenir la première réponse.",
            location=location.format(id=requested),
        )
    return requested
