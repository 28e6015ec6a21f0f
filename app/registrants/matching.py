"""Duplicate detection for registrants (DOMAIN.md "Names and duplicates").

Names are compared as token lists: Unicode NFC, case-folded, accents, apostrophes and hyphens
stripped (``app.core.text.fold``), a lone letter joined to the next token (``N'Diaye`` → ``ndiaye``,
``M'Baye`` → ``mbaye``), the Wolof ñ read as the French gn. Each token then goes through a
curated variant table of French colonial, Wolof, Pulaar and neighbouring countries' spellings
(:data:`app.registrants.spellings.VARIANT_GROUPS`) and a small phonetic key tuned for
French/Wolof transcriptions (:func:`phonetic`). String similarity (Jaro-Winkler) comes from
``jellyfish``; compound given names joined or parted are :mod:`app.registrants.compounds`.

A word in Arabic script is kept as its letter classes (:mod:`app.registrants.arabic`) and compared
with Latin spellings by the letters both would be written with (:func:`agree`); the variant table
gives it the phonetic key of every group one of whose spellings it may write (:func:`readings`).

Scoring is :mod:`app.registrants.linkage` (Fellegi–Sunter with term-frequency adjustments),
explainable field by field. Nothing here ever merges records; the service shows candidates and an
agent decides.

Sy and Sylla are different lineages: they are neither in one variant group nor phonetically
equal, so they never count as the same name (at most a weak candidate on other evidence).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from anyascii import anyascii

from app.core.text import fold, without_invisible
from app.registrants import arabic
from app.registrants.spellings import VARIANT_GROUPS


def _has_arabic(text: str) -> bool:
    return any(arabic.is_arabic_letter(c) for c in text)


_PALATAL = str.maketrans({"ñ": "gn", "Ñ": "Gn"})
"""The Wolof (CLAD) ñ is written as French writes the sound, gn (Saña is Sagna, Jaañ Diagne,
Sëriñ Serigne), before folding would take its tilde off and leave an n (another letter: Sana)."""

_CANONICAL: dict[str, str] = {
    variant: group[0] for group in VARIANT_GROUPS for variant in group if not _has_arabic(variant)
}
_NOT_LETTER = re.compile(r"[^a-z]+")
_VOWELS = "aeiou"

STRONG_THRESHOLD = 0.9
"""Match probability from which a candidate is labelled ``strong`` (else ``possible``)."""
MAX_CANDIDATES = 10
CACHE_SIZE = 1 << 16
"""Names, places and name tokens whose folded tokens and phonetic keys each process memoises."""


PHONE_END = 9
"""Digits of a phone's end compared when either number is unverified (no E.164 form): the national
number of a Senegalese or Moroccan phone (DOMAIN.md), the part a clerk gets right however the
country code was written (``0077 123 45 67`` for ``+221 77 123 45 67``)."""


def phone_end(digits: str) -> str:
    """The last :data:`PHONE_END` digits of a phone's digits (all of them when fewer):
    ``221771234567`` and ``00771234567`` → ``771234567``."""
    return digits[-PHONE_END:]


def only_digits(number: str) -> str:
    """The ASCII digits of an E.164 number or of a phone's normalised text (``+221771234567`` →
    ``221771234567``)."""
    return "".join(c for c in number if "0" <= c <= "9")


KEY_VALUE_LENGTH = 200
"""Characters of a match key's value kept (``registrant_keys.value``): every key is stored, looked
up and counted cut to it (a given name with a long family name can be longer), and so is every
name token and its phonetic key (transliterated, a name can grow: ``龍`` is ``long``)."""


def tokens(name: str) -> list[str]:
    """The folded tokens of a name; a lone letter is joined to the next token.

    A word in Arabic script becomes its letter classes marked as such (:func:`app.registrants.arabic.encode`:
    ``محمد ديوب`` → ``["9mmd", "9d32b"]``), ``عبد`` and ``أبو`` joined to the next word (``عبد الله``
    is one name, Abdoulaye). Any other script is transliterated to ASCII by ``anyascii``
    (https://github.com/anyascii/anyascii, ISC licence).

    ``"N'Diaye"`` → ``["ndiaye"]``, ``"Ndèye Fatou"`` → ``["ndeye", "fatou"]``. Symbols are no letters
    of a name either and part words like a space (``"Awa ♥ Diop"``, ``"Diop 😀"``, ``"Diop ™"``:
    :func:`without_symbols`). Digits are no letters
    of a name and are left out (``"Awa2"`` → ``["awa"]``; a Latin token is letters only, so it is
    never taken for an Arabic-script token, whose mark is a digit). Each token is cut to
    :data:`KEY_VALUE_LENGTH` characters.
    """
    return list(_tokens(name))


def _words(name: str) -> list[tuple[str, bool]]:
    """The words of a name, each with whether it is in Arabic script (a word mixing scripts is cut
    where the script changes); an Arabic compound head is joined to the next Arabic word."""
    out: list[tuple[str, bool]] = []
    for word in fold(without_invisible(name)).split(" "):  # the joiners a name keeps: no letters
        runs: list[tuple[str, bool]] = []
        for char in word:
            script = arabic.is_arabic_letter(char) or (char == "ـ" and bool(runs) and runs[-1][1])
            if runs and runs[-1][1] == script:
                runs[-1] = (runs[-1][0] + char, script)
            else:
                runs.append((char, script))
        for run, script in runs:
            if script and out and out[-1][1] and out[-1][0] in arabic.COMPOUND_HEADS:
                out[-1] = (out[-1][0] + run, True)
            else:
                out.append((run, script))
    return out


def without_symbols(text: str) -> str:
    """``text`` with each symbol (Unicode general category S: emoji, flags, ``©``, ``№``, ``™``,
    ``♥``, currency and mathematical signs, modifier accents) as a space: no letter of a name,
    whatever folding (``™`` → ``tm``) or transliteration (``😀`` → ``grinning``) would spell it."""
    return "".join(" " if unicodedata.category(c)[0] == "S" else c for c in text)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _tokens(name: str) -> tuple[str, ...]:
    # Memoised: a register or a registry repeats the same names and places thousands of times.
    raw: list[str] = []
    for word, script in _words(without_symbols(unicodedata.normalize("NFC", name).translate(_PALATAL))):
        if script:
            raw.append(arabic.encode(word))
        else:
            raw += [_NOT_LETTER.sub("", t) for t in fold(anyascii(word)).split(" ")]
    out: list[str] = []
    pending = ""
    for tok in (t for t in raw if t):
        if len(tok) == 1 and tok.isalpha():
            pending += tok
            continue
        if pending and arabic.is_arabic(tok):  # a lone Latin letter before an Arabic word: its own token
            out.append(pending)
            pending = ""
        out.append(pending + tok)
        pending = ""
    if pending:
        out.append(pending)
    return tuple(t[:KEY_VALUE_LENGTH] for t in out)


def canonical(token: str) -> str:
    """The canonical spelling of a folded token per the variant table (itself when not listed)."""
    return _CANONICAL.get(token, token)


def _rules(word: str) -> str:
    out: list[str] = []
    i = 0
    if word.startswith("gn") and word[2:3] in tuple(_VOWELS):
        # a word-initial gn is the ñ French writes ni (Gnagna, Niagna, Wolof Ñaña; Gniang, Niang)
        out.append("n" if word[2] == "i" else "ni")
        i = 2
    while i < len(word):
        c = word[i]
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if c == "d" and nxt == "j":
            out.append("j")
            i += 2
            continue
        if c == "d" and nxt == "i" and i + 2 < len(word) and word[i + 2] in _VOWELS:
            out.append("j")  # Diop, Diallo, Ndiaye: French "di" + vowel is Wolof "j"
            i += 2
            continue
        if c == "o" and nxt == "u":
            out.append("u")
            i += 2
            continue
        if c in "tp" and nxt == "h":
            out.append("t" if c == "t" else "f")
            i += 2
            continue
        if c == "c" and nxt == "k":
            out.append("k")
            i += 2
            continue
        if c == "g" and nxt == "u" and i + 2 < len(word) and word[i + 2] in "eiy":
            out.append("g")
            i += 2
            continue
        if c in "qx":  # x: the Wolof (CLAD) letter of French "kh" (Soxna, Sokhna), h being silent
            out.append("k")
        elif c == "c":
            out.append("s" if nxt in ("e", "i", "y") else "k")
        elif c == "y":
            out.append("i")
        elif c == "h":
            pass
        else:
            out.append(c)
        i += 1
    collapsed = re.sub(r"(.)\1+", r"\1", "".join(out))
    if len(collapsed) > 2 and collapsed.endswith("e"):
        collapsed = collapsed[:-1]
    return collapsed


@functools.lru_cache(maxsize=CACHE_SIZE)
def phonetic(token: str) -> str:
    """The phonetic key of one folded token (variant table first, then French/Wolof rules).

    ``ndiaye``, ``njaay`` → ``njai``; ``bah`` → ``ba``; ``sy`` → ``si`` but ``sylla`` → ``sila``.
    A token read from Arabic script has the first of its :func:`readings`. At most
    :data:`KEY_VALUE_LENGTH` characters.
    """
    if arabic.is_arabic(token):
        return readings(token)[0]
    return (_rules(canonical(token)) or token)[:KEY_VALUE_LENGTH]


@functools.lru_cache(maxsize=1)
def _table_forms() -> dict[str, list[tuple[str, bool, str]]]:
    """The variant table by consonant classes: each spelling's letter-class forms (a Latin spelling
    as Arabic script would write it, an Arabic one as written), whether it is Arabic, and its
    group's phonetic key."""
    found: dict[str, list[tuple[str, bool, str]]] = {}
    for group in VARIANT_GROUPS:
        key = phonetic(group[0])
        for spelling in group:
            if _has_arabic(spelling):
                entries = [(form, True) for token in tokens(spelling) for form in arabic.forms(token)]
            else:
                entries = [(form, False) for form in arabic.latin_forms(spelling)]
            for form, written in entries:
                found.setdefault(arabic.consonants(form), []).append((form, written, key))
    return found


