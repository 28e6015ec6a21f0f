"""The registrants a duplicate check compares a person with, as matching reads them (:class:`Known`).

:func:`app.registrants.keys.block` finds their ids through the match keys; :func:`pooled` reads
their columns, phones (verified in E.164, the digits of the others) and documents in two queries
(one on PostgreSQL), and
:func:`with_spellings` adds each one's other spellings: the files merged into it. A registration's
candidates come from :func:`ranked_with_spellings`: both in one statement on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import transaction_driver
from app.registrants.matching import PersonKeys
from app.registrants.models import IdentityDocument, Registrant, RegistrantPhone

# The ids are read through a scalar subquery, as in app.registrants.keys (its comment says why), and
# looked up one by one (LATERAL subqueries the planner keeps as they are): PostgreSQL keeps one
# plan, a primary-key (or merged_into_id index) lookup per id. Given ``r.id = ANY($1)`` it planned
# each call anew, or kept a generic plan that read the whole table (0.8 ms at 5,000 registrants,
# growing with the registry); joined to the ids, with ``merged_into_id IS NULL`` estimated to one
# row (statistics of a nearly empty registry), it read every registrant into a hash table.
_POOLED_PG = """
SELECT r.id, r.registration_number, r.desk_id, r.given_names, r.family_name, r.date_of_birth, r.sex,
       r.place_of_birth, r.origin_region_code, r.arrival_date, r.email, r.host_city, r.occupation, r.name_arabic,
       ARRAY(SELECT p.e164 FROM registrant_phones p WHERE p.registrant_id = r.id AND p.e164 IS NOT NULL),
       ARRAY(SELECT p.digits FROM registrant_phones p WHERE p.registrant_id = r.id AND p.e164 IS NULL),
       ARRAY(SELECT d.doc_type FROM identity_documents d WHERE d.registrant_id = r.id ORDER BY d.id),
       ARRAY(SELECT d.number FROM identity_documents d WHERE d.registrant_id = r.id ORDER BY d.id)
FROM unnest((SELECT $1::uuid[])) AS w(id)
  CROSS JOIN LATERAL (
    SELECT r.id, r.registration_number, r.desk_id, r.given_names, r.family_name, r.date_of_birth, r.sex,
           r.place_of_birth, r.origin_region_code, r.arrival_date, r.email, r.host_city, r.occupation, r.name_arabic
    FROM registrants r WHERE r.id = w.id AND r.merged_into_id IS NULL LIMIT 1) r
"""

# The files merged into any of $1, not anonymised: _POOL_COLUMNS, then merged_into_id.
_SPELLINGS_PG = """
SELECT r.id, r.registration_number, r.desk_id, r.given_names, r.family_name, r.date_of_birth, r.sex,
       r.place_of_birth, r.origin_region_code, r.arrival_date, r.email, r.host_city, r.occupation, r.name_arabic,
       r.merged_into_id
FROM unnest((SELECT $1::uuid[])) AS w(id)
  CROSS JOIN LATERAL (
    SELECT r.* FROM registrants r WHERE r.merged_into_id = w.id AND r.anonymised_at IS NULL OFFSET 0) r
ORDER BY r.id
"""


# _POOLED_PG and _SPELLINGS_PG in one statement (a registration's candidates): rows (0, the pooled
# row's columns, NULL) and (1, _POOL_COLUMNS, four NULL arrays, merged_into_id).
_POOLED_AND_SPELLINGS_PG = """
WITH w(id) AS MATERIALIZED (SELECT * FROM unnest((SELECT $1::uuid[])))
SELECT 0, r.id, r.registration_number, r.desk_id, r.given_names, r.family_name, r.date_of_birth, r.sex,
       r.place_of_birth, r.origin_region_code, r.arrival_date, r.email, r.host_city, r.occupation, r.name_arabic,
       ARRAY(SELECT p.e164 FROM registrant_phones p WHERE p.registrant_id = r.id AND p.e164 IS NOT NULL),
       ARRAY(SELECT p.digits FROM registrant_phones p WHERE p.registrant_id = r.id AND p.e164 IS NULL),
       ARRAY(SELECT d.doc_type FROM identity_documents d WHERE d.registrant_id = r.id ORDER BY d.id),
       ARRAY(SELECT d.number FROM identity_documents d WHERE d.registrant_id = r.id ORDER BY d.id),
       NULL::uuid
