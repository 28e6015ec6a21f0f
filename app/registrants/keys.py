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
          (an unverified number's too: search only)
``p``     a phone's last 9 digits (``771234567``), verified or not     phone blocking, frequency
                                                                      (either number unverified)
``dn``    full birth date + one name token's phonetic key           blocking (a common date)
          (``1990-05-04 fatu``)
``gfx``   ``gf`` of a person without a full birth date                blocking (no birth date)
``gfa``   ``gf`` + arrival date (``fatu njai 2015-09-01``)            blocking (a common name)
``gfn``   ``gfy`` + the birth month, and ``gfy`` + the birth day        blocking (common names
          (``fatu njai 1990 05``, ``fatu njai 1990 04``)              with a common year)
``gfyx``  ``gfy`` of a person without a full birth date               blocking (common names
                                                                      with a common year)
``b``     folded place of birth                                       term frequency
``r``     region of origin code                                       term frequency
``c``     folded city of residence                                    term frequency
``o``     folded occupation                                           term frequency
``s``     consonant classes of one name word + ``0`` + the word       the words of the other
          (``snk0sonko``, ``snk09s2nk2`` for ``سونكو``)                script a word may write
========  ==========================================================  =========================

Every name word counts, the words of the name in Arabic script (``name_arabic``) too: its own
``w``, ``n`` and ``s`` keys, and name pairs of its own (its last word as the family name). A word
in Arabic script is stored under the phonetic keys of the variant-table groups it may write
(:func:`app.registrants.matching.readings`), so ``عبدو`` is found and blocked with Abdou; the
registry's words it may write that the table does not know (``سونكو``, Sonko) are found through the
``s`` keys when the person is looked up (:mod:`app.registrants.sounding`), never stored for it.

Identity document numbers are looked up in ``identity_documents.number`` (already indexed).

A phone the desk could not verify (no E.164 form) is compared by its last 9 digits
(:data:`app.registrants.matching.PHONE_END`) with every phone of the other person, and a verified
one with the other's unverified phones (:func:`app.registrants.linkage.compare`): every phone,
verified or not, carries its ``p`` key, so either side finds the other by equality (revision 3101
keyed the phones stored before).

Blocking at registration (:func:`block`) stays proportional to the candidates, not the registry:
every block key is counted first (one index-only query, shared with the term frequencies), a key
carried by more registrants than its cut-off (:data:`BLOCK_CUTOFF`: a birth date shared by
hundreds in a registry of millions, ``Fatou Diop``) is not used alone but only through its
combinations (``d`` → ``dn``; ``gf``/``gfx`` → ``gfy`` and ``gfa``; ``gfy`` → ``gfn`` and
``gfyx``), and the candidates come rarest key first, at most :data:`BLOCK_LIMIT`. Below the cut-offs
the blocks are exactly the plain keys'. Senegal's names are few: a given name with a family name
(``Mamadou Diop``) passes 30 people from about 20,000 registrants, and 120 somewhere past 100,000;
with the birth year it passes 10 somewhere past 100,000 (24 people on average per registration at
1,000,000 registrants).

The names with the birth year link a person to the files of the same names and year whose birth
date differs (a day or a month mistyped, the two swapped) or is partial (a year alone). Past its
cut-off, a person with a full birth date looks them up by ``gfn``, the names and year with each of
the date's month and day as a two-digit number: two dates share one when their days or their
months agree, or when one's day is the other's month (``1990-05-04`` and ``1990-04-05``); and by
``gfyx``, the names and year of the files without a full date. Lost past the cut-off: the files of
the same names and year whose day and month both differ, and not as a swap, which the scoring
weighs as two people anyway unless a phone or a document, blocks of their own, says otherwise.

The counts of common values (carried by :data:`app.registrants.frequencies.FREQUENT_FROM`
registrants or more) and the registry size are read from ``term_frequencies``, which the worker
counts again hourly (:mod:`app.registrants.frequencies`): a term frequency need not be exact, and
counting the 200,000 people born in Dakar on every registration would cost more than the rest of
it. A value missing there is counted on the request, at most
:data:`app.registrants.frequencies.COUNT_CAP` index entries. Counts from :data:`COUNT_CACHE_FROM`
are also remembered per process and database for ``SIZE_CACHE_SECONDS``, and from
:data:`WEIGHT_CACHE_FROM` those that only weigh an agreement (:data:`WEIGHT_KINDS`).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

import anyio.to_thread
from sqlalchemy import Integer, Table, and_, bindparam, delete, func, insert, literal, select, text, tuple_, union_all
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from app.core.collector import release
from app.core.db import transaction_driver
from app.registrants import compounds
from app.registrants.frequencies import COUNT_CAP
from app.registrants.matching import KEY_VALUE_LENGTH, PersonKeys, codes, phonetic, readings
from app.registrants.models import IdentityDocument, Registrant, RegistrantKey, TermFrequency
from app.registrants.pool import Known, ranked_with_spellings

Key = tuple[str, str]
BLOCK_LIMIT = 500
BLOCK_CUTOFF: dict[str, int] = {"d": 25, "gf": 120, "gfx": 30, "gfy": 10}
"""Most registrants a key of these kinds may bring in alone; beyond, only its combinations do.

``gf`` (the names alone) is looked up only for a person without a full birth date, whose names
have no other combination but the arrival date: past its cut-off such a person is compared with
nobody of the same names, so it is four times the others (measured with ``bench/dedup.py
--in-memory``: at 50,000 rows, seed 8, 30 → 120 took recall from 0.987 to 0.992 for one false
alarm more; at 20,000 rows, seeds 4, 6, 7, two misses fewer each, no false alarm more).

``gfy`` (the names with the birth year) is cut only for a person with a full birth date: a person
born in a year alone has no finer key, and is compared with all of the same names and year."""
COMBINED_KINDS = frozenset({"dn", "gfa", "gfn", "gfyx"})
"""The kinds standing in for a common key (:func:`chosen_keys`); ``gfx`` is looked up as a plain key
by a person with a full birth date, and stands in for ``gf`` of one without."""
SIZE_CACHE_SECONDS = 300.0
SIZE_CACHE_FROM = 1_000
"""The fewest registrants for a count of the registry to be remembered (:func:`registry_size`); a
smaller registry is counted every time, exactly, where a few registrations move the weights. Counted
on every registration from here, the registry cost more PostgreSQL CPU than the registration's
insert (2.1 against 1.2 ms at 7,000 registrants, growing with the registry)."""
SIZE_STORED_FROM = 10_000
"""The fewest registrants for the size the worker stored (:mod:`app.registrants.frequencies`, up to
an hour old, or never refreshed when its job is off) to stand for the registry's size; a smaller
registry is counted."""
COUNT_CACHE_FROM = 1_000
"""The fewest carriers for a value's count to be remembered (:func:`counts`); a rarer value is
counted every time, exactly. Well above every cut-off (:data:`BLOCK_LIMIT`, :data:`BLOCK_CUTOFF`),
so that a remembered count never decides whether a key blocks alone."""
WEIGHT_KINDS = frozenset({"g", "f", "n", "b", "r", "c", "o"})
"""The kinds of the keys counted only to weigh an agreement (:func:`frequency_keys`), never looked up
by :func:`block` (:func:`lookup_keys`, :func:`combined_keys`): no count of one decides a block."""
WEIGHT_CACHE_FROM = 100
"""The fewest carriers for the count of a key of :data:`WEIGHT_KINDS` to be remembered: such a count
only weighs, and a weight five minutes old is as good as one counted now (the worker's counts are
an hour old, :mod:`app.registrants.frequencies`). Counted on every registration, the given names
common in a registry of a few thousand (600 carriers each) were most of its duplicate check's
PostgreSQL work, growing with the registry until they reached :data:`COUNT_CACHE_FROM`."""
COUNT_CACHE_MAX = 100_000
"""The most counts remembered per database; past it the oldest are dropped (:func:`_found`)."""
COUNT_CHUNK = 200  # SQLite allows 500 terms in a compound select
COUNT_CHUNK_PG = 2_000
"""Keys counted per statement on PostgreSQL (a registration's fit in one; an import's come in many,
the event loop answering other requests between them)."""
DERIVED_CACHE = 4096
"""People whose block, combined and lookup keys are remembered across requests (registrations meet
the same candidates again; an import remembers its own rows' for its whole run:
:class:`app.imports.matching.BatchMatcher`)."""
_size_cache: dict[URL, tuple[float, int]] = {}
_count_cache: dict[URL, OrderedDict[Key, tuple[float, int]]] = {}  # by database (its URL), oldest count first
_KEYS = cast(Table, RegistrantKey.__table__)


def person_of(registrant: Registrant) -> PersonKeys:
    """The matching keys of a registrant whose phones and documents are loaded."""
    return PersonKeys.of(
        given_names=registrant.given_names,
        family_name=registrant.family_name,
        date_of_birth=registrant.date_of_birth,
        sex=registrant.sex,
        phones=[p.e164 for p in registrant.phones if p.e164 is not None],
        unverified_phones=[p.digits for p in registrant.phones if p.e164 is None and p.digits],
        typed_documents=[(d.doc_type, d.number) for d in registrant.documents],
        place_of_birth=registrant.place_of_birth,
        origin_region=registrant.origin_region_code,
        arrival_date=registrant.arrival_date.isoformat() if registrant.arrival_date else None,
        email=registrant.email,
        host_city=registrant.host_city,
        occupation=registrant.occupation,
        name_arabic=registrant.name_arabic,
    )


def _cut(keys: Iterable[Key]) -> frozenset[Key]:
    """``keys`` with their values cut to :data:`~app.registrants.matching.KEY_VALUE_LENGTH`, as they
    are stored, looked up and counted (taken as they are when none is longer: most often)."""
    found = keys if isinstance(keys, set | frozenset) else set(keys)
    if max(map(len, map(_VALUE, found)), default=0) <= KEY_VALUE_LENGTH:
        return frozenset(found)
    return frozenset((kind, value[:KEY_VALUE_LENGTH]) for kind, value in found)


_VALUE = operator.itemgetter(1)


def phone_key(e164: str) -> str:
    """``+221771234567`` → ``765432177122`` (a suffix of the number is a prefix of the key)."""
    return "".join(c for c in e164 if c.isdigit())[::-1]


@functools.lru_cache(maxsize=DERIVED_CACHE)
def block_keys(person: PersonKeys) -> frozenset[Key]:
    """The keys a possible duplicate of ``person`` must share with it (one at least)."""
    year = person.date_of_birth[:4] if person.date_of_birth else None
    out: set[Key] = {("t", phone_key(p)) for p in person.phones}
    out |= {("p", end) for end in person.phone_ends()}
    for pair in _pairs(person):
        out.add(("gf", pair))
        if year:
            out.add(("gfy", f"{pair} {year}"))
    if person.date_of_birth and len(person.date_of_birth) == 10:
        out.add(("d", person.date_of_birth))
    return _cut(out)


def frequency_keys(person: PersonKeys) -> set[Key]:
    """The keys whose frequency in the registry the scoring of ``person`` needs (the person's own,
    not what was :attr:`~app.registrants.matching.PersonKeys.heard`: see :func:`heard_keys`)."""
    return set(_frequency_keys(person))


def _frequency_keys(person: PersonKeys) -> frozenset[Key]:
    """:func:`frequency_keys`, frozen."""
    out: set[Key] = {("t", phone_key(p)) for p in person.phones}
    out |= {("p", end) for end in person.phone_ends()}
    out.add(("g", " ".join(phonetic(t) for t in person.given)))
    out.add(("f", " ".join(phonetic(t) for t in person.family)))
    out |= {("n", r) for t in person.name_tokens() for r in readings(t)}
    if person.place_of_birth:
        out.add(("b", person.place_of_birth))
    if person.origin_region:
        out.add(("r", person.origin_region))
    if person.host_city:
        out.add(("c", person.host_city))
    if person.occupation:
        out.add(("o", person.occupation))
    return _cut(out)


def _full_date(person: PersonKeys) -> str | None:
    return person.date_of_birth if person.date_of_birth and len(person.date_of_birth) == 10 else None


def heard_keys(person: PersonKeys) -> set[Key]:
    """The ``n`` keys of the phonetic keys ``person`` was heard as (the registry's words of the other
    script it may write): their frequencies weigh an agreement across scripts."""
    return set(_cut(("n", r) for _, r in person.heard))


COMBINATIONS = 8
"""Most phonetic-key combinations of one family name kept in name pairs (a name in Arabic script
may read as several groups of the variant table)."""


def _joined(person: PersonKeys, tokens: Sequence[str]) -> list[str]:
    found = [""]
    for token in tokens:
        found = [f"{a} {r}" if a else r for a in found for r in person.readings(token)][:COMBINATIONS]
    return found


def _pairs(person: PersonKeys) -> list[str]:
    """One given token's phonetic key and the family name's, for every given token of every way
    the name is written and every phonetic key of its tokens (one, for a name in Latin letters)."""
    out: dict[str, None] = {}
    for given, family in person.spellings():
        if not given:
            continue
        families = _joined(person, family)
        for token in given:
            out.update((f"{r} {f}", None) for r in person.readings(token) for f in families)
    return list(out)


@functools.lru_cache(maxsize=DERIVED_CACHE)
def combined_keys(person: PersonKeys) -> frozenset[Key]:
    """The keys standing in for a common block key (see the module docstring): the full birth
    date with each name token and each given/family pair with the birth year and the date's month
    or day; the given/family pair of a person without a full birth date, and with the birth year;
    and the pair with the arrival date."""
    out: set[Key] = set()
    pairs = _pairs(person)
    if full := _full_date(person):
        out |= {("dn", f"{full} {r}") for t in person.name_tokens() for r in person.readings(t)}
        out |= _dated(pairs, full)
    else:
        out |= {("gfx", pair) for pair in pairs}
        if person.date_of_birth:
            out |= {("gfyx", f"{pair} {person.date_of_birth[:4]}") for pair in pairs}
    if person.arrival_date:
        out |= {("gfa", f"{pair} {person.arrival_date}") for pair in pairs}
    return _cut(out)


def _dated(pairs: Iterable[str], full: str) -> set[Key]:
    """The ``gfn`` keys of given/family ``pairs`` and a full birth date ``YYYY-MM-DD``: each pair with
    the year and the month, and with the year and the day (``fatu njai 1990 05``, ``… 1990 04``)."""
    year, month, day = full[:4], full[5:7], full[8:10]
    return {("gfn", f"{pair} {year} {number}") for pair in pairs for number in (month, day)}


class DerivedKeys:
    """Each person's block, combined and lookup keys computed once for a whole run and kept until
    :meth:`release`: an import asks for every row's keys several times (counting and choosing them
    before the rows are processed; choosing them again, counting, indexing and storing them while
    it processes them), thousands of rows apart, which the functions' own caches
    (:data:`DERIVED_CACHE` people) do not span in a large file
    (:class:`app.imports.matching.BatchMatcher`)."""

    def __init__(self) -> None:
        self._block: dict[PersonKeys, frozenset[Key]] = {}
        self._combined: dict[PersonKeys, frozenset[Key]] = {}
        self._lookup: dict[PersonKeys, frozenset[Key]] = {}
        self._frequency: dict[PersonKeys, frozenset[Key]] = {}

    def block(self, keys: PersonKeys, *, keep: bool = True) -> frozenset[Key]:
        """:func:`block_keys` of ``keys``, kept for the run unless ``keep`` is false (a registrant
        indexed once: its keys are not asked for again)."""
        return self._kept(self._block, block_keys, keys, keep)

    def combined(self, keys: PersonKeys, *, keep: bool = True) -> frozenset[Key]:
        """:func:`combined_keys` of ``keys``, kept as :meth:`block` keeps."""
        return self._kept(self._combined, combined_keys, keys, keep)

    def frequency(self, keys: PersonKeys, *, keep: bool = True) -> frozenset[Key]:
        """:func:`frequency_keys` of ``keys``, kept as :meth:`block` keeps (counted before the rows
        are processed, stored with the registrants)."""
        return self._kept(self._frequency, _frequency_keys, keys, keep)

    def lookup(self, keys: PersonKeys) -> frozenset[Key]:
        """:func:`lookup_keys` of ``keys``, kept."""
        return self._kept(self._lookup, lookup_keys, keys, True)

    @staticmethod
    def _kept(
        kept: dict[PersonKeys, frozenset[Key]],
        derive: Callable[[PersonKeys], frozenset[Key]],
        keys: PersonKeys,
        keep: bool,
    ) -> frozenset[Key]:
        found = kept.get(keys)
        if found is None:
            found = derive(keys)
            if keep:
                kept[keys] = found
        return found

    def carried(self, keys: PersonKeys) -> frozenset[Key]:
        """The keys of the kinds blocking looks up (:func:`lookup_keys`) that a
        registrant of ``keys`` carries: its plain block keys and their combinations."""
        return self.block(keys) | self.combined(keys)

    def release(self) -> None:
        """Empty the kept keys a slice at a time (:func:`app.core.collector.release`; CPU only)."""
        release(self._block, self._combined, self._lookup, self._frequency)


def all_keys(person: PersonKeys, derived: DerivedKeys | None = None) -> set[Key]:
    """Every key stored for ``person`` (what it was heard as is never stored); ``derived``: the
    keys a run computed already (:class:`DerivedKeys`)."""
    if person.heard:
        person = dataclasses.replace(person, heard=frozenset())
    if derived is None:
        out = block_keys(person) | frequency_keys(person) | combined_keys(person)
    else:
        out = derived.block(person, keep=False) | derived.frequency(person, keep=False)
        out |= derived.combined(person, keep=False)
    # An unverified number is found by its digits too, by its end like a verified number
    # (``500000000`` finds ``0500000000``): a search key, not a block (its ``p`` key blocks).
    out |= {("t", digits[::-1]) for digits in person.unverified_phones}
    out |= {("w", t) for t in person.name_tokens()}
    out |= {("s", f"{code}0{t}") for t in person.name_tokens() for code in codes(t)}
    return {(k, v) for k, v in _cut(out) if v}


async def replace(session: AsyncSession, registrant: Registrant, *, new: bool = False) -> None:
    """Store the keys of ``registrant`` (phones and documents loaded), replacing its old ones."""
    if not new:
        await session.execute(delete(RegistrantKey).where(RegistrantKey.registrant_id == registrant.id))
    await insert_rows(session, rows_of(registrant))


def rows_of(registrant: Registrant, person: PersonKeys | None = None) -> list[dict[str, Any]]:
    """The ``registrant_keys`` rows of ``registrant`` (phones and documents loaded; ``person``: its
    :func:`person_of`, when the caller has it already)."""
    return key_rows(registrant.id, person or person_of(registrant))


def key_rows(
    registrant_id: uuid.UUID, person: PersonKeys, *, extra: Iterable[Key] = (), derived: DerivedKeys | None = None
) -> list[dict[str, Any]]:
    """The rows of the keys of ``person`` (and the search-only keys ``extra``) for ``registrant_id``
    (``derived``: as :func:`all_keys` takes it)."""
    stored = all_keys(person, derived)
    if extra:  # most often none (an import's rows): no empty set cut and joined for each
        stored |= {(k, v) for k, v in _cut(extra) if v}
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
    """How many registrants carry each of ``keys`` (index-only counts; a key nobody carries is
    left out). A count from :data:`COUNT_CACHE_FROM` on (:data:`WEIGHT_CACHE_FROM` for a key of
    :data:`WEIGHT_KINDS`) is remembered per database for ``SIZE_CACHE_SECONDS``."""
    keys = keys if isinstance(keys, (set, frozenset, list, tuple)) else list(keys)
    cache = _cache_of(session)
    if len(keys) > COUNT_CHUNK_PG:  # an import's: reading the cache for each is CPU work
        found, wanted, now = await anyio.to_thread.run_sync(_cached_counts, cache, keys)
    else:
        found, wanted, now = _cached_counts(cache, keys)
    if wanted and _on_postgresql(session):
        driver = await transaction_driver(session)
        # by COUNT_CHUNK_PG keys: an import's 100,000 keys in one statement made one block of
        # encoding, decoding and tallying that stopped the event loop for most of a second
        for start in range(0, len(wanted), COUNT_CHUNK_PG):
            chunk = wanted[start : start + COUNT_CHUNK_PG]
            for i, n in await driver.fetch(_COUNTS_PG, [k for k, _ in chunk], [v for _, v in chunk], COUNT_CAP):
                _found(found, cache, chunk[i - 1], int(n), now)
        return found
    # one count per key (UNION ALL): each an index-only scan of its own range of the covering
    # index, where one ``(kind, value) IN (…)`` makes PostgreSQL read every matching table row
    for start in range(0, len(wanted), COUNT_CHUNK):
        chunk = wanted[start : start + COUNT_CHUNK]
        size = min(1 << (len(chunk) - 1).bit_length(), COUNT_CHUNK)  # a few statement sizes only
        params: dict[str, str | int] = {"cap": COUNT_CAP}
        for i in range(size):  # past the chunk, a key no registrant carries (kinds are never empty)
            params[f"k{i}"], params[f"v{i}"] = chunk[i] if i < len(chunk) else ("", "")
        for i, n in (await session.execute(_count_statement(size), params)).all():
            if i < len(chunk):  # not a padding key
                _found(found, cache, chunk[i], int(n), now)
    return found


def _cache_of(session: AsyncSession) -> OrderedDict[Key, tuple[float, int]]:
    """The counts remembered for ``session``'s database (:func:`counts`)."""
    return _count_cache.setdefault(session.get_bind().engine.url, OrderedDict())


def _cached_counts(
    cache: Mapping[Key, tuple[float, int]], keys: Iterable[Key]
) -> tuple[dict[Key, int], list[Key], float]:
    """The counts of ``keys`` remembered in ``cache`` (:func:`counts`), the keys left to count,
    now (CPU only)."""
    now = time.monotonic()
    found: dict[Key, int] = {}
    wanted: list[Key] = []
    for key in dict.fromkeys(keys):  # not sorted: sorting an import's 100,000 keys held the interpreter lock 0.5 s
        hit = cache.get(key)
        if hit is not None and now - hit[0] < SIZE_CACHE_SECONDS:
            found[key] = hit[1]
        else:
            wanted.append(key)
    return found, wanted, now


async def values_and_counts(
    session: AsyncSession, kind: str, prefixes: Sequence[str], keys: Iterable[Key]
) -> tuple[dict[str, list[str]], dict[Key, int]]:
    """:func:`values_starting` (``kind``, ``prefixes``) and :func:`counts` (``keys``) at once: one
    statement on PostgreSQL (a registration's duplicate check), each in turn elsewhere."""
    cache = _cache_of(session)
    found, wanted, now = _cached_counts(cache, keys)
    if not _on_postgresql(session) or not prefixes or not wanted:
        return await values_starting(session, kind, prefixes), await counts(session, keys)
    upper = _upper_bounds(prefixes)
    driver = await transaction_driver(session)
    kinds, values = [k for k, _ in wanted], [v for _, v in wanted]
    rows = await driver.fetch(_WORDS_AND_COUNTS_PG, list(prefixes), upper, kind, kinds, values, COUNT_CAP)
    words: dict[str, list[str]] = {}
    for part, i, word, n in sorted(rows, key=lambda row: (row[0], row[1], row[2] or "")):
        if part == 0:
            words.setdefault(prefixes[i - 1], []).append(word)
        else:
            _found(found, cache, wanted[i - 1], int(n), now)
    return words, found


def _found(found: dict[Key, int], cache: OrderedDict[Key, tuple[float, int]], key: Key, n: int, now: float) -> None:
    """Record ``key``'s count ``n`` in ``found``, and in ``cache`` from :data:`COUNT_CACHE_FROM`
    (from :data:`WEIGHT_CACHE_FROM` for a key of :data:`WEIGHT_KINDS`).

    ``cache`` is kept in the order its counts were stored (a recount moves its key to the end), so
    that, past :data:`COUNT_CACHE_MAX`, the oldest make room: a full cache keeps remembering the
    newest counts instead of only those taken before it filled. An ``OrderedDict``: dropping a plain
    dict's first entry again and again rescans the freed slots (seconds over an import's counts)."""
    if n:
        found[key] = n
    if n >= (WEIGHT_CACHE_FROM if key[0] in WEIGHT_KINDS else COUNT_CACHE_FROM):
        cache[key] = (now, n)
        cache.move_to_end(key)
        while len(cache) > COUNT_CACHE_MAX:
            cache.popitem(last=False)


def _on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# PostgreSQL: the hot statements of a registration's duplicate check, sent on the driver (see
# app.core.db.transaction_driver), each one statement whatever the number of keys or ids.
# Their arrays, and the words' kind and the counts' cap, are read through a scalar subquery
# ``(SELECT $n::type)``: PostgreSQL evaluates it once (an InitPlan) and its planner does not look
# inside. A plan made for one call's values then costs what the plan for any values costs, so after
# five executions PostgreSQL keeps the prepared statement's generic plan (PostgreSQL documentation,
# "PREPARE", plan_cache_mode auto). Reading ``$n`` itself, a custom plan knew the arrays' lengths
# (most are short), was estimated cheaper and was made again on every call: 0.17 ms of planning for
# the words and counts, 0.22 ms for the block, each longer than running it. The plans are the same:
# the order of the work is written out.
# A key's count: the worker's (app.registrants.frequencies) when it is common, else counted here,
# at most {cap} (COUNT_CAP) index entries.
_COUNT_PG = """coalesce(
  (SELECT f.registrants FROM term_frequencies f WHERE f.kind = k.kind AND f.value = k.value),
  (SELECT count(*) FROM (SELECT FROM registrant_keys r WHERE r.kind = k.kind AND r.value = k.value LIMIT {cap}) c))"""
_COUNTS_PG = f"""
SELECT k.i, {_COUNT_PG.format(cap="(SELECT $3::bigint)")}
FROM unnest((SELECT $1::text[]), (SELECT $2::text[])) WITH ORDINALITY AS k(kind, value, i)
"""  # noqa: S608 (constants)
# A key or document of a merged file (``m``) is its survivor's (``r``): one primary-key lookup more.
# The order is written out (LATERAL subqueries the planner keeps as they are: OFFSET 0, LIMIT 1):
# the keys' and numbers' index entries first, then one primary-key lookup per entry found. Left
# to the planner, statistics taken while the registry was nearly empty (a new desk, the first
# minute of an import) had it scan every registrant once per registrant (``merged_into_id IS
# NULL`` estimated to one row): 0.8 s at 1,400 registrants instead of 4 ms.
_BLOCK_PG = """
WITH hits(registrant_id, kind, value) AS MATERIALIZED (
  SELECT d.registrant_id, NULL::text, NULL::text
  FROM (SELECT DISTINCT unnest((SELECT $1::text[])) AS number) n
    CROSS JOIN LATERAL (SELECT d.registrant_id FROM identity_documents d WHERE d.number = n.number OFFSET 0) d
  UNION ALL
  SELECT k.registrant_id, w.kind, w.value
  FROM (SELECT DISTINCT * FROM unnest((SELECT $2::text[]), (SELECT $5::text[]))) AS w(kind, value)
    CROSS JOIN LATERAL (
      SELECT k.registrant_id FROM registrant_keys k WHERE k.kind = w.kind AND k.value = w.value OFFSET 0) k
)
SELECT r.id, h.kind, h.value
FROM hits h
  CROSS JOIN LATERAL (
    SELECT coalesce(m.merged_into_id, m.id) AS id FROM registrants m WHERE m.id = h.registrant_id LIMIT 1) s
  CROSS JOIN LATERAL (
    SELECT r.id FROM registrants r
    WHERE r.id = s.id AND r.merged_into_id IS NULL
      AND ($3::uuid[] IS NULL OR r.desk_id = ANY($3::uuid[]))
      AND ($4::uuid IS NULL OR r.id <> $4::uuid)
    LIMIT 1) r
"""


# The distinct folded words starting with each prefix ($1: the prefixes, $2: each one's
# exclusive upper bound), one index descent per word found (a loose index scan), however many
# registrants carry it.
_FOUND_WORDS = """
WITH RECURSIVE found(i, hi, word) AS (
  SELECT p.i, p.hi,
         (SELECT min(k.value) FROM registrant_keys k
          WHERE k.kind = (SELECT $3::text) AND k.value >= p.lo AND k.value < p.hi)
  FROM unnest((SELECT $1::text[]), (SELECT $2::text[])) WITH ORDINALITY AS p(lo, hi, i)
  UNION ALL
  SELECT f.i, f.hi,
         (SELECT min(k.value) FROM registrant_keys k
          WHERE k.kind = (SELECT $3::text) AND k.value > f.word AND k.value < f.hi)
  FROM found f WHERE f.word IS NOT NULL
)
"""
_WORDS_PG = _FOUND_WORDS + "SELECT i, word FROM found WHERE word IS NOT NULL\n"  # noqa: S608 (constant)
# _WORDS_PG ($1-$3) and _COUNTS_PG ($4, $5) in one statement: rows (0, i, word, NULL) and
# (1, i, NULL, count).
_WORDS_AND_COUNTS_PG = (
    _FOUND_WORDS  # noqa: S608 (constant)
    + f"""SELECT 0, i, word, NULL::bigint FROM found WHERE word IS NOT NULL
UNION ALL
SELECT 1, k.i, NULL::text, {_COUNT_PG.format(cap="(SELECT $6::bigint)")}
FROM unnest((SELECT $4::text[]), (SELECT $5::text[])) WITH ORDINALITY AS k(kind, value, i)
"""  # noqa: S608 (constants)
)
# The same for one prefix (:lo, exclusive upper bound :hi), on any database.
_VALUES_ONE = """
WITH RECURSIVE found(word) AS (
  SELECT (SELECT min(k.value) FROM registrant_keys k WHERE k.kind = :kind AND k.value >= :lo AND k.value < :hi)
  UNION ALL
  SELECT (SELECT min(k.value) FROM registrant_keys k WHERE k.kind = :kind AND k.value > f.word AND k.value < :hi)
  FROM found f WHERE f.word IS NOT NULL
)
SELECT word FROM found WHERE word IS NOT NULL
"""


@functools.lru_cache(maxsize=16)
def _count_statement(n: int) -> Any:
    """The counts of ``n`` keys ``(:k0, :v0)``, ``(:k1, :v1)``…, one ``SELECT`` each, as rows
    ``(i, count)``. Built once per ``n``, the keys bound at execution: building it again for
    every call cost about 80 µs a key, more than the database's answer. :func:`counts` asks for
    powers of two and ``COUNT_CHUNK`` only (a statement of 200 parts holds about 0.5 MB)."""
    parts = []
    for i in range(n):
        kind: BindParameter[str] = bindparam(f"k{i}")
        value: BindParameter[str] = bindparam(f"v{i}")
        frequency = select(TermFrequency.registrants).where(TermFrequency.kind == kind, TermFrequency.value == value)
        carriers = select(literal(1)).where(RegistrantKey.kind == kind, RegistrantKey.value == value)
        carriers = carriers.limit(bindparam("cap", type_=Integer))
        counted = select(func.count()).select_from(carriers.subquery())
        parts.append(select(literal(i), func.coalesce(frequency.scalar_subquery(), counted.scalar_subquery())))
    return parts[0] if n == 1 else union_all(*parts)


async def registry_size(session: AsyncSession) -> int:
    """The number of registrants (all desks), cached per database for ``SIZE_CACHE_SECONDS`` from
    ``SIZE_CACHE_FROM`` registrants: a term-frequency denominator need not be exact, and counting a
    large table on every registration would cost more than the lookup itself. From
    ``SIZE_STORED_FROM`` registrants, the size the worker counted last
    (:mod:`app.registrants.frequencies`), when it has."""
    url = session.get_bind().engine.url
    now = time.monotonic()
    cached = _size_cache.get(url)
    if cached is not None and cached[1] >= SIZE_CACHE_FROM and now - cached[0] < SIZE_CACHE_SECONDS:
        return cached[1]
    if _on_postgresql(session):
        size = int(await (await transaction_driver(session)).fetchval(_SIZE_PG, SIZE_STORED_FROM))
    else:
        size = int((await session.execute(_SIZE, {"least": SIZE_STORED_FROM})).scalar_one())
    _size_cache[url] = (now, size)
    return size


# The size the worker counted, from SIZE_STORED_FROM registrants; else the registrants counted here.
# (frequencies.REGISTRY is the row ("*", "").)
_SIZE_SQL = (
    "SELECT coalesce((SELECT f.registrants FROM term_frequencies f WHERE f.kind = '*' AND f.value = ''"
    " AND f.registrants >= {least}), (SELECT count(*) FROM registrants))"
)
_SIZE_PG = _SIZE_SQL.format(least="$1")
_SIZE = text(_SIZE_SQL.format(least=":least"))


def forget_size() -> None:
    """Drop the cached registry sizes and key counts (tests that rebuild the database)."""
    _size_cache.clear()
    _count_cache.clear()


@functools.lru_cache(maxsize=DERIVED_CACHE)
def _swapped_pairs(person: PersonKeys) -> list[str]:
    """The name pairs of ``person`` read with the given names and the family name the other way
    round (typed in each other's column: "DIOP Pape"; see :func:`app.registrants.linkage.compare`)."""
    if not person.given or not person.family:
        return []
    return _pairs(dataclasses.replace(person, given=person.family, family=person.given, alt_given=(), alt_family=()))


@functools.lru_cache(maxsize=DERIVED_CACHE)
def lookup_keys(person: PersonKeys) -> frozenset[Key]:
    """The keys :func:`block` may look ``person``'s candidates up by (to count first): its own, the
    name pairs of its names read the other way round, and those of its compound given names joined
    or parted (:func:`app.registrants.compounds.looked_up`: ``Mamediarra`` as ``Mame Diarra``);
    looked up, never stored."""
    swapped = _swapped_pairs(person)  # the names as written, read the other way round
    if extra := compounds.looked_up(person.given) - person.heard:
        person = dataclasses.replace(person, heard=person.heard | extra)
    full = _full_date(person)
    keys = {k for k in block_keys(person) if k[0] != "gf" or not full}
    year = person.date_of_birth[:4] if person.date_of_birth else None
    if full:  # a given name with the family name (and the year), of someone without a full date
        pairs = _pairs(person)
        keys |= {("gfx", pair) for pair in pairs}
        keys |= {("gfyx", f"{pair} {year}") for pair in pairs}
    for pair in swapped:
        keys.add(("gfx" if full else "gf", pair))
        if year:
            keys.add(("gfy", f"{pair} {year}"))
        if full:
            keys.add(("gfyx", f"{pair} {year}"))
    if full:
        keys |= _dated(swapped, full)
    return _cut(keys | {k for k in combined_keys(person) if k[0] not in ("gfx", "gfyx")})


def chosen_keys(person: PersonKeys, counted: Mapping[Key, int], looked_up: frozenset[Key] | None = None) -> list[Key]:
    """The keys to look ``person``'s candidates up by, rarest first (``counted``: their counts;
    ``looked_up``: :func:`lookup_keys` of ``person`` when the caller has them).

    Phones are always used; a birth date alone, the names alone, or the names with the birth year
    (of a person with a full birth date) only while at most :data:`BLOCK_CUTOFF` registrants carry
    them, and in their place beyond: the date with a name token (``dn``), the names with the
    arrival date (``gfa``), the names with the year and the month or the day (``gfn``) and the
    names with the year of those without a full date (``gfyx``). Below the cut-offs the result is
    exactly what the plain keys give (``dn``, ``gfa``, ``gfn`` and ``gfyx`` candidates share a
    ``d``, ``gf``/``gfx`` or ``gfy`` key as well)."""
    keys = lookup_keys(person) if looked_up is None else looked_up
    full = _full_date(person) is not None
    plain = {k for k in keys if k[0] not in COMBINED_KINDS}
    chosen = {k for k in plain if counted.get(k, 0) <= _cutoff(k[0], full=full)}
    if any(k[0] == "d" for k in plain - chosen):
        chosen |= {k for k in keys if k[0] == "dn"}
    if any(k[0] in ("gf", "gfx") for k in plain - chosen):
        chosen |= {k for k in keys if k[0] == "gfa"}
    if any(k[0] == "gfy" for k in plain - chosen):
        chosen |= {k for k in keys if k[0] in ("gfn", "gfyx")}
    return sorted((k for k in chosen if counted.get(k, 0)), key=lambda k: (counted[k], k))


def _cutoff(kind: str, *, full: bool) -> int:
    """Most registrants a key of ``kind`` brings in alone (:data:`BLOCK_CUTOFF`); ``gfy`` is not cut
    for a person without a full birth date (``full`` false): it has no finer key."""
    return BLOCK_LIMIT if kind == "gfy" and not full else BLOCK_CUTOFF.get(kind, BLOCK_LIMIT)


async def block(
    session: AsyncSession,
    person: PersonKeys,
    *,
    desk_ids: Iterable[uuid.UUID] | None,
    exclude_id: uuid.UUID | None = None,
    counted: Mapping[Key, int] | None = None,
) -> list[Known]:
    """Registrants (not merged into another, as :class:`Known`) sharing a block with ``person``
    (a file merged into another shares its blocks with its survivor, which stands for it):
    a document number, a phone, the full birth date, a given name with the
    family name and birth year, or (when either full birth date is unknown: a year alone is often
    an estimate) a given name with the family name; common keys give way to their combinations
    (:func:`chosen_keys`). At most :data:`BLOCK_LIMIT`, those sharing a document first, then by
    the rarest key they share. ``counted``: the counts of :func:`lookup_keys` when the caller has
    them (one query less)."""
    if counted is None:
        counted = await counts(session, lookup_keys(person))
    keys = chosen_keys(person, counted)
    rank: dict[uuid.UUID, int] = {}
    if _on_postgresql(session):
        driver = await transaction_driver(session)
        position = {k: i for i, k in enumerate(keys)}
        scope = [list(desk_ids) if desk_ids is not None else None, exclude_id]
        numbers = sorted(person.documents)
        rows = await driver.fetch(_BLOCK_PG, numbers, [k for k, _ in keys], *scope, [v for _, v in keys])
        for rid, kind, value in rows:  # a document first (-1), then the rarest key shared
            rank[rid] = min(rank.get(rid, len(keys)), -1 if kind is None else position[(kind, value)])
        return await ranked_with_spellings(session, rank, limit=BLOCK_LIMIT)

    owner, person_of_owner = aliased(Registrant), aliased(Registrant)  # a merged file's is its survivor's

    def scoped(stmt: Any, registrant_id: Any) -> Any:
        stmt = stmt.join(owner, owner.id == registrant_id).join(
            person_of_owner, person_of_owner.id == func.coalesce(owner.merged_into_id, owner.id)
        )
        stmt = stmt.where(person_of_owner.merged_into_id.is_(None))
        if desk_ids is not None:
            stmt = stmt.where(person_of_owner.desk_id.in_(list(desk_ids)))
        if exclude_id is not None:
            stmt = stmt.where(person_of_owner.id != exclude_id)
        return stmt

    if person.documents:
        documents = select(person_of_owner.id).where(IdentityDocument.number.in_(sorted(person.documents)))
        documents = documents.select_from(IdentityDocument)
        for (rid,) in (await session.execute(scoped(documents, IdentityDocument.registrant_id))).all():
            rank[rid] = -1
    if keys:
        position = {k: i for i, k in enumerate(keys)}
        shared = (
            select(person_of_owner.id, RegistrantKey.kind, RegistrantKey.value)
            .select_from(RegistrantKey)
            .where(tuple_(RegistrantKey.kind, RegistrantKey.value).in_(keys))
        )
        for rid, kind, value in (await session.execute(scoped(shared, RegistrantKey.registrant_id))).all():
            rank[rid] = min(rank.get(rid, len(keys)), position[(kind, value)])
    return await ranked_with_spellings(session, rank, limit=BLOCK_LIMIT)


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


async def words_starting(session: AsyncSession, prefixes: Sequence[str]) -> dict[str, list[str]]:
    """PostgreSQL: the distinct folded name words (``w`` keys) starting with each of ``prefixes``
    (``[a-z0-9]``), sorted; a prefix no word starts with is absent. One statement; its cost grows
    with the number of distinct words found, not with the registrants carrying them."""
    return await values_starting(session, "w", prefixes)


async def values_starting(session: AsyncSession, kind: str, prefixes: Sequence[str]) -> dict[str, list[str]]:
    """The distinct values of the keys of ``kind`` starting with each of ``prefixes`` (``[a-z0-9]``),
    sorted; a prefix no value starts with is absent. A loose index scan: one index descent per
    distinct value found, however many registrants carry it (one statement on PostgreSQL, one per
    prefix elsewhere)."""
    if not prefixes:
        return {}
    upper = _upper_bounds(prefixes)
    found: dict[str, list[str]] = {}
    if not _on_postgresql(session):
        for prefix, hi in zip(prefixes, upper, strict=True):
            values = (await session.execute(text(_VALUES_ONE), {"kind": kind, "lo": prefix, "hi": hi})).scalars()
            if words := sorted(values):
                found[prefix] = words
        return found
    rows = await (await transaction_driver(session)).fetch(_WORDS_PG, list(prefixes), upper, kind)
    for i, word in sorted(rows):
        found.setdefault(prefixes[i - 1], []).append(word)
    return found


def _upper_bounds(prefixes: Sequence[str]) -> list[str]:
    """Each prefix's exclusive upper bound. A prefix of "z"s has no next prefix: any stored value
    (at most KEY_VALUE_LENGTH characters) starting with it sorts below it padded with "z"s one
    character longer."""
    return [_next_prefix(p) or p.ljust(KEY_VALUE_LENGTH + 1, "z") for p in prefixes]


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
