"""Duplicate lookup for a whole register in one pass (instead of one query per row).

Same blocks and the same scoring as :func:`app.registrants.service.find_duplicates` (the match
keys of :func:`app.registrants.keys.block_keys` and a document number; scored by
:func:`app.registrants.linkage.compare`): the registrants sharing a block with any row of the file
are loaded through the indexed keys in a few queries, then every row is matched in memory against
them and against the rows the import has already created. Term frequencies are those of the
registry plus the file (the registry as it will be once the file is in), and a row is flagged
from ``linkage.FLAG_PROBABILITY``.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.core.text import fold
from app.reference.service import list_areas
from app.registrants import keys as match_keys
from app.registrants import linkage, matching
from app.registrants.keys import Known
from app.registrants.models import IdentityDocument, Registrant, RegistrantKey
from app.registrants.schemas import DuplicateCandidate

T = TypeVar("T")
CHUNK = 300
LOAD_CHUNK = 500  # registrants loaded (with their phones and documents) per query


def person_keys(
    *, given_names: str, family_name: str, date_of_birth: str | None, sex: str, phones: Iterable[str],
    documents: Iterable[tuple[str, str]], place_of_birth: str | None = None, arrival_date: str | None = None,
    email: str | None = None, origin_region: str | None = None, host_city: str | None = None,
    occupation: str | None = None,
) -> matching.PersonKeys:  # fmt: skip
    """The registry's matching keys of one person (phones in E.164, ``(doc_type, number)`` pairs)."""
    return matching.PersonKeys.of(
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        phones=phones,
        typed_documents=documents,
        place_of_birth=place_of_birth,
        arrival_date=arrival_date,
        email=email,
        origin_region=origin_region,
        host_city=host_city,
        occupation=occupation,
    )


def _full(date_of_birth: str | None) -> bool:
    return date_of_birth is not None and len(date_of_birth) == 10


async def region_codes(session: AsyncSession) -> dict[str, str]:
    """Senegal's regions by folded name (spaces and apostrophes removed) and by code → code."""
    out: dict[str, str] = {}
    for area in await list_areas(session, country="SN", level="region"):
        out[area.search_key.replace(" ", "")] = area.code
        out[area.code.casefold()] = area.code
    return out


def region_code(text: str | None, codes: Mapping[str, str]) -> str | None:
    """The code of the region written ``text`` (a name or a code), None when unknown."""
    if not text:
        return None
    return codes.get(fold(text).replace(" ", "")) or codes.get(text.strip().casefold())


def _blocks(keys: matching.PersonKeys) -> list[tuple[str, ...]]:
    blocks: list[tuple[str, ...]] = sorted(match_keys.block_keys(keys))
    blocks += [("document", d) for d in sorted(keys.documents)]
    return blocks


def _file_keys(
    rows: Sequence[matching.PersonKeys],
) -> tuple[Counter[tuple[str, str]], list[tuple[list[tuple[str, str]], list[str]]]]:
    """The frequency keys of ``rows`` with their counts, and per :data:`CHUNK` rows the sorted
    block keys and document numbers to look up."""
    file_counts: Counter[tuple[str, str]] = Counter()
    for keys in rows:
        file_counts.update(match_keys.frequency_keys(keys))
    blocks = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        block = sorted({k for keys in chunk for k in match_keys.block_keys(keys)})
        blocks.append((block, sorted({d for keys in chunk for d in keys.documents})))
    return file_counts, blocks


