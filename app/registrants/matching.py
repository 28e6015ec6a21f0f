"""Duplicate detection for registrants (DOMAIN.md "Names and duplicates").

Names are compared as token lists: Unicode NFC, case-folded, accents, apostrophes and hyphens
stripped (``app.core.text.fold``), a lone letter joined to the next token (``N'Diaye`` → ``ndiaye``,
``M'Baye`` → ``mbaye``). Each token then goes through a curated variant table of French colonial
and Wolof spellings (:data:`VARIANT_GROUPS`) and a small phonetic key tuned for French/Wolof
transcriptions (:func:`phonetic`). String similarity (Jaro-Winkler) comes from ``jellyfish``.

Scoring is explainable: :func:`score` returns a number in ``[0, 1]`` and the reasons behind it
(``same_document``, ``same_phone``, ``same_family_name``, ``name_variant``…). Nothing here ever
merges records; the service shows candidates and an agent decides.

Sy and Sylla are different lineages: they are neither in one variant group nor phonetically
equal, so they never count as the same name (at most a weak candidate on other evidence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import jellyfish

from app.core.text import fold

# Curated spelling variants (DOMAIN.md). The first spelling of each group is its canonical form.
VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ndiaye", "njaay", "ndiay", "njaye"),
    ("diop", "joob", "djop"),
    ("ndao", "ndaw"),
    ("diouf", "juuf"),
    ("thiam", "caam", "tiam"),
    ("seck", "sek"),
    ("mbaye", "mbay", "mbaay"),
    ("fall", "faal"),
    ("sarr", "saar"),
    ("ba", "bah"),
    ("diallo", "jallo", "djallo"),
    ("gueye", "gey", "guey"),
    ("mouhamadou", "mamadou", "mohamadou", "modou", "muhammad", "mouhammadou", "mohamed", "muhamadu"),
    ("amadou", "ahmadou", "amadu"),
    ("aissatou", "astou", "aissata"),
    ("ndeye", "ndey"),
    ("cisse", "cise"),
)

_CANONICAL: dict[str, str] = {variant: group[0] for group in VARIANT_GROUPS for variant in group}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VOWELS = "aeiou"

SIMILAR_THRESHOLD = 0.88
REPORT_THRESHOLD = 0.35
STRONG_THRESHOLD = 0.6
MAX_CANDIDATES = 10


def worth_showing(value: float, reasons: Iterable[str]) -> bool:
    """A candidate is shown from ``REPORT_THRESHOLD`` on, or whatever its score when it shares a
    phone or a document number with the person (an identifier in common is always worth a look)."""
    return value >= REPORT_THRESHOLD or bool({"same_phone", "same_document"} & set(reasons))


def tokens(name: str) -> list[str]:
    """The folded tokens of a name; a lone letter is joined to the next token.

    ``"N'Diaye"`` → ``["ndiaye"]``, ``"Ndèye Fatou"`` → ``["ndeye", "fatou"]``.
    """
    raw = [_NON_ALNUM.sub("", t) for t in fold(name).split(" ")]
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
    return out


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


def phonetic(token: str) -> str:
    """The phonetic key of one folded token (variant table first, then French/Wolof rules).

    ``ndiaye``, ``njaay`` → ``njai``; ``bah`` → ``ba``; ``sy`` → ``si`` but ``sylla`` → ``sila``.
    """
    return _rules(canonical(token)) or token


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
    ) -> PersonKeys:
        return cls(
            given=tuple(tokens(given_names)),
            family=tuple(tokens(family_name)),
            date_of_birth=date_of_birth,
            sex=sex,
            phones=frozenset(phones),
            documents=frozenset(documents),
        )


def _name_level(a: tuple[str, ...], b: tuple[str, ...]) -> str | None:
    """``same``, ``variant``, ``overlap``, ``similar`` or None for two token lists."""
    if not a or not b:
        return None
    if a == b:
        return "same"
    pa, pb = [phonetic(t) for t in a], [phonetic(t) for t in b]
    if pa == pb:
        return "variant"
    if set(pa) & set(pb):
        return "overlap"
    if jellyfish.jaro_winkler_similarity(" ".join(a), " ".join(b)) >= SIMILAR_THRESHOLD:
        return "similar"
    return None


def _birth(a: str | None, b: str | None) -> tuple[float, str | None]:
    if not a or not b:
        return 0.0, None
    if a == b and len(a) == 10:
        return 0.25, "same_birth_date"
    if a[:4] != b[:4]:
        return -0.3, "different_birth_year"
    if len(a) == 10 and len(b) == 10:
        return -0.15, "different_birth_date"
    if a[: min(len(a), len(b))] == b[: min(len(a), len(b))]:
        return 0.1, "same_birth_year"
    return -0.15, "different_birth_date"


_NAME_WEIGHTS = {
    "family": {"same": (0.2, "same_family_name"), "variant": (0.15, "name_variant"),
               "overlap": (0.08, "family_name_overlap"), "similar": (0.05, "similar_name")},
    "given": {"same": (0.2, "same_given_names"), "variant": (0.15, "name_variant"),
              "overlap": (0.08, "given_name_overlap"), "similar": (0.05, "similar_name")},
}  # fmt: skip


def score(new: PersonKeys, old: PersonKeys) -> tuple[float, list[str]]:
    """How likely ``old`` is the same person as ``new``: a score in ``[0, 1]`` and its reasons.

    Weights: same document +0.5, same phone +0.4, family and given names +0.2 each when equal
    (+0.15 spelling variant, +0.08 one token in common, +0.05 similar spelling), full birth date
    equal +0.25 (same year +0.1; a different year −0.3), different known sex −0.2.
    """
    total = 0.0
    reasons: list[str] = []
    if new.documents & old.documents:
        total += 0.5
        reasons.append("same_document")
    if new.phones & old.phones:
        total += 0.4
        reasons.append("same_phone")
    for part, a, b in (("family", new.family, old.family), ("given", new.given, old.given)):
        level = _name_level(a, b)
        if level is not None:
            weight, reason = _NAME_WEIGHTS[part][level]
            total += weight
            if reason not in reasons:
                reasons.append(reason)
    birth_weight, birth_reason = _birth(new.date_of_birth, old.date_of_birth)
    total += birth_weight
    if birth_reason:
        reasons.append(birth_reason)
    if new.sex in ("female", "male") and old.sex in ("female", "male") and new.sex != old.sex:
        total -= 0.2
        reasons.append("different_sex")
    return round(max(0.0, min(1.0, total)), 2), reasons


def strength(value: float) -> str:
    """``strong`` (≥ 0.6) or ``possible``: a label for the agent, never a decision."""
    return "strong" if value >= STRONG_THRESHOLD else "possible"
