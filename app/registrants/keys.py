"""Match keys: the indexed ``registrant_keys`` rows behind blocking, search and term frequencies.

Every registrant carries a set of ``(kind, value)`` keys computed in Python (so both databases
agree) and stored in one table indexed on ``(kind, value)``; every lookup is an equality or a
prefix range (``value >= p AND value < next(p)`` over ``[a-z0-9]`` values, which orders the same
under any collation), never a scan or a ``LIKE '%…'``:

========  ==========================================================  =========================
kind      value                                                       used for
========  ==========================================================  =========================
``g``     phonetic key of the given names (``ndei fatu``)             term frequency
``f``     phonetic key of the family name (``njai``)                  term frequency
``n``     phonetic key of one name token (``fatu``)                   name search, frequency
``w``     folded name token (``fatou``)                               name prefix search
``gf``    one given token's phonetic key + family key (``fatu njai``) blocking (no birth year)
``gfy``   the same + birth year (``fatu njai 1990``)                  blocking
``d``     full birth date (``1990-05-04``)                            blocking
``t``     phone digits reversed (``+221771234567`` → ``765432177122``)  phone blocking, suffix search
``b``     folded place of birth                                       term frequency
``r``     region of origin code                                       term frequency
``c``     folded city of residence                                    term frequency
``o``     folded occupation                                           term frequency
========  ==========================================================  =========================

Identity document numbers are looked up in ``identity_documents.number`` (already indexed).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.registrants.matching import PersonKeys, phonetic
from app.registrants.models import IdentityDocument, Registrant, RegistrantKey

Key = tuple[str, str]
BLOCK_LIMIT = 500
SIZE_CACHE_SECONDS = 300.0
SIZE_CACHE_FROM = 10_000  # a smaller registry is counted every time (cheap, and exact)
_size_cache: dict[str, tuple[float, int]] = {}
_KEYS = cast(Table, RegistrantKey.__table__)


def person_of(registrant: Registrant) -> PersonKeys:
    """The matching keys of a registrant whose phones and documents are loaded."""
    return PersonKeys.of(
        given_names=registrant.given_names,
        family_name=registrant.family_name,
        date_of_birth=registrant.date_of_birth,
        sex=registrant.sex,
        phones=[p.e164 for p in registrant.phones if p.e164 is not None],  # verified numbers only
        typed_documents=[(d.doc_type, d.number) for d in registrant.documents],
        place_of_birth=registrant.place_of_birth,
        origin_region=registrant.origin_region_code,
        arrival_date=registrant.arrival_date.isoformat() if registrant.arrival_date else None,
        email=registrant.email,
        host_city=registrant.host_city,
        occupation=registrant.occupation,
    )


def phone_key(e164: str) -> str:
    """``+221771234567`` → ``765432177122`` (a suffix of the number is a prefix of the key)."""
    return "".join(c for c in e164 if c.isdigit())[::-1]


def block_keys(person: PersonKeys) -> set[Key]:
    """The keys a possible duplicate of ``person`` must share with it (one at least)."""
    family = " ".join(phonetic(t) for t in person.family)
    year = person.date_of_birth[:4] if person.date_of_birth else None
    out: set[Key] = {("t", phone_key(p)) for p in person.phones}
    for token in person.given:
        pair = f"{phonetic(token)} {family}"
        out.add(("gf", pair))
        if year:
            out.add(("gfy", f"{pair} {year}"))
    if person.date_of_birth and len(person.date_of_birth) == 10:
        out.add(("d", person.date_of_birth))
    return out


def frequency_keys(person: PersonKeys) -> set[Key]:
    """The keys whose frequency in the registry the scoring of ``person`` needs."""
    out: set[Key] = {("t", phone_key(p)) for p in person.phones}
    given, family = [phonetic(t) for t in person.given], [phonetic(t) for t in person.family]
    out.add(("g", " ".join(given)))
    out.add(("f", " ".join(family)))
    out |= {("n", t) for t in given + family}
    if person.place_of_birth:
        out.add(("b", person.place_of_birth))
    if person.origin_region:
        out.add(("r", person.origin_region))
    if person.host_city:
        out.add(("c", person.host_city))
    if person.occupation:
        out.add(("o", person.occupation))
    return out


def all_keys(person: PersonKeys) -> set[Key]:
    """Every key stored for ``person``."""
    out = block_keys(person) | frequency_keys(person)
    out |= {("w", t) for t in (*person.given, *person.family)}
    return {(k, v[:200]) for k, v in out if v}


async def replace(session: AsyncSession, registrant: Registrant, *, new: bool = False) -> None:
    """Store the keys of ``registrant`` (phones and documents loaded), replacing its old ones."""
    if not new:
        await session.execute(delete(RegistrantKey).where(RegistrantKey.registrant_id == registrant.id))
    await insert_rows(session, rows_of(registrant))


def rows_of(registrant: Registrant, person: PersonKeys | None = None) -> list[dict[str, Any]]:
    """The ``registrant_keys`` rows of ``registrant`` (phones and documents loaded; ``person``: its
    :func:`person_of`, when the caller has it already)."""
    # An unverified number (no E.164 form) is never matched, but an agent finds it by its digits:
    # by its end too, like a verified number (``500000000`` finds ``0500000000``).
    unverified = {("t", p.digits[::-1]) for p in registrant.phones if p.e164 is None and p.digits}
    return key_rows(registrant.id, person or person_of(registrant), extra=unverified)


def key_rows(registrant_id: uuid.UUID, person: PersonKeys, *, extra: Iterable[Key] = ()) -> list[dict[str, Any]]:
    """The rows of the keys of ``person`` (and the search-only keys ``extra``) for ``registrant_id``."""
    stored = all_keys(person) | {(k, v[:200]) for k, v in extra if v}
    return [{"registrant_id": registrant_id, "kind": k, "value": v} for k, v in sorted(stored)]


async def insert_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert key rows (:func:`key_rows`), many registrants' at once if need be."""
    if rows:
        await session.execute(insert(_KEYS), rows)


