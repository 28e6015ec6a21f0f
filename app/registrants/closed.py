"""An anonymised file is closed for good: nothing of the person may be attached to it or changed in it.

After an erasure (:mod:`app.privacy.erasure`) the file keeps only what the reports count by. A
write that would put personal data on it again — a name, a phone, a document, a note, a case, a
consent, an appointment… — could never be erased: a second erasure finds the file anonymised and
does nothing. Every such write therefore asks :func:`hold_open` first, in the transaction that
writes, and is refused with 409 ``registrant-erased`` (docs/data-protection.md, "After erasure").

Concurrency: on PostgreSQL :func:`hold_open` takes the person's row ``FOR KEY SHARE`` until the
transaction ends. An erasure takes the row ``FOR UPDATE``, which conflicts with it: either the
erasure waits for this transaction to commit and then erases what it wrote too, or this
transaction waits for the erasure and then sees ``anonymised_at`` (a locking read returns the row
as last committed) and is refused. ``FOR KEY SHARE`` conflicts with nothing else an ordinary
write does (an update of the file takes ``FOR NO KEY UPDATE``; a row referring to it takes ``FOR
KEY SHARE`` itself), so writers of the same person never wait on each other for it. Callers lock
the person before any other row (the case, an import row, a merge record…): the erasure locks
the person first, so the other order could deadlock (:mod:`app.registrants.lock_order`).
SQLite serialises writers (``BEGIN IMMEDIATE``, see :mod:`app.core.db`): the check and the
write are never interleaved with an erasure there.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.registrants.errors import erased
from app.registrants.models import Registrant


async def anonymised_at(session: AsyncSession, registrant_id: uuid.UUID) -> dt.datetime | None:
    """When the file ``registrant_id`` was anonymised (``None``: it was not, or no such file), read
    under a lock an erasure waits for until the transaction ends (see the module)."""
    stmt = (
        select(Registrant.anonymised_at)
        .where(Registrant.id == registrant_id)
        .with_for_update(read=True, key_share=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def hold_open(session: AsyncSession, registrant_id: uuid.UUID) -> None:
    """Lock the file ``registrant_id`` against an erasure until the transaction ends (see the module)
    and raise ``RegistrantErased`` (409 ``registrant-erased``, with ``registrant_id`` and
    ``anonymised_at``) when it is anonymised. An unknown id passes (the caller answers its 404)."""
    if (anonymised := await anonymised_at(session, registrant_id)) is not None:
        raise erased(registrant_id, anonymised)


def ensure_open(registrant: Registrant) -> None:
    """Raise ``RegistrantErased`` (409) when ``registrant`` — loaded in this transaction with a lock
    an erasure conflicts with (``FOR UPDATE``) — is anonymised."""
    if registrant.anonymised_at is not None:
        raise erased(registrant.id, registrant.anonymised_at)
