"""Duplicate lookup for a whole register in one pass (instead of one query per row).

Same blocks and the same scoring as :func:`app.registrants.service.find_duplicates`: a row is looked
up by its document numbers and the match keys registration would choose for it
(:func:`app.registrants.keys.chosen_keys`: a key carried by more people than its cut-off only through
its combinations), at most :data:`app.registrants.keys.BLOCK_LIMIT` candidates ranked as
:func:`app.registrants.keys.block` ranks them, scored by :func:`app.registrants.linkage.compare`.
The registrants carrying a chosen key of any row of the file are loaded through the indexed keys in
a few queries, then every row is matched in memory against them and against the rows the import
has already created. Key counts and term frequencies are those of the registry plus the file (the
registry as it will be once the file is in; a row's blocks do not count the row itself, as a
registration's do not count the person registered), and a row is flagged from
``linkage.FLAG_PROBABILITY``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.core.collector import release
from app.core.db import transaction_driver
from app.core.text import fold
from app.reference.service import list_areas
from app.registrants import arabic, linkage, matching, sounding
from app.registrants import keys as match_keys
from app.registrants.keys import DerivedKeys, Key
from app.registrants.models import IdentityDocument, Registrant, RegistrantKey
from app.registrants.pool import Known, with_spellings
from app.registrants.schemas import DuplicateCandidate

T = TypeVar("T")
R = TypeVar("R")
CHUNK = 300
LOAD_CHUNK = 500  # registrants loaded (with their phones and documents) per query
SLICE = 10 * CHUNK
"""Rows whose keys :meth:`BatchMatcher.preload` computes in one step while the registry is queried
for the step before (a multiple of :data:`CHUNK`: the same lookup blocks as in one step)."""
COMBINED = match_keys.COMBINED_KINDS | {"gfx"}  # the kinds of app.registrants.keys.combined_keys


def person_keys(
    *, given_names: str, family_name: str, date_of_birth: str | None, sex: str, phones: Iterable[str],
    documents: Iterable[tuple[str, str]], place_of_birth: str | None = None, arrival_date: str | None = None,
    email: str | None = None, origin_region: str | None = None, host_city: str | None = None,
    occupation: str | None = None, name_arabic: str | None = None, unverified_phones: Iterable[str] = (),
) -> matching.PersonKeys:  # fmt: skip
    """The registry's matching keys of one person (phones in E.164, the digits of the unverified ones,
    ``(doc_type, number)`` pairs)."""
    return matching.PersonKeys.of(
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        phones=phones,
        unverified_phones=unverified_phones,
        typed_documents=documents,
        place_of_birth=place_of_birth,
        arrival_date=arrival_date,
        email=email,
        origin_region=origin_region,
        host_city=host_city,
        occupation=occupation,
        name_arabic=name_arabic,
    )


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


@dataclasses.dataclass
class _FileKeys:
    """The keys of a file's rows, gathered a slice of rows at a time (:func:`_file_keys`)."""

    frequencies: Counter[Key] = dataclasses.field(default_factory=Counter)
    carried: Counter[Key] = dataclasses.field(default_factory=Counter)
    lookups: set[Key] = dataclasses.field(default_factory=set)
    heard: set[Key] = dataclasses.field(default_factory=set)
    asked: set[Key] = dataclasses.field(default_factory=set)  # the keys counted in the registry so far


def _file_keys(
    rows: Sequence[matching.PersonKeys], looked_up: Sequence[matching.PersonKeys], derived: DerivedKeys, into: _FileKeys
) -> set[Key]:
    """Add to ``into`` the frequency keys of ``rows`` with their counts, the block keys the rows
    will carry with theirs (:meth:`DerivedKeys.carried`), every key a row may be looked up by
    (``looked_up``: the rows as :meth:`BatchMatcher.expand` gives them), and the keys of what the
    rows were heard as (the last two to count in the registry). Returns the keys to count in the
    registry that ``into`` had not asked for yet (now asked). CPU only."""
    lookups: set[Key] = set()
    heard: set[Key] = set()
    for keys, seen in zip(rows, looked_up, strict=True):
        into.frequencies.update(derived.frequency(keys))
        into.carried.update(derived.carried(keys))
        lookups |= derived.lookup(seen)
        heard |= match_keys.heard_keys(seen)
    into.lookups |= lookups
    into.heard |= heard
    new = (into.frequencies.keys() | lookups | heard) - into.asked
    into.asked |= new
    return new