@functools.lru_cache(maxsize=CACHE_SIZE)
def table_readings(token: str) -> tuple[str, ...]:
    """The phonetic keys of the variant-table groups an Arabic-script token may write: a Latin
    spelling of the group it is :func:`~app.registrants.arabic.consistent` with, or an Arabic one it is
    :func:`~app.registrants.arabic.compatible` with (``عبدو`` → Abdou's; ``فاطمة`` → Fatoumata's, by
    Fatima, and Fatou's, listed). Sorted; none for a Latin token."""
    if not arabic.is_arabic(token):
        return ()
    found: set[str] = set()
    for form in arabic.forms(token):
        for entry, written, key in _table_forms().get(arabic.consonants(form), ()):
            if arabic.compatible(form, entry) if written else arabic.consistent(form, entry):
                found.add(key)
    return tuple(sorted(found))


@functools.lru_cache(maxsize=CACHE_SIZE)
def readings(token: str) -> tuple[str, ...]:
    """The phonetic keys a token is stored and looked up under (``n`` match keys, the name pairs):
    a Latin token's :func:`phonetic` key; an Arabic-script token's :func:`table_readings`, else the
    token itself (its own spelling)."""
    if arabic.is_arabic(token):
        return table_readings(token) or (token,)
    return (phonetic(token),)