async def insert_keys(
    session: AsyncSession, registrant_id: uuid.UUID, person: PersonKeys, *, extra: Iterable[Key] = ()
) -> None:
    """Store the keys of ``person`` (and the search-only keys ``extra``) for ``registrant_id``."""
    await insert_rows(session, key_rows(registrant_id, person, extra=extra))


async def counts(session: AsyncSession, keys: Iterable[Key]) -> dict[Key, int]:
    """How many registrants carry each of ``keys`` (index-only counts)."""
    wanted = sorted(set(keys))
    found: dict[Key, int] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        stmt = (
            select(RegistrantKey.kind, RegistrantKey.value, func.count())
            .where(tuple_(RegistrantKey.kind, RegistrantKey.value).in_(chunk))
            .group_by(RegistrantKey.kind, RegistrantKey.value)
        )
        for kind, value, n in (await session.execute(stmt)).all():
            found[(kind, value)] = int(n)
    return found


async def registry_size(session: AsyncSession) -> int:
    """The number of registrants (all desks), cached per database for ``SIZE_CACHE_SECONDS``: a
    term-frequency denominator need not be exact, and counting a large table on every
    registration would cost more than the lookup itself."""
    url = str(session.get_bind().engine.url)
    now = time.monotonic()
    cached = _size_cache.get(url)
    if cached is not None and cached[1] >= SIZE_CACHE_FROM and now - cached[0] < SIZE_CACHE_SECONDS:
        return cached[1]
    size = int((await session.execute(select(func.count()).select_from(Registrant))).scalar_one())
    _size_cache[url] = (now, size)
    return size


def forget_size() -> None:
    """Drop the cached registry sizes (tests that rebuild the database)."""
    _size_cache.clear()


def _key_ids(keys: Sequence[Key]) -> Any:
    return select(RegistrantKey.registrant_id).where(tuple_(RegistrantKey.kind, RegistrantKey.value).in_(keys))


async def block(
    session: AsyncSession,
    person: PersonKeys,
    *,
    desk_ids: Iterable[uuid.UUID] | None,
    exclude_id: uuid.UUID | None = None,
) -> list[Registrant]:
    """Registrants sharing a block with ``person`` (phones and documents loaded): a phone, a
    document number, the full birth date, a given name with the family name and birth year, or
    (when either full birth date is unknown: a year alone is often an estimate) a given name with
    the family name."""
    keys = block_keys(person)
    exact = sorted(k for k in keys if k[0] != "gf")
    pairs = sorted(k for k in keys if k[0] == "gf")
    conditions: list[ColumnElement[bool]] = []
    if exact:
        conditions.append(Registrant.id.in_(_key_ids(exact)))
    if pairs:
        same_name: ColumnElement[bool] = Registrant.id.in_(_key_ids(pairs))
        if person.date_of_birth and len(person.date_of_birth) == 10:  # else the ("gfy", …) keys cover them
            same_name = and_(
                same_name, or_(Registrant.date_of_birth.is_(None), func.length(Registrant.date_of_birth) < 10)
            )
        conditions.append(same_name)
    if person.documents:
        conditions.append(
            Registrant.id.in_(
                select(IdentityDocument.registrant_id).where(IdentityDocument.number.in_(sorted(person.documents)))
            )
        )
    if not conditions:
        return []
    stmt = select(Registrant).where(or_(*conditions))
    if desk_ids is not None:
        stmt = stmt.where(Registrant.desk_id.in_(list(desk_ids)))
    if exclude_id is not None:
        stmt = stmt.where(Registrant.id != exclude_id)
    stmt = stmt.options(selectinload(Registrant.phones), selectinload(Registrant.documents)).limit(BLOCK_LIMIT)
    return list((await session.execute(stmt)).scalars().all())


def _next_prefix(prefix: str) -> str | None:
    """The smallest ``[a-z0-9]`` string above every string starting with ``prefix``."""
    chars = list(prefix)
    while chars:
        last = chars.pop()
        if last == "9":
            return "".join(chars) + "a"
        if last != "z":
            return "".join(chars) + chr(ord(last) + 1)
    return None


def prefix_ids(kind: str, prefix: str) -> Any:
    """``registrant_id`` of the keys of ``kind`` whose value starts with ``prefix`` ([a-z0-9])."""
    condition = and_(RegistrantKey.kind == kind, RegistrantKey.value >= prefix)
    upper = _next_prefix(prefix)
    if upper is not None:
        condition = and_(condition, RegistrantKey.value < upper)
    return select(RegistrantKey.registrant_id).where(condition)


def equal_ids(kind: str, value: str) -> Any:
    """``registrant_id`` of the keys ``(kind, value)``."""
    return select(RegistrantKey.registrant_id).where(RegistrantKey.kind == kind, RegistrantKey.value == value)
