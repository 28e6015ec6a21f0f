"""Duplicate detection for registrants (DOMAIN.md "Names and duplicates").

Names are compared as token lists: Unicode NFC, case-folded, accents, apostrophes and hyphens
stripped (``app.core.text.fold``), a lone letter joined to the next token (``N'Diaye`` → ``ndiaye``,
``M'Baye`` → ``mbaye``). Each token then goes through a curated variant table of French colonial
and Wolof spellings (:data:`VARIANT_GROUPS`) and a small phonetic key tuned for French/Wolof
transcriptions (:func:`phonetic`). String similarity (Jaro-Winkler) comes from ``jellyfish``.

Scoring is :mod:`app.registrants.linkage` (Fellegi–Sunter with term-frequency adjustments),
explainable field by field. Nothing here ever merges records; the service shows candidates and an
agent decides.

Sy and Sylla are different lineages: they are neither in one variant group nor phonetically
equal, so they never count as the same name (at most a weak candidate on other evidence).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from anyascii import anyascii

from app.core.text import fold

# Curated spelling variants (DOMAIN.md). The first spelling of each group is its canonical form.
# Family names: French colonial and Wolof (CLAD orthography, decree 2005-992) spellings of the
# same name. Given names: Latin transcriptions of one Arabic name, as written in Senegal, Morocco
# and Mauritania (Mouhamadou/Mamadou/Modou are Senegalese forms of Muhammad), plus the
# vowel-less skeleton that transliterating Arabic script gives (``محمد`` → ``mhmd``). The Gambian
# (English-based) spellings of the same names are listed too (Njie, Jallow, Mbye, Ceesay, Touray,
# Sering): families straddle the border and their papers use them. A spelling added here changes
# the stored keys of the registrants carrying it: a migration re-keys them (see revision 1901).
VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ndiaye", "njaay", "ndiay", "njaye", "ndyay", "njay", "njy", "njie", "ndjie"),
    # "dioub": the French-style transcription of ديوب used on Moroccan and Mauritanian papers
    # (Arabic و written "ou"), the form an agent types from such a document
    ("diop", "joob", "djop", "dyop", "dywb", "diob", "dioub"),
    ("ndao", "ndaw"),
    ("diouf", "juuf", "dyuf"),
    ("thiam", "caam", "tiam"),
    ("seck", "sek"),
    ("mbaye", "mbay", "mbaay", "mbye"),
    ("fall", "faal", "fal"),
    ("sarr", "saar"),
    ("ba", "bah"),
    ("diallo", "jallo", "djallo", "jalo", "dyalw", "jallow", "jalow", "djallow", "diallow"),
    ("gueye", "gey", "guey"),
    (
        "mouhamadou",
        "mamadou",
        "mohamadou",
        "modou",
        "muhammad",
        "mouhammadou",
        "mohamed",
        "muhamadu",
        "mouhamed",
        "mohammed",
        "mohamad",
        "mohammad",
        "muhamed",
        "mouhammed",
        "mamadu",
        "mhmd",
    ),
    ("amadou", "ahmadou", "amadu", "ahmed", "ahmad", "hamadou", "hmd"),
    ("abdou", "abdoul", "abdul", "abdu", "bd"),
    ("abdoulaye", "abdallah", "abdullah", "abdoulahi", "abdullahi", "ablaay", "ablaye", "ablay", "ablaaye"),
    ("ibrahima", "ibrahim", "brahim", "ibrahym", "brhym"),
    ("oumar", "omar", "umar", "omer", "mr"),
    ("ousmane", "usman", "othmane", "outhmane", "osman", "thmn"),
    ("cheikh", "cheick", "shaykh", "cheik", "chaikh", "shykh", "sheikh", "sheik", "sheick", "seex"),  # Seex: Wolof
    ("souleymane", "suleymane", "soulaymane", "sulayman", "slymn"),
    ("daouda", "dawda", "daoud", "dawud", "dwd"),
    ("babacar", "boubacar", "aboubacar", "abubakar", "aboubakr", "bwbkr"),
    ("aissatou", "astou", "aissata", "aicha", "aisha", "ishh"),
    ("fatou", "fatu"),
    ("fatoumata", "fatimata", "fatumata", "fatima", "ftmh"),
    ("mariama", "mariam", "maryam", "mryam", "mrym"),
    ("aminata", "aminatou", "amina", "amynh"),
    ("khadidiatou", "khadija", "khadidja", "kadidiatou", "khdyjh"),
    ("ndeye", "ndey"),
    ("hadji", "hadj", "haj", "hajj"),
    ("elhadji", "elhadj", "elhaj", "alhaji", "alhadji"),
    (
        "cisse",
        "cise",
        "ceesay",
        "sesay",
        "sessay",
        "cesay",
        "cessay",
        "seesay",
    ),  # Ceesay, Sesay: The Gambia, Sierra Leone
    ("toure", "touray", "turay", "tourai"),
    ("serigne", "serin", "sering"),  # Sëriñ (Wolof), Sering (Gambian)
    ("thierno", "tierno", "ceerno", "cerno"),  # Ceerno (Pulaar)
    ("khadim", "xaadim", "xadim"),  # Xaadim (Wolof)
    ("cherif", "sherif", "sharif", "chrif", "shariff", "sharife", "sherriff", "sherrif"),
    ("moustapha", "mustapha", "mustafa", "mostafa", "moustafa", "mostapha"),
)

_CANONICAL: dict[str, str] = {variant: group[0] for group in VARIANT_GROUPS for variant in group}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VOWELS = "aeiou"

STRONG_THRESHOLD = 0.9
"""Match probability from which a candidate is labelled ``strong`` (else ``possible``)."""
MAX_CANDIDATES = 10
CACHE_SIZE = 1 << 16
"""Names, places and name tokens whose folded tokens and phonetic keys each process memoises."""


KEY_VALUE_LENGTH = 200
"""Characters of a match key's value kept (``registrant_keys.value``): every key is stored, looked
up and counted cut to it (a given name with a long family name can be longer), and so is every
name token and its phonetic key (transliterated, a name can grow: ``😀`` is ``grinning``)."""


def tokens(name: str) -> list[str]:
    """The folded tokens of a name; a lone letter is joined to the next token.

    Any script is first transliterated to ASCII by ``anyascii`` (https://github.com/anyascii/anyascii,
    ISC licence): Arabic script gives its consonant skeleton (``محمد ديوب`` → ``mhmd dywb``), which
    the variant table ties to the Latin spellings where it knows them.

    ``"N'Diaye"`` → ``["ndiaye"]``, ``"Ndèye Fatou"`` → ``["ndeye", "fatou"]``. Each token is cut to
    :data:`KEY_VALUE_LENGTH` characters.
    """
    return list(_tokens(name))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _tokens(name: str) -> tuple[str, ...]:
    # Memoised: a register or a registry repeats the same names and places thousands of times.
    raw = [_NON_ALNUM.sub("", t) for t in fold(anyascii(fold(name))).split(" ")]
    raw = [t for t in raw if t]
    out: list[str] = []
    pending = ""
    for tok in raw:
        if len(tok) == 1 and tok.isalpha():
            pending += tok
            continue
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
        if c == "q":
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
    At most :data:`KEY_VALUE_LENGTH` characters.
    """
    return (_rules(canonical(token)) or token)[:KEY_VALUE_LENGTH]


def phonetic_key(name: str) -> str:
    """Space-separated phonetic keys of every token of ``name``."""
    return " ".join(phonetic(t) for t in tokens(name))


@dataclass(frozen=True)
class PersonKeys:
    """What duplicate scoring compares about one person (all derived, nothing stored here)."""

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
    ) -> PersonKeys:
        """Keys of one person; ``typed_documents`` are ``(doc_type, number)`` pairs (their numbers
        are added to ``documents``); ``place_of_birth``, ``host_city`` and ``occupation`` are
        folded here; ``origin_region`` is a region code."""
        typed = frozenset(typed_documents)
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
        )
