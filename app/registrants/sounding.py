"""The registry's words that a name word may write in the other script, through the ``s`` match keys.

A word in Arabic script is stored under its own spelling and the variant table's groups
(:func:`app.registrants.matching.readings`), a Latin word under its phonetic key: neither knows the
registry's words of the other script that the table does not list (``سونكو`` and Sonko). Every name
word has ``s`` keys, its consonant classes (:func:`app.registrants.arabic.codes`) then ``0`` then the
word, so the words that may be written like a given word are one prefix range of the index away:
all words with its consonant classes for an Arabic-script word, only the Arabic-script ones
(``code0`` + :data:`~app.registrants.arabic.ARABIC_MARK`) for a Latin word. Those that pass
:func:`app.registrants.arabic.sounds_alike` (its written vowels too) are what the word *sounds
like*: a name search looks them up as words (:mod:`app.registrants.repository`), and a person is
looked up (blocked, counted) under their phonetic keys as well (:func:`heard_counting`; the import does the
same with the words of its file, :class:`app.imports.matching.BatchMatcher`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.registrants import arabic, keys
from app.registrants.matching import PersonKeys, codes, readings


def prefixes(token: str) -> dict[str, str]:
    """The ``s`` key prefixes under which the words ``token`` may sound like are found, each with
    its consonant classes."""
    script = "" if arabic.is_arabic(token) else arabic.ARABIC_MARK
    return {f"{code}0{script}": code for code in codes(token)}


def matches(token: str, values: Mapping[str, Sequence[str]]) -> list[str]:
    """The words (of ``s`` key ``values`` by prefix) that ``token`` sounds like, sorted."""
    found: set[str] = set()
    for prefix, code in prefixes(token).items():
        for value in values.get(prefix, ()):
            word = value[len(code) + 1 :]
            if word != token and arabic.sounds_alike(token, word):
                found.add(word)
    return sorted(found)


async def words(session: AsyncSession, tokens: Iterable[str]) -> dict[str, list[str]]:
    """For each of ``tokens``, the registry's name words of the other script (and other Arabic
    spellings, for an Arabic-script token) it sounds like; a token that sounds like none is absent.
    One loose index scan of the ``s`` keys (:func:`app.registrants.keys.values_starting`)."""
    wanted = sorted(set(tokens))
    return _sounding(wanted, await keys.values_starting(session, "s", _prefixes_of(wanted)))


def _prefixes_of(tokens: Sequence[str]) -> list[str]:
    return sorted({p for token in tokens for p in prefixes(token)})


def _sounding(tokens: Sequence[str], values: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    out = {token: matches(token, values) for token in tokens}
    return {token: found for token, found in out.items() if found}


def hear(person: PersonKeys, sounding: Mapping[str, Sequence[str]]) -> PersonKeys:
    """``person`` with the phonetic keys of the words each of its tokens sounds like (``sounding``:
    by token) as :attr:`~app.registrants.matching.PersonKeys.heard`, for looking it up."""
    heard = {
        (token, reading)
        for token in person.name_tokens()
        for word in sounding.get(token, ())
        for reading in readings(word)
        if reading not in readings(token)
    }
    return dataclasses.replace(person, heard=frozenset(heard)) if heard else person


async def heard_counting(
    session: AsyncSession, person: PersonKeys, counting: Iterable[keys.Key]
) -> tuple[PersonKeys, dict[keys.Key, int]]:
    """``person`` as it is looked up: with the phonetic keys of the registry's words of the other
    script its tokens sound like (:func:`hear`, :func:`words`); and the registry's counts of the
    keys ``counting`` (:func:`app.registrants.keys.counts`), asked in the same statement on
    PostgreSQL (:func:`app.registrants.keys.values_and_counts`)."""
    wanted = sorted(set(person.name_tokens()))
    values, counted = await keys.values_and_counts(session, "s", _prefixes_of(wanted), counting)
    return hear(person, _sounding(wanted, values)), counted