FROM w
  CROSS JOIN LATERAL (
    SELECT r.id, r.registration_number, r.desk_id, r.given_names, r.family_name, r.date_of_birth, r.sex,
           r.place_of_birth, r.origin_region_code, r.arrival_date, r.email, r.host_city, r.occupation, r.name_arabic
    FROM registrants r WHERE r.id = w.id AND r.merged_into_id IS NULL LIMIT 1) r
UNION ALL
SELECT 1, r.id, r.registration_number, r.desk_id, r.given_names, r.family_name, r.date_of_birth, r.sex,
       r.place_of_birth, r.origin_region_code, r.arrival_date, r.email, r.host_city, r.occupation, r.name_arabic,
       NULL, NULL, NULL, NULL, r.merged_into_id
FROM w
  CROSS JOIN LATERAL (
    SELECT r.* FROM registrants r WHERE r.merged_into_id = w.id AND r.anonymised_at IS NULL OFFSET 0) r
"""


async def ranked_with_spellings(session: AsyncSession, rank: Mapping[uuid.UUID, int], *, limit: int) -> list[Known]:
    """:func:`ranked`, each with its spellings (:func:`with_spellings`): one statement on
    PostgreSQL (a registration's candidates: a round trip less), the two in turn elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return await with_spellings(session, await ranked(session, rank, limit=limit))
    if not rank:
        return []
    ids = _best(rank, limit)
    found: dict[uuid.UUID, Known] = {}
    spelt: list[Sequence[Any]] = []
    for record in await (await transaction_driver(session)).fetch(_POOLED_AND_SPELLINGS_PG, ids):
        row = tuple(record)
        if row[0] == 0:
            found[row[1]] = _pooled(row[1:15], row[15], list(zip(row[17], row[18], strict=True)), row[16])
        else:
            spelt.append((*row[1:15], row[19]))
    spelt.sort(key=lambda row: row[0])  # by id, as _SPELLINGS_PG gives them
    return _with_spelt([found[rid] for rid in ids if rid in found], spelt)


async def with_spellings(session: AsyncSession, known: list[Known]) -> list[Known]:
    """``known`` with the :attr:`Known.spellings` of each: the files merged into it, not
    anonymised (one lookup through the index on ``merged_into_id``)."""
    if not known:
        return known
    by_id = {k.id: k for k in known}
    rows: Sequence[Any]
    if session.get_bind().dialect.name == "postgresql":  # on the driver: one of a registration's hot statements
        rows = await (await transaction_driver(session)).fetch(_SPELLINGS_PG, list(by_id))
    else:
        stmt = select(*_POOL_COLUMNS, Registrant.merged_into_id).where(
            Registrant.merged_into_id.in_(list(by_id)), Registrant.anonymised_at.is_(None)
        )
        rows = (await session.execute(stmt.order_by(Registrant.id))).all()
    return _with_spelt(known, rows)


def _with_spelt(known: list[Known], rows: Iterable[Sequence[Any]]) -> list[Known]:
    """``known`` with their spellings, ``rows`` (columns: _POOL_COLUMNS, merged_into_id; by id) the
    files merged into them; a row of a file merged into none of ``known`` is left out. CPU only."""
    by_id = {k.id: k for k in known}
    spellings: dict[uuid.UUID, list[Spelling]] = {}
    for row in rows:  # columns: _POOL_COLUMNS, merged_into_id
        if row[14] not in by_id:
            continue
        survivor = by_id[row[14]].keys  # its phones and documents are the person's now
        spelt = dataclasses.replace(
            _pooled(row, (), ()).keys,
            phones=survivor.phones,
            unverified_phones=survivor.unverified_phones,
            documents=survivor.documents,
            typed_documents=survivor.typed_documents,
        )
        spellings.setdefault(row[14], []).append(Spelling(spelt, row[1]))
    return [dataclasses.replace(k, spellings=tuple(spellings.get(k.id, ()))) for k in known]


async def ranked(session: AsyncSession, rank: Mapping[uuid.UUID, int], *, limit: int) -> list[Known]:
    """The best ``limit`` of ``rank`` (registrant id → rank, lowest first) as
    :class:`Known`, in that order."""
    if not rank:
        return []
    ids = _best(rank, limit)
    found = await pooled(session, ids)
    return [found[rid] for rid in ids if rid in found]


def _best(rank: Mapping[uuid.UUID, int], limit: int) -> list[uuid.UUID]:
    """The ``limit`` ids of ``rank`` ranked lowest (ties by id)."""
    return sorted(rank, key=lambda rid: (rank[rid], str(rid)))[:limit]


@dataclass(frozen=True)
class Spelling:
    """Another spelling of a person: the keys of a file merged into theirs (its names and details,
    with the survivor's phones and documents) and that file's registration number."""

    keys: PersonKeys
    registration_number: str


@dataclass(frozen=True)
class Known:
    """A registrant on file as matching reads it (a registration's block, the import's index): its
    summary and its matching keys (:func:`person_of` of the stored registrant), no ORM object."""

    id: uuid.UUID
    registration_number: str
    desk_id: uuid.UUID
    given_names: str
    family_name: str
    date_of_birth: str | None
    sex: str
    keys: PersonKeys
    spellings: tuple[Spelling, ...] = ()
    """The person's other spellings: the files merged into this one (their names and details, with
    this file's phones and documents), which a registration is compared with too."""


_POOL_COLUMNS = (
    Registrant.id,
    Registrant.registration_number,
    Registrant.desk_id,
    Registrant.given_names,
    Registrant.family_name,
    Registrant.date_of_birth,
    Registrant.sex,
    Registrant.place_of_birth,
    Registrant.origin_region_code,
    Registrant.arrival_date,
    Registrant.email,
    Registrant.host_city,
    Registrant.occupation,
    Registrant.name_arabic,
)


async def pooled(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Known]:
    """The registrants ``ids`` not merged into another, by id (:class:`Known`): two queries, the
    registrants' columns, then their phones and documents together (one on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        driver = await transaction_driver(session)
        return {
            r[0]: _pooled(r, r[14], list(zip(r[16], r[17], strict=True)), r[15])
            for r in await driver.fetch(_POOLED_PG, ids)
        }
    rows = (
        await session.execute(select(*_POOL_COLUMNS).where(Registrant.id.in_(ids), Registrant.merged_into_id.is_(None)))
    ).all()
    if not rows:
        return {}
    found = [r.id for r in rows]
    phones: dict[uuid.UUID, list[str]] = {}
    unverified: dict[uuid.UUID, list[str]] = {}
    documents: dict[uuid.UUID, list[tuple[str, str]]] = {}
    # a phone's "type" is "" (verified: its E.164 number) or "?" (unverified: its digits); no document's is
    verified_or_not = case((RegistrantPhone.e164.is_(None), literal("?")), else_=literal(""))
    identifiers: Any = union_all(
        select(
            RegistrantPhone.registrant_id, verified_or_not, func.coalesce(RegistrantPhone.e164, RegistrantPhone.digits)
        ).where(RegistrantPhone.registrant_id.in_(found)),
        select(IdentityDocument.registrant_id, IdentityDocument.doc_type, IdentityDocument.number).where(
            IdentityDocument.registrant_id.in_(found)
        ),
    )
    for rid, doc_type, value in (await session.execute(identifiers)).all():
        if doc_type == "":
            phones.setdefault(rid, []).append(value)
        elif doc_type == "?":
            unverified.setdefault(rid, []).append(value)
        else:
            documents.setdefault(rid, []).append((doc_type, value))
    return {r.id: _pooled(r, phones.get(r.id, ()), documents.get(r.id, ()), unverified.get(r.id, ())) for r in rows}


def _pooled(
    r: Sequence[Any], phones: Iterable[str], documents: Iterable[tuple[str, str]], unverified: Iterable[str] = ()
) -> Known:
    """A :class:`Known` of a row of :data:`_POOL_COLUMNS` (in that order), its verified phones (E.164),
    its documents ``(doc_type, number)`` and the digits of its unverified phones."""
    rid, number, desk_id, given, family, birth, sex, place, region, arrival, email, city, job, arabic = r[:14]
    return Known(
        id=rid,
        registration_number=number,
        desk_id=desk_id,
        given_names=given,
        family_name=family,
        date_of_birth=birth,
        sex=sex,
        keys=PersonKeys.of(
            given_names=given,
            family_name=family,
            date_of_birth=birth,
            sex=sex,
            phones=phones,
            unverified_phones=unverified,
            typed_documents=documents,
            place_of_birth=place,
            origin_region=region,
            arrival_date=arrival.isoformat() if arrival else None,
            email=email,
            host_city=city,
            occupation=job,
            name_arabic=arabic,
        ),
    )
