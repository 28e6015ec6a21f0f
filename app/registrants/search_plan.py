"""What each word of a name search must match, compound given names joined or parted.

A name search (``GET /api/v1/registrants?q=``) finds the registrants every searched word finds. A
word finds a name word by its phonetic keys, as the start of a word (from 3 letters) or as a word
of the other script it sounds like. Compound given names are read both ways
(:mod:`app.registrants.compounds`): a head and the word after it (``Mame Diarra``) also find the
one word they make (``Mamediarra``, by its phonetic keys), and a joined word (``Elhadji``) also
finds its two parts (``El`` and ``Hadji``, each a whole word). So the search is a list of
:data:`Unit` (all must match), each a choice of :data:`Alternative` (any may), each a set of
:class:`Leaf` (all must), each a set of index lookups (any may): the same plan for SQLite (the
``registrant_keys`` lookups) and PostgreSQL (the name terms of the GIN index), built here once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.registrants import compounds, matching

PREFIX_FROM = 3
"""Letters from which a searched word also finds the words it starts (``Ndia``); a shorter one is a
whole word: ``Sy`` never finds ``Sylla``."""


@dataclass(frozen=True)
class Leaf:
    """Registrants carrying one of the phonetic keys ``keys`` (``n`` keys), one of the folded words
    ``words`` (``w`` keys) or a word starting with ``prefix`` (``[a-z0-9]``, or None)."""

    keys: tuple[str, ...]
    words: tuple[str, ...] = ()
    prefix: str | None = None


Alternative = tuple[Leaf, ...]
"""Registrants every leaf finds."""
Unit = tuple[Alternative, ...]
"""Registrants any alternative finds."""


def _word(token: str, heard: Mapping[str, Sequence[str]]) -> Leaf:
    """A searched word: its phonetic keys (and, a joined compound, those of its head's other
    spellings joined to its name), its start, the words of the other script it sounds like."""
    rejoined = [key for head, name in compounds.parts(token) for key in compounds.joined(head, name)]
    keys = tuple(dict.fromkeys([*matching.readings(token), *rejoined]))
    short = len(token) < PREFIX_FROM
    words = tuple(dict.fromkeys([*([token] if short else []), *heard.get(token, ())]))
    return Leaf(keys=keys, words=words, prefix=None if short else token)


def _whole(word: str) -> Leaf:
    """A part of a joined compound: a whole word, by its phonetic keys or as written."""
    return Leaf(keys=matching.readings(word), words=(word,))


def _unit(token: str, heard: Mapping[str, Sequence[str]]) -> Unit:
    """One searched word, or (a joined compound) its parts."""
    parted = tuple((_whole(head), _whole(name)) for head, name in compounds.parts(token))
    return ((_word(token, heard),), *parted)


def plan(tokens: Sequence[str], heard: Mapping[str, Sequence[str]] | None = None) -> list[Unit]:
    """The units of a name search of ``tokens`` (:func:`app.registrants.repository.name_tokens`);
    ``heard``: the words of the other script each token sounds like
    (:func:`app.registrants.sounding.words`). A compound head followed by a word (not a head
    itself) is one unit: the two words, or the one word they make (:func:`compounds.joined`)."""
    heard = heard or {}
    units: list[Unit] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if compounds.is_head(token) and i + 1 < len(tokens) and not compounds.is_head(tokens[i + 1]):
            name = tokens[i + 1]
            both = tuple(a + b for a in _unit(token, heard) for b in _unit(name, heard))
            units.append((*both, (Leaf(keys=compounds.joined(token, name), prefix=token + name),)))
            i += 2
            continue
        units.append(_unit(token, heard))
        i += 1
    return units


def prefixes(units: Sequence[Unit]) -> list[str]:
    """Every prefix the leaves of ``units`` look up, sorted."""
    return sorted({leaf.prefix for unit in units for alt in unit for leaf in alt if leaf.prefix})
