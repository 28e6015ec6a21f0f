"""Personal values of audit events, kept in an erasable table the hash chain does not cover.

The audit log is INSERT-only and hash-chained (:mod:`app.audit.chain`): an event's ``details`` can
never change without breaking verification. Values that identify a person (the names, phones and
documents in a registrant's creation or correction diff) therefore never go into ``details``:
:func:`seal` stores them in ``audit_payloads`` and returns the reference the event keeps::

    {"payload": "<uuid>", "digest": sha256_hex(salt + ":" + canonical_json(value)), "registrant": "<uuid>"}

While the payload exists, :func:`check` proves the stored values are those the event was written
with (the digest is in the chained content), kept under the person they were written for
(``registrant``: erasure finds a person's payloads by it, so a payload moved to another person
would escape the first one's erasure; references written before it carry no ``registrant``).
Erasure (:func:`erase`) deletes the person's payloads: the chain still verifies (its content is
unchanged), the event still says what happened, when and by whom, and the values are gone; the
random 128-bit salt goes with them, so the digest cannot be confirmed by hashing guessed names or
dates of birth (a commitment scheme, not a bare hash).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import chain
from app.audit.models import AuditPayload
from app.core.db import CanonicalJSON, utcnow
from app.core.ids import new_id, random_hex

ERASED = "erased"
"""What :func:`resolve` gives for a reference whose payload was erased."""


def digest(salt: str, value: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``salt``, ``:`` and the canonical JSON of ``value`` (sorted keys, no spaces, UTF-8)."""
    return _salted(salt, chain.canonical_json(value))


def _salted(salt: str, canonical: str) -> str:
    """SHA-256 hex of ``salt``, ``:`` and the canonical JSON text ``canonical`` (:func:`digest`)."""
    return hashlib.sha256(f"{salt}:{canonical}".encode()).hexdigest()


def digest_of_text(salt: str, text: str) -> str | None:
    """:func:`digest` of the value the JSON ``text`` holds, as a payload's ``value`` is read back;
    None when that value is not an object (no payload's is). Reads the text as the chain's
    verifier reads an event's details (:func:`app.audit.chain.canonical_details`: the same
    canonical JSON as :func:`digest`, built by the C encoder :func:`json.dumps` uses): raises
    ``app.audit.strict_json.DuplicateKey`` for a key twice in one object, ``ValueError`` for text
    that is not JSON, ``RecursionError`` past Python's nesting limit."""
    canonical = chain.canonical_details(text)
    if not canonical.startswith(b"{"):
        return None
    return hashlib.sha256(b"%s:%s" % (salt.encode(), canonical)).hexdigest()


def seal(session: AsyncSession, *, registrant_id: uuid.UUID, value: Mapping[str, Any]) -> dict[str, str]:
    """Add a payload row holding ``value`` (JSON-able) for ``registrant_id`` to the session's
    transaction; return the reference to put in the event's ``details["personal"]``."""
    values, reference = payload_values(registrant_id=registrant_id, value=value)
    session.add(AuditPayload(**{**values, "value": dict(value)}))
    return reference


def payload_values(*, registrant_id: uuid.UUID, value: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """What :func:`seal` adds, as the column values of an ``audit_payloads`` row, and the reference
    for the event's ``details["personal"]`` (a bulk writer inserts the row itself). The row's
    ``value`` is the canonical JSON text the digest hashes (:class:`app.core.db.CanonicalText`,
    stored as it is: encoded once); ``TypeError``/``ValueError`` for a value no JSON column could
    store (:meth:`app.core.db.CanonicalJSON.text`)."""
    salt = random_hex(16)
    payload_id, text = new_id(), CanonicalJSON.text(dict(value))
    row = {"id": payload_id, "registrant_id": registrant_id, "salt": salt, "value": text, "created_at": utcnow()}
    reference = {
        "payload": str(payload_id),
        "digest": _salted(salt, text),
        "registrant": str(registrant_id),
    }
    return row, reference


def check(row: AuditPayload, reference: Mapping[str, Any]) -> bool:
    """Whether ``row`` holds the values the event's ``reference`` was written with, for the person
    it names (when it names one)."""
    return (
        str(row.id) == reference.get("payload")
        and reference.get("registrant", str(row.registrant_id)) == str(row.registrant_id)
        and digest(row.salt, row.value) == reference.get("digest")
    )


async def resolve(session: AsyncSession, references: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{payload id: value}`` for the references given; :data:`ERASED` for those erased (or whose
    stored value no longer matches the event's digest)."""
    wanted = {str(r["payload"]): r for r in references if isinstance(r, Mapping) and "payload" in r}
    if not wanted:
        return {}
    ids = [uuid.UUID(i) for i in wanted]
    rows = (await session.execute(select(AuditPayload).where(AuditPayload.id.in_(ids)))).scalars().all()
    found = {str(row.id): row.value for row in rows if check(row, wanted[str(row.id)])}
    return {i: found.get(i, ERASED) for i in wanted}


async def count(session: AsyncSession, *, registrant_id: uuid.UUID) -> int:
    """How many payloads of ``registrant_id`` are stored."""
    stmt = select(func.count()).select_from(AuditPayload).where(AuditPayload.registrant_id == registrant_id)
    return int((await session.execute(stmt)).scalar_one())


async def erase(session: AsyncSession, *, registrant_id: uuid.UUID) -> list[str]:
    """Delete every payload of ``registrant_id`` in the caller's transaction; the ids deleted,
    sorted (the erasure's audit event lists them: ``app.audit.payload_check`` accepts no other
    payload gone)."""
    # Payloads queued in this transaction and not flushed yet are flushed first, then deleted too.
    await session.flush()
    result = await session.execute(
        delete(AuditPayload).where(AuditPayload.registrant_id == registrant_id).returning(AuditPayload.id)
    )
    return sorted(str(payload_id) for payload_id in result.scalars())