class BatchMatcher:
    """An in-memory index of candidate registrants for one import run."""

    def __init__(self, *, desk_ids: frozenset[uuid.UUID] | None) -> None:
        self.desk_ids = desk_ids
        self.index: dict[tuple[str, ...], list[Known]] = defaultdict(list)
        self.seen: set[uuid.UUID] = set()
        self.frequencies = linkage.Frequencies({}, 1)
        self.regions: Mapping[str, str] = {}

    async def preload(self, session: AsyncSession, rows: Sequence[matching.PersonKeys]) -> None:
        """Load every registrant (of the actor's desks) sharing a block with one of ``rows``, and the
        term frequencies of the rows' values (registry plus file)."""
        registry = int((await session.execute(select(func.count()).select_from(Registrant))).scalar_one())
        # Computing every row's keys is CPU work: in a worker thread, the event loop stays free.
        file_counts, blocks = await anyio.to_thread.run_sync(_file_keys, rows)
        counts = Counter(await match_keys.counts(session, file_counts))
        counts.update(file_counts)
        self.frequencies = linkage.Frequencies(counts, registry + len(rows))
        if registry == 0:
            return
        # The ids first, chunk by chunk: a common name's block is shared by many chunks, and
        # loading its registrants (phones, documents) once per chunk cost more than the matching.
        found: dict[uuid.UUID, None] = {}
        for block, documents in blocks:
            conditions = [
                Registrant.id.in_(
                    select(RegistrantKey.registrant_id).where(
                        tuple_(RegistrantKey.kind, RegistrantKey.value).in_(block)
                    )
                )
            ]
            if documents:
                conditions.append(
                    Registrant.id.in_(
                        select(IdentityDocument.registrant_id).where(IdentityDocument.number.in_(documents))
                    )
                )
            stmt = self._candidates_only(select(Registrant.id).where(or_(*conditions)))
            found.update(dict.fromkeys((await session.execute(stmt)).scalars()))
        ids = [rid for rid in found if rid not in self.seen]
        for start in range(0, len(ids), LOAD_CHUNK):
            # again: a file merged or moved since its id was read stays out
            load = self._candidates_only(select(Registrant).where(Registrant.id.in_(ids[start : start + LOAD_CHUNK])))
            load = load.options(selectinload(Registrant.phones), selectinload(Registrant.documents))
            for registrant in (await session.execute(load)).scalars():
                self.add_registrant(registrant)

    def _candidates_only(self, stmt: Select[T]) -> Select[T]:
        """``stmt`` kept to the actor's desks and to files not merged into another (a merged file
        is that other file now: never a candidate itself)."""
        stmt = stmt.where(Registrant.merged_into_id.is_(None))
        return stmt if self.desk_ids is None else stmt.where(Registrant.desk_id.in_(self.desk_ids))

    def add_registrant(self, registrant: Registrant, keys: matching.PersonKeys | None = None) -> None:
        """Index a registrant (loaded, or just created by the import with its phones and documents;
        ``keys``: its :func:`app.registrants.keys.person_of` when the caller has it)."""
        if registrant.id in self.seen:
            return
        self.seen.add(registrant.id)
        keys = keys or match_keys.person_of(registrant)
        known = Known(
            id=registrant.id,
            registration_number=registrant.registration_number or "",  # a row of this import: numbered later
            desk_id=registrant.desk_id,
            given_names=registrant.given_names,
            family_name=registrant.family_name,
            date_of_birth=registrant.date_of_birth,
            sex=registrant.sex,
            keys=keys,
        )
        self.add(known)

    def add(self, known: Known) -> None:
        """Index one known person under each of its blocks."""
        for block in _blocks(known.keys):
            self.index[block].append(known)

    def candidates(self, keys: matching.PersonKeys) -> list[DuplicateCandidate]:
        """The indexed registrants that may be this person, best first (at most 10)."""
        pool: dict[uuid.UUID, Known] = {}
        for block in _blocks(keys):
            for known in self.index.get(block, ()):
                if block[0] == "gf" and _full(keys.date_of_birth) and _full(known.date_of_birth):
                    continue  # both full birth dates known: the ("gfy", …) block covers them
                pool[known.id] = known
        found: list[DuplicateCandidate] = []
        for known in pool.values():
            match = linkage.compare(keys, known.keys, self.frequencies)
            if match.probability < linkage.FLAG_PROBABILITY:
                continue
            found.append(
                linkage.candidate(
                    match,
                    id=known.id,
                    registration_number=known.registration_number,
                    desk_id=known.desk_id,
                    given_names=known.given_names,
                    family_name=known.family_name,
                    date_of_birth=known.date_of_birth,
                    sex=known.sex,
                )
            )
        return DuplicateCandidate.ranked(found)
