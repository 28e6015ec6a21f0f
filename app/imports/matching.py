"""Duplicate lookup for a whole register in one pass (instead of one query per row).

Same blocks and the same scoring as :func:`app.registrants.service.find_duplicates` (a phone, a
document number, the full birth date, the birth year with a phonetic family or given name, or
both phonetic names; scored by :func:`app.registrants.matching.score`, kept from
``REPORT_THRESHOLD``): the registrants sharing a block with any row of the file are loaded in a
few queries, then every row is matched in memory against them and against the rows the import
has already created.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.registrants import matching
from app.registrants.models import IdentityDocument, Registrant, RegistrantPhone
from app.registrants.schemas import DuplicateCandidate

CHUNK = 300


@dataclass(frozen=True)
class Known:
    """A registrant the import can be matched against, with its keys."""

    id: uuid.UUID
    registration_number: str
    desk_id: uuid.UUID
    given_names: str
    family_name: str
    date_of_birth: str | None
    sex: str
    keys: matching.PersonKeys


def person_keys(
    *, given_names: str, family_name: str, date_of_birth: str | None, sex: str, phones: Iterable[str],
    documents: Iterable[str],
) -> matching.PersonKeys:  # fmt: skip
    """The registry's matching keys of one person (phones in E.164, normalised document numbers)."""
    return matching.PersonKeys.of(
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        phones=phones,
        documents=documents,
    )


def _phonetic(tokens: Sequence[str]) -> str:
    return " ".join(matching.phonetic(t) for t in tokens)


def _blocks(keys: matching.PersonKeys) -> list[tuple[str, ...]]:
    family, given = _phonetic(keys.family), _phonetic(keys.given)
    year = keys.date_of_birth[:4] if keys.date_of_birth else None
    blocks: list[tuple[str, ...]] = [("phone", p) for p in keys.phones]
    blocks += [("document", d) for d in keys.documents]
    if keys.date_of_birth and len(keys.date_of_birth) == 10:
        blocks.append(("birth_date", keys.date_of_birth))
    if year:
        blocks += [("year_family", year, family), ("year_given", year, given)]
    blocks.append(("names", family, given))
    return blocks


class BatchMatcher:
    """An in-memory index of candidate registrants for one import run."""

    def __init__(self, *, desk_ids: frozenset[uuid.UUID] | None) -> None:
        self.desk_ids = desk_ids
        self.index: dict[tuple[str, ...], list[Known]] = defaultdict(list)
        self.seen: set[uuid.UUID] = set()

    async def preload(self, session: AsyncSession, rows: Sequence[matching.PersonKeys]) -> None:
        """Load every registrant (of the actor's desks) sharing a block with one of ``rows``."""
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            phones = {p for k in chunk for p in k.phones}
            documents = {d for k in chunk for d in k.documents}
            births = {k.date_of_birth for k in chunk if k.date_of_birth and len(k.date_of_birth) == 10}
            years = {int(k.date_of_birth[:4]) for k in chunk if k.date_of_birth}
            families = {_phonetic(k.family) for k in chunk}
            givens = {_phonetic(k.given) for k in chunk}
            conditions = [
                and_(Registrant.family_name_phonetic.in_(families), Registrant.given_names_phonetic.in_(givens))
            ]
            if phones:
                conditions.append(Registrant.phones.any(RegistrantPhone.e164.in_(phones)))
            if documents:
                conditions.append(Registrant.documents.any(IdentityDocument.number.in_(documents)))
            if births:
                conditions.append(Registrant.date_of_birth.in_(births))
            if years:
                conditions.append(
                    and_(
                        Registrant.birth_year.in_(years),
                        or_(Registrant.family_name_phonetic.in_(families), Registrant.given_names_phonetic.in_(givens)),
                    )
                )
            stmt = select(Registrant).where(or_(*conditions))
            if self.desk_ids is not None:
                stmt = stmt.where(Registrant.desk_id.in_(self.desk_ids))
            stmt = stmt.options(selectinload(Registrant.phones), selectinload(Registrant.documents))
            for registrant in (await session.execute(stmt)).scalars():
                self.add_registrant(registrant)

    def add_registrant(self, registrant: Registrant) -> None:
        """Index a registrant (loaded, or just created by the import with its phones and documents)."""
        if registrant.id in self.seen:
            return
        self.seen.add(registrant.id)
        keys = person_keys(
            given_names=registrant.given_names,
            family_name=registrant.family_name,
            date_of_birth=registrant.date_of_birth,
            sex=registrant.sex,
            phones=[p.e164 for p in registrant.phones if p.e164 is not None],
            documents=[d.number for d in registrant.documents],
        )
        known = Known(
            id=registrant.id,
            registration_number=registrant.registration_number,
            desk_id=registrant.desk_id,
            given_names=registrant.given_names,
            family_name=registrant.family_name,
            date_of_birth=registrant.date_of_birth,
            sex=registrant.sex,
            keys=keys,
        )
        for block in _blocks(keys):
            self.index[block].append(known)

    def candidates(self, keys: matching.PersonKeys) -> list[DuplicateCandidate]:
        """The indexed registrants that may be this person, best first (at most 10)."""
        pool: dict[uuid.UUID, Known] = {}
        for block in _blocks(keys):
            for known in self.index.get(block, ()):
                pool[known.id] = known
        found: list[DuplicateCandidate] = []
        for known in pool.values():
            value, reasons = matching.score(keys, known.keys)
            # Unlike the registry (matching.worth_showing), a shared identifier alone does not flag
            # an imported row: kept as it was when the import's exact counts were checked by hand.
            if value < matching.REPORT_THRESHOLD:
                continue
            found.append(
                DuplicateCandidate(
                    id=known.id,
                    registration_number=known.registration_number,
                    desk_id=known.desk_id,
                    given_names=known.given_names,
                    family_name=known.family_name,
                    date_of_birth=known.date_of_birth,
                    sex=known.sex,
                    score=value,
                    strength=DuplicateCandidate.strength_of(value),
                    reasons=reasons,
                )
            )
        return DuplicateCandidate.ranked(found)