async def _overlapped(steps: Sequence[Callable[[], T]], send: Callable[[T], Awaitable[R]]) -> list[R]:
    """What ``send`` (queries of the registry, read only) returns for what each of ``steps`` (CPU
    work, each run in a worker thread in turn) gives, in order: the queries of one step run while
    the next step is computed, so that the database's work overlaps the interpreter's. A failure
    cancels the queries in flight, waits for them to end, and is raised."""
    results: list[R] = []
    sending: asyncio.Task[R] | None = None
    try:
        for step in steps:
            made = await anyio.to_thread.run_sync(step)
            if sending is not None:
                results.append(await sending)
            sending = asyncio.ensure_future(send(made))
        if sending is not None:
            results.append(await sending)
    finally:
        if sending is not None and not sending.done():
            sending.cancel()
            await asyncio.wait({sending})
    return results


def _file_words(rows: Iterable[matching.PersonKeys]) -> dict[str, list[str]]:
    """The ``s`` key values the file's name words would have, by the prefixes
    :func:`app.registrants.sounding.prefixes` looks them up under."""
    values: dict[str, set[str]] = defaultdict(set)
    for keys in rows:
        for word in keys.name_tokens():
            for code in matching.codes(word):
                values[f"{code}0"].add(f"{code}0{word}")
                if arabic.is_arabic(word):
                    values[f"{code}0{arabic.ARABIC_MARK}"].add(f"{code}0{word}")
    return {prefix: sorted(found) for prefix, found in values.items()}


# PostgreSQL: the registrants carrying one of the keys ($1 kinds, $2 values) or one of the document
# numbers ($3), a merged file as its survivor. One index probe per key and number (the keys as
# arrays: a list of (kind, value) pairs written out made PostgreSQL OR together an index scan per
# pair and read the whole registrants table, 100 ms a chunk at 20,000 registrants against 17 ms).
_CARRYING_PG = """
SELECT DISTINCT coalesce(m.merged_into_id, m.id)
FROM (
  SELECT k.registrant_id
  FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS w(kind, value)
    CROSS JOIN LATERAL (
      SELECT k.registrant_id FROM registrant_keys k WHERE k.kind = w.kind AND k.value = w.value OFFSET 0) k
  UNION
  SELECT d.registrant_id FROM identity_documents d WHERE d.number = ANY($3::text[])
) h
  JOIN registrants m ON m.id = h.registrant_id
"""


async def _carrying(session: AsyncSession, blocks: Sequence[tuple[list[Key], list[str]]]) -> dict[uuid.UUID, None]:
    """The registrants carrying a key or a document number of one of ``blocks`` (each the keys and
    numbers of a chunk of rows: :meth:`BatchMatcher._lookups`), a merged file as its survivor, in
    the order found (a dict used as an ordered set). One query per block."""
    found: dict[uuid.UUID, None] = {}
    if session.get_bind().dialect.name == "postgresql":
        driver = await transaction_driver(session)
        for chosen, documents in blocks:
            if not (chosen or documents):
                continue
            kinds, values = [k for k, _ in chosen], [v for _, v in chosen]
            found.update(dict.fromkeys(row[0] for row in await driver.fetch(_CARRYING_PG, kinds, values, documents)))
        return found
    for chosen, documents in blocks:
        conditions = []
        if chosen:
            pairs = tuple_(RegistrantKey.kind, RegistrantKey.value)
            carrying = select(RegistrantKey.registrant_id).where(pairs.in_(chosen))
            conditions.append(Registrant.id.in_(carrying))
        if documents:
            holding = select(IdentityDocument.registrant_id).where(IdentityDocument.number.in_(documents))
            conditions.append(Registrant.id.in_(holding))
        if conditions:
            # a file merged into another stands for its survivor (its keys are the person's spellings)
            person = func.coalesce(Registrant.merged_into_id, Registrant.id)
            found.update(dict.fromkeys((await session.execute(select(person).where(or_(*conditions)))).scalars()))
    return found


