"""Compound given names written as one word or as two: ``El Hadji`` / ``Elhadji`` / ``El-Hadji``,
``Mame Diarra`` / ``Mamediarra``, ``Ndèye Fatou`` / ``Ndeyefatou``, ``Abdou Lahat`` / ``Abdoulahat``,
``Pape Modou`` / ``Papemodou``.

A compound given name is a *head* (an honorific, a kinship word or the Arabic ``ʿabd``/``al``)
and a name; registers write it as two words, as one, or with a hyphen (which folds to a space).
Neither the stored keys nor the phonetic rules can tell where a joined word parts, so the heads are
listed (:data:`HEAD_GROUPS`), each with its spellings:

- ``el``/``al``: the Arabic article of ``al-Ḥājj`` (El Hadji, Alhaji: the variant table's group);
- ``mame``/``maam``/``mam``: Wolof *maam*, grandparent, given with the name of the one honoured
  (Mame Diarra, Mame Cheikh; *Maam* in the CLAD orthography of decree 2005-992);
- ``ndeye``/``ndey``: Wolof *ndey*, mother (Ndèye Fatou);
- ``pape``/``papa``/``pap``/``pa``: Pape Modou, the Gambian Pa Modou (the variant table's group);
- ``abdou``/``abdoul``/``abdul``/``abdu``: Arabic *ʿabd* (servant of) before a divine name (Abdou
  Lahat, Abdoul Aziz, Abdou Rahmane; the variant table's Abdou group).

Nothing here is stored: the registrant's keys stay those of the words as written. A person is
*looked up* (blocking, :func:`app.registrants.keys.lookup_keys`) and a search token matched
(:mod:`app.registrants.repository`) under the other form as well (:func:`looked_up`), and two given
names agree when their compounds do (:func:`agree`, used by :mod:`app.registrants.linkage`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

from app.registrants.matching import CACHE_SIZE, canonical, phonetic

HEAD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("el", "al"),
    ("mame", "maam", "mam"),
    ("ndeye", "ndey"),
    ("pape", "papa", "pap", "pa"),
    ("abdou", "abdoul", "abdul", "abdu"),
)
_GROUP_OF: dict[str, tuple[str, ...]] = {head: group for group in HEAD_GROUPS for head in group}

MIN_NAME = 3
"""Fewest letters of the name after a head for a joined word to part there (``elhaj``: ``haj``)."""

PARTING_HEAD = 3
"""Fewest letters of a head a joined word parts at, but for the article ``el``/``al``: a word
starting ``pa`` is Pathé or Paul far more often than a joined ``Pa Modou``."""


def is_head(token: str) -> bool:
    """Whether the folded ``token`` is a spelling of a compound head (``mame``, ``ndey``, ``el``…)."""
    return token in _GROUP_OF


@functools.lru_cache(maxsize=CACHE_SIZE)
def parts(token: str) -> tuple[tuple[str, str], ...]:
    """The ways a folded one-word ``token`` parts into a head and a name: ``"mamediarra"`` →
    ``(("mame", "diarra"),)``, ``"abdoulahat"`` → ``(("abdou", "lahat"), ("abdoul", "ahat"))``.
    A word of the variant table parts only where its group's first spelling does (``elhadji``,
    ``abdoulaye``, never ``mamadou``, which is not *Mam Adou*). None for a head itself."""
    if canonical(token) != token and not _parting(canonical(token)):
        return ()
    return _parting(token)


def _parting(token: str) -> tuple[tuple[str, str], ...]:
    found = []
    for group in HEAD_GROUPS:
        # the longest head of the group (Mame, not Mam + ediarra); a shorter one as well where the
        # longer ends in a consonant, the article's l either side (Abdou Lahat, Abdoul Ahad)
        heads = sorted((h for h in group if token.startswith(h)), key=len, reverse=True)
        if heads and heads[0][-1] in "aeiou":
            heads = heads[:1]
        for head in heads:
            name = token[len(head) :]
            short = len(head) < PARTING_HEAD and group[0] != "el"
            if len(name) >= MIN_NAME and not short:
                found.append((head, name))
    return tuple(sorted(found))


@functools.lru_cache(maxsize=CACHE_SIZE)
def joined(head: str, name: str) -> tuple[str, ...]:
    """The phonetic keys of ``head`` and ``name`` written as one word, with every spelling of the
    head: ``("ndeye", "fatou")`` → the keys of ``ndeyefatou`` and ``ndeyfatou``. Sorted."""
    return tuple(sorted({phonetic(spelling + name) for spelling in _GROUP_OF.get(head, (head,))}))


@functools.lru_cache(maxsize=CACHE_SIZE)
def parted(token: str) -> tuple[str, ...]:
    """The phonetic keys a joined ``token`` stands for besides its own: its parts' and those of its
    head's other spellings joined to its name (``ndeyfatou`` → ``ndei``, ``fatu``, ``ndeiefatu``).
    Sorted; none for a word that does not part."""
    found: set[str] = set()
    for head, name in parts(token):
        found |= {phonetic(head), phonetic(name), *joined(head, name)}
    found.discard(phonetic(token))
    return tuple(sorted(found))


def looked_up(tokens: Sequence[str]) -> set[tuple[str, str]]:
    """``(token, phonetic key)`` pairs a person's given-name ``tokens`` are also looked up under
    (never stored): a head followed by a name gives the keys of the two joined (on the head:
    ``Mame Diarra`` → ``("mame", "mamejara")``); a joined word, the keys of :func:`parted`."""
    found: set[tuple[str, str]] = set()
    for i, token in enumerate(tokens):
        if is_head(token) and i + 1 < len(tokens):
            found |= {(token, key) for key in joined(token, tokens[i + 1])}
        found |= {(token, key) for key in parted(token)}
    return {(token, key) for token, key in found if key != phonetic(token)}


def units(tokens: Sequence[str]) -> list[frozenset[str]]:
    """The given names as compound units, each the phonetic keys it may be written under: a head
    and the name after it are one unit (:func:`joined`), a joined word one unit (its own key and
    its head's other spellings joined), any other word its phonetic key."""
    found: list[frozenset[str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if is_head(token) and i + 1 < len(tokens):
            found.append(frozenset(joined(token, tokens[i + 1])))
            i += 2
            continue
        rejoined = {key for head, name in parts(token) for key in joined(head, name)}
        found.append(frozenset({phonetic(token), *rejoined}))
        i += 1
    return found


def agree(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two given names (folded tokens) are the same compounds, joined or parted, in any
    order: ``El Hadji Malick`` / ``Malick Elhadj``, ``Ndèye Fatou`` / ``Ndeyfatou``."""
    return _agree(tuple(a), tuple(b))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    # memoised: an import compares the same names with their candidates thousands of times
    ua, ub = units(a), units(b)
    if len(ua) != len(ub) or len(ua) > 4:
        return len(ua) == len(ub) and all(x & y for x, y in zip(ua, ub, strict=True))
    return any(
        all(x & ub[j] for x, j in zip(ua, order, strict=True)) for order in itertools.permutations(range(len(ub)))
    )