def codes(token: str) -> tuple[str, ...]:
    """The consonant classes of a token's forms (:func:`app.registrants.arabic.codes`)."""
    return arabic.codes(token)


def agree(one: str, other: str) -> str | None:
    """The phonetic key two name tokens agree on, or None: the same key (Latin spellings, or an
    Arabic-script token read by the variant table as the other's group); else, one token at
    least in Arabic script, the letters both would be written with
    (:func:`app.registrants.arabic.sounds_alike`): then the Latin token's key, or (both in Arabic
    script) the first token."""
    if one == other:
        return phonetic(one)
    first, second = arabic.is_arabic(one), arabic.is_arabic(other)
    if not first and not second:
        key = phonetic(one)
        return key if key == phonetic(other) else None
    shared = set(readings(one)) & set(readings(other))
    if shared:
        return min(shared)
    if not arabic.sounds_alike(one, other):
        return None
    if first and second:
        return one
    return phonetic(other if first else one)


def phonetic_key(name: str) -> str:
    """Space-separated phonetic keys of every token of ``name``."""
    return " ".join(phonetic(t) for t in tokens(name))


@dataclass(frozen=True)
class PersonKeys:
    """What duplicate scoring compares about one person (all derived, nothing stored here).

    ``alt_given``/``alt_family``: the person's name as written in Arabic script (``name_arabic``,
    another spelling of the same name), its last word taken as the family name. ``heard``: for
    looking the person up only (never stored), ``(token, phonetic key)`` pairs of the registry's
    words in the other script that may write one of the person's tokens
    (:func:`app.registrants.sounding.heard_counting`).
    """

    given: tuple[str, ...]
    family: tuple[str, ...]
    date_of_birth: str | None = None
    sex: str | None = None
    phones: frozenset[str] = field(default_factory=frozenset)
    documents: frozenset[str] = field(default_factory=frozenset)
    typed_documents: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    place_of_birth: str | None = None
    origin_region: str | None = None
    arrival_date: str | None = None
    email: str | None = None
    host_city: str | None = None
    occupation: str | None = None
    alt_given: tuple[str, ...] = ()
    alt_family: tuple[str, ...] = ()
    heard: frozenset[tuple[str, str]] = frozenset()
    unverified_phones: frozenset[str] = frozenset()
    """The digits of the person's phones the desk could not verify (no E.164 form: a typo, a country
    code written wrong, a range ``phonenumbers`` does not know); :attr:`phones` holds the verified
    ones, in E.164."""

    def phone_ends(self) -> frozenset[str]:
        """The :func:`phone_end` of every phone, verified or not."""
        return frozenset(phone_end(only_digits(p)) for p in self.phones) | self.unverified_ends()

    def unverified_ends(self) -> frozenset[str]:
        """The :func:`phone_end` of each unverified phone."""
        return frozenset(phone_end(d) for d in self.unverified_phones)

    def spellings(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """``(given, family)`` tokens of each way the person's name is written: the names, then
        the name in Arabic script when there is one."""
        found = [(self.given, self.family)]
        if self.alt_given or self.alt_family:
            found.append((self.alt_given, self.alt_family))
        return found

    def name_tokens(self) -> tuple[str, ...]:
        """Every name token, in the names and in the name in Arabic script."""
        return (*self.given, *self.family, *self.alt_given, *self.alt_family)

    def readings(self, token: str) -> tuple[str, ...]:
        """The phonetic keys ``token`` is looked up under: its :func:`readings` and what was
        :attr:`heard` for it."""
        own = readings(token)
        extra = sorted(r for t, r in self.heard if t == token and r not in own)
        return (*own, *extra) if extra else own

    @classmethod
    def of(
        cls,
        *,
        given_names: str,
        family_name: str,
        date_of_birth: str | None = None,
        sex: str | None = None,
        phones: Iterable[str] = (),
        documents: Iterable[str] = (),
        typed_documents: Iterable[tuple[str, str]] = (),
        place_of_birth: str | None = None,
        origin_region: str | None = None,
        arrival_date: str | None = None,
        email: str | None = None,
        host_city: str | None = None,
        occupation: str | None = None,
        name_arabic: str | None = None,
        unverified_phones: Iterable[str] = (),
    ) -> PersonKeys:
        """Keys of one person; ``phones`` are verified numbers in E.164, ``unverified_phones`` the
        digits of the others (``registrant_phones.digits``; any other character is left out);
        ``typed_documents`` are ``(doc_type, number)`` pairs (their numbers are added to
        ``documents``); ``place_of_birth``, ``host_city`` and ``occupation`` are folded here;
        ``origin_region`` is a region code; ``name_arabic`` is split into :attr:`alt_given` and
        :attr:`alt_family` (its last word)."""
        typed = frozenset(typed_documents)
        alt = tuple(tokens(name_arabic)) if name_arabic else ()
        place = " ".join(tokens(place_of_birth)) if place_of_birth else None
        city = " ".join(tokens(host_city)) if host_city else None
        job = " ".join(tokens(occupation)) if occupation else None
        return cls(
            given=tuple(tokens(given_names)),
            family=tuple(tokens(family_name)),
            date_of_birth=date_of_birth,
            sex=sex,
            phones=frozenset(phones),
            documents=frozenset(documents) | {n for _, n in typed},
            typed_documents=typed,
            place_of_birth=place or None,
            origin_region=origin_region,
            arrival_date=arrival_date,
            email=email.casefold() if email else None,
            host_city=city or None,
            occupation=job or None,
            alt_given=alt[:-1],
            alt_family=alt[-1:],
            unverified_phones=frozenset(d for d in map(only_digits, unverified_phones) if d),
        )