class BatchMatcher:
    """An in-memory index of candidate registrants for one import run: ``index`` holds the known
    people by document number and plain block key (:func:`app.registrants.keys.block_keys`),
    ``combined`` by the keys standing in for common ones (:func:`app.registrants.keys.combined_keys`)."""

    def __init__(self, *, desk_ids: frozenset[uuid.UUID] | None) -> None:
        self.desk_ids = desk_ids
        self.index: dict[tuple[str, ...], list[Known]] = defaultdict(list)
        self.combined: dict[Key, list[Known]] = defaultdict(list)
        self.seen: set[uuid.UUID] = set()
        self.frequencies = linkage.Frequencies({}, 1)
        self.counted: Counter[Key] = Counter()  # block keys: carried in the registry and by the file's rows
        self.rows: set[matching.PersonKeys] = set()  # the rows counted in ``counted``
        self.regions: Mapping[str, str] = {}
        self.sounding: dict[str, list[str]] = {}  # name word → the words of the other script it sounds like
        self._expanded: dict[matching.PersonKeys, matching.PersonKeys] = {}
        self.derived = DerivedKeys()

    def learn(self, rows: Sequence[matching.PersonKeys], registered: Mapping[str, Sequence[str]] | None = None) -> None:
        """Learn the words of the other script each name word of ``rows`` sounds like: among the
        file's own words and the registry's (``registered``, by word: :func:`app.registrants.sounding.words`).
        CPU only."""
        file_words = _file_words(rows)
        found: dict[str, list[str]] = {}
        for word in {t for keys in rows for t in keys.name_tokens()}:
            words = set(sounding.matches(word, file_words)) | set((registered or {}).get(word, ()))
            if words:
                found[word] = sorted(words)
        self.sounding = found
        self._expanded = {}

    def expand(self, keys: matching.PersonKeys) -> matching.PersonKeys:
        """``keys`` as the row is looked up: with the phonetic keys of the words of the other script
        its name words sound like (:func:`app.registrants.sounding.hear`)."""
        if not self.sounding:
            return keys
        found = self._expanded.get(keys)
        if found is None:
            found = self._expanded[keys] = sounding.hear(keys, self.sounding)
        return found

    def release(self) -> None:
        """Empty the index a slice at a time (:func:`app.core.collector.release`; CPU only)."""
        release(self.index, self.combined, self.seen, self.counted, self.rows, self.sounding, self._expanded)
        self.derived.release()

    async def preload(
        self,
        session: AsyncSession,
        rows: Sequence[matching.PersonKeys],
        *,
        step: Callable[[], AbstractAsyncContextManager[object]] = contextlib.nullcontext,
    ) -> None:
        """Load every registrant (of the actor's desks) carrying a key chosen to look one of ``rows``
        up by, or one of its document numbers; count the keys of the rows (registry plus file):
        the term frequencies of their values and the blocks' keys. The rows' keys are computed and
        their blocks chosen :data:`SLICE` rows at a time, the registry queried for one slice
        while the next one is computed (:func:`_overlapped`). Each group of queries runs inside
        ``step()`` (the import's :func:`app.imports.holding.read_step`: a short read-only
        transaction), the CPU work between them outside it."""
        async with step():
            registry = int((await session.execute(select(func.count()).select_from(Registrant))).scalar_one())
            tokens = {t for keys in rows for t in keys.name_tokens()}
            words = await sounding.words(session, tokens) if registry else None
        self.learn(rows, words)
        looked_up = [self.expand(keys) for keys in rows]

        async def in_step(send: Callable[[T], Awaitable[R]], made: T) -> R:
            async with step():
                return await send(made)

        # Computing every row's keys is CPU work: in a worker thread, a slice of rows at a time,
        # each slice's keys counted in the registry while the next slice's are computed.
        file = _FileKeys()
        steps = [
            functools.partial(
                _file_keys, rows[start : start + SLICE], looked_up[start : start + SLICE], self.derived, file
            )
            for start in range(0, len(rows), SLICE)
        ]
        registered = {
            key: n
            for part in await _overlapped(
                steps, functools.partial(in_step, functools.partial(match_keys.counts, session))
            )
            for key, n in part.items()
        }
        counts = Counter({k: registered[k] for k in (file.frequencies.keys() | file.heard) & registered.keys()})
        counts.update(file.frequencies)
        self.frequencies = linkage.Frequencies(counts, registry + len(rows))
        self.counted = Counter({k: registered[k] for k in file.lookups & registered.keys()})
        self.counted.update(file.carried)
        self.rows = set(rows)
        if registry == 0:
            return
        # The ids first, chunk by chunk: a block is often shared by many chunks, and loading its
        # registrants (phones, documents) once per chunk cost more than the matching. A slice's
        # blocks are chosen (CPU work) while the slice before is looked up.
        blocks = [functools.partial(self._lookups, rows[start : start + SLICE]) for start in range(0, len(rows), SLICE)]
        found = dict.fromkeys(
            rid
            for part in await _overlapped(blocks, functools.partial(in_step, functools.partial(_carrying, session)))
            for rid in part
        )
        ids = [rid for rid in found if rid not in self.seen]
        for start in range(0, len(ids), LOAD_CHUNK):
            # the actor's desks, and no merged file: a file merged or moved since its id was read stays out
            load = self._candidates_only(select(Registrant).where(Registrant.id.in_(ids[start : start + LOAD_CHUNK])))
            load = load.options(selectinload(Registrant.phones), selectinload(Registrant.documents))
            async with step():
                loaded = [self.known(r) for r in (await session.execute(load)).scalars() if r.id not in self.seen]
                spelled = await with_spellings(session, loaded)
            for known in spelled:
                self.seen.add(known.id)
                self.add(known)

    def _lookups(self, rows: Sequence[matching.PersonKeys]) -> list[tuple[list[Key], list[str]]]:
        """Per :data:`CHUNK` rows, the sorted keys chosen to look them up by and their document
        numbers (CPU only)."""
        out = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            chosen = {k for keys in chunk for k in self._chosen(keys)}
            out.append((sorted(chosen), sorted({d for keys in chunk for d in keys.documents})))
        return out

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
        self.add(self.known(registrant, keys))

    @staticmethod
    def known(registrant: Registrant, keys: matching.PersonKeys | None = None) -> Known:
        """``registrant`` (phones and documents loaded) as matching reads it (``keys``: its
        :func:`app.registrants.keys.person_of` when the caller has it)."""
        keys = keys or match_keys.person_of(registrant)
        return Known(
            id=registrant.id,
            registration_number=registrant.registration_number or "",  # a row of this import: numbered later
            desk_id=registrant.desk_id,
            given_names=registrant.given_names,
            family_name=registrant.family_name,
            date_of_birth=registrant.date_of_birth,
            sex=registrant.sex,
            keys=keys,
        )

    def add(self, known: Known) -> None:
        """Index one known person under each of its blocks and each of their combinations, those
        of its other spellings (the files merged into it) too."""
        spellings = (known.keys, *(s.keys for s in known.spellings))
        # not kept: a row of the file has its keys kept already, a registrant loaded is indexed once
        blocks = {block for spelt in spellings for block in self._blocks(spelt)}
        combined = {key for spelt in spellings for key in self.derived.combined(spelt, keep=False)}
        for block in sorted(blocks):
            self.index[block].append(known)
        for key in sorted(combined):
            self.combined[key].append(known)

    def _indexed(self, key: Key) -> Sequence[Known]:
        """The known people carrying ``key`` (a match key, or ``("document", number)``)."""
        return self.combined.get(key, ()) if key[0] in COMBINED else self.index.get(key, ())

    def _counted(self, keys: matching.PersonKeys) -> dict[Key, int]:
        """The counts of the keys ``keys`` may be looked up by (:func:`app.registrants.keys.lookup_keys`):
        the registrants and the file's other rows carrying each (a row of :meth:`preload` does not
        count itself), and at least the known people indexed under it (a row the import reads again
        without a field, or could not read at :meth:`preload`, was not counted)."""
        own = self.derived.carried(keys) if keys in self.rows else frozenset()
        # _indexed inlined, the dicts bound once: dozens of keys a row, for every row of the file
        counted, index, combined = self.counted.get, self.index.get, self.combined.get
        out: dict[Key, int] = {}
        for key in self.derived.lookup(self.expand(keys)):
            carriers = counted(key, 0)
            if key in own:
                carriers -= 1
            indexed = len(combined(key, ()) if key[0] in COMBINED else index(key, ()))
            out[key] = indexed if indexed > carriers else carriers
        return out

    def _chosen(self, keys: matching.PersonKeys) -> list[Key]:
        """:func:`app.registrants.keys.chosen_keys` of the row ``keys`` with the run's counts."""
        seen = self.expand(keys)
        return match_keys.chosen_keys(seen, self._counted(keys), looked_up=self.derived.lookup(seen))

    def _blocks(self, keys: matching.PersonKeys) -> list[tuple[str, ...]]:
        """The person's block keys and ``("document", number)`` of each document, in order."""
        blocks: list[tuple[str, ...]] = sorted(self.derived.block(keys, keep=False))
        blocks += [("document", d) for d in sorted(keys.documents)]
        return blocks

    def block(self, keys: matching.PersonKeys) -> list[Known]:
        """The known people sharing a block with this person, as :func:`app.registrants.keys.block`
        takes them from the registry: a document number, or a key of
        :func:`app.registrants.keys.chosen_keys`; at most :data:`app.registrants.keys.BLOCK_LIMIT`,
        those sharing a document first, then by the rarest key they share (then by id)."""
        documents = [(-1, ("document", d)) for d in sorted(keys.documents)]
        ranked: dict[uuid.UUID, tuple[int, Known]] = {}
        chosen = self._chosen(keys)
        for rank, key in [*documents, *enumerate(chosen)]:
            for known in self._indexed(key):
                ranked.setdefault(known.id, (rank, known))  # the blocks come rarest first
        pool = sorted(ranked.values(), key=lambda r: (r[0], str(r[1].id)))[: match_keys.BLOCK_LIMIT]
        return [known for _, known in pool]

    def candidates(self, keys: matching.PersonKeys) -> list[DuplicateCandidate]:
        """The indexed registrants that may be this person (of :meth:`block`), best first (at most 10)."""
        found: list[DuplicateCandidate] = []
        for known in self.block(keys):  # compared under each of its spellings: the best counts
            match, through = linkage.best_match(keys, known, self.frequencies)
            if match.probability >= linkage.FLAG_PROBABILITY:
                found.append(linkage.candidate(match, known, through))
        return DuplicateCandidate.ranked(found)
