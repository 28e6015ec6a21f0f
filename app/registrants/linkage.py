"""Fellegi–Sunter scoring of a possible duplicate, with term-frequency adjustments.

Sources: I. P. Fellegi and A. B. Sunter, "A Theory for Record Linkage", JASA 64 (1969); and the way
Splink implements it (https://moj-analytical-services.github.io/splink/, topic guides "The
Fellegi-Sunter model", "m and u probabilities" and "Term-frequency adjustments").

Each field of two records is compared into one *level* (``exact``, ``variant``, ``year``…). A level
has an ``m`` probability (how often two records *of the same person* land there: how people and
clerks write things, the values of :data:`M`) and a ``u`` probability (how often two records *of
different people* do by chance). The level adds ``log2(m / u)`` bits to the match weight: positive
for evidence for, negative for evidence against, zero for a missing value. The ``u`` of agreeing
on a name, a place, a phone is not a constant but the share of the registry carrying that value
(Splink's term-frequency adjustment, ``u = tf(value)``), so agreeing on ``Diop`` weighs less than
on ``Badji``. Frequencies come from the registry's own match keys (:mod:`app.registrants.keys`).

The prior is the probability that two records picked at random are the same person,
``λ = RETURN_RATE / N`` in a registry of ``N`` people (one person in ``1 / RETURN_RATE`` comes
back and is registered again), so the bar rises as the registry grows and precision holds. The
match probability is ``1 / (1 + 2^-W)`` with ``W = log2(λ / (1 - λ)) + Σ field weights``.

E-mail addresses are not compared: registers build them from the person's names
(``fatou.diop12@…``), so agreeing on one is not evidence independent of the names (the model
assumes fields independent given match status).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import jellyfish

from app.registrants import compounds
from app.registrants.arabic import ARABIC_MARK, is_arabic
from app.registrants.matching import KEY_VALUE_LENGTH, PersonKeys, agree, phonetic
from app.registrants.pool import Known
from app.registrants.schemas import DuplicateCandidate, FieldComparison

RETURN_RATE = 0.05
"""Assumed share of registrations that are a person already in the registry (the prior)."""

FLAG_PROBABILITY = 0.5
"""A candidate at or above this match probability is a likely duplicate (import flags the row)."""

SIMILAR = 0.9
"""Jaro–Winkler similarity from which two differently written names count as ``similar``."""
NAME_LEVELS_CACHE = 65_536
"""Name pairs whose level is remembered (:func:`_name_level`; a few hundred bytes each)."""

# m probabilities: how the same person's two records compare (chosen from how registers are kept:
# names re-spelled by another clerk, compound given names shortened, birth dates unknown or
# approximated as a year, sex mis-keyed, phones changed, passports renewed). The ``u`` of the
# non-agreeing levels is the chance that two different people land there.
# Phones: half of a person's two records share a number (people change phones). A number the desk
# could not verify (no E.164 form) agrees with the other's by its last 9 digits only (``last_digits``,
# ``app.registrants.matching.PHONE_END``): the same person's two records land there half as often
# as two verified numbers agree in full (an unverified number is more often mistyped or written from
# memory, so the person's other record holds another number), so at the same term frequency (its u,
# the share of registrants with a phone ending so) it weighs one bit less than ``exact``. The m of
# the phone levels add up to 1 (``different`` is never counted: a changed phone is no evidence).
M: Mapping[str, Mapping[str, float]] = {
    "given_names": {"exact": 0.70, "variant": 0.17, "swapped": 0.17, "partial": 0.08, "similar": 0.04,
                    "different": 0.01},
    "family_name": {"exact": 0.80, "variant": 0.15, "swapped": 0.15, "partial": 0.02, "similar": 0.025,
                    "different": 0.005},
    "date_of_birth": {"exact": 0.90, "month": 0.90, "year": 0.05, "close": 0.05, "near_year": 0.03,
                      "different": 0.02},
    "approximate_year": {"year": 0.75, "different": 0.25},
    "sex": {"exact": 0.95, "different": 0.05},
    "document": {"exact": 0.98, "different": 0.02},
    "phone": {"exact": 0.5, "last_digits": 0.25, "different": 0.25},
    "place_of_birth": {"exact": 0.85, "different": 0.15},
    "origin_region": {"exact": 0.85, "different": 0.15},
    "arrival_date": {"exact": 0.70, "different": 0.30},
    "host_city": {"exact": 0.75, "different": 0.25},
    "occupation": {"exact": 0.6, "different": 0.4},
}  # fmt: skip
U_FIXED: Mapping[str, Mapping[str, float]] = {
    "given_names": {"similar": 0.01, "different": 0.9},
    "family_name": {"partial": 0.01, "similar": 0.01, "different": 0.9},
    # birth dates spread over about 50 years of adult registrants; "year": the same year, another
    # of its 11 months (a date known to the month against another date)
    "date_of_birth": {"exact": 1 / 18_000, "month": 1 / 600, "year": 11 / 600, "close": 1 / 400, "near_year": 2 / 50,
                      "different": 0.95},
    "approximate_year": {"year": 1 / 50, "different": 0.98},
    "sex": {"exact": 0.5, "different": 0.5},
    "document": {"exact": 1e-7, "different": 1.0},
    "phone": {"different": 1.0},
    "place_of_birth": {"different": 0.8},
    "origin_region": {"different": 0.8},
    "arrival_date": {"exact": 1 / 7_000, "different": 1.0},
    "host_city": {"different": 0.85},
    "occupation": {"different": 0.9},
}  # fmt: skip


SMOOTHING = 100
"""Pseudo-records of additive smoothing: a small registry's frequencies lean on :data:`TYPICAL`."""

TYPICAL: Mapping[str, float] = {
    "g": 0.02, "f": 0.03, "n": 0.02, "b": 0.1, "r": 0.08, "c": 0.1, "o": 0.1, "t": 1e-4, "p": 1e-4,
}  # fmt: skip
"""Typical share of one value per key kind (a given name, a family name, a name token, a place of
birth, a region, a phone shared by a household) before the registry has data of its own."""

_WORDS = frozenset({"g", "f", "n", "b", "c", "o"})
"""Kinds of term whose values are folded words (a phone's reversed digits may start with a 9)."""

SHOW_PROBABILITY = 0.2
"""At registration a candidate is shown from this match probability (or sharing a phone or a
document number): the agent at the counter decides, a few false alarms cost little."""


class Frequencies:
    """Term frequencies of match keys, ``share(kind, value)``: the share of registrants carrying
    a value, smoothed ``(n + K·typical) / (N + K)`` with ``K =`` :data:`SMOOTHING` (additive
    smoothing, so that a registry of three people does not believe every name is common).

    ``counts`` maps a key ``(kind, value)`` (see :mod:`app.registrants.keys`) to how many people
    carry it (the record being compared included); ``total`` is the registry's size ``N``.
    """

    def __init__(self, counts: Mapping[tuple[str, str], int], total: int) -> None:
        self.counts = counts
        self.total = max(total, 1)

    def share(self, kind: str, value: str) -> float:
        """The smoothed share of registrants carrying ``value``; a value spelled in Arabic script is
        never rarer than :data:`TYPICAL` (few registrants are written in Arabic script: its count
        says how few are *written so*, not how few bear the name)."""
        n = max(self.counts.get((kind, value[:KEY_VALUE_LENGTH]), 0), 1)  # counted as stored
        share = (n + SMOOTHING * TYPICAL[kind]) / (self.total + SMOOTHING)
        if kind in _WORDS and (is_arabic(value) or f" {ARABIC_MARK}" in value):
            return max(share, TYPICAL[kind])
        return share

    def prior_weight(self) -> float:
        """``log2(λ / (1 - λ))`` with ``λ = RETURN_RATE / N`` (at most 0.5)."""
        lam = min(RETURN_RATE / self.total, 0.5)
        return math.log2(lam / (1 - lam))


@dataclass(frozen=True)
class Comparison:
    """One field's comparison: its level and the bits it added (``log2(m / u)``)."""

    field: str
    level: str
    weight: float
    m: float
    u: float


@dataclass(frozen=True)
class Match:
    """The match weight (bits, prior included), the match probability and every comparison."""

    weight: float
    probability: float
    prior: float
    comparisons: tuple[Comparison, ...]

    def agreeing(self, field: str) -> bool:
        return any(c.field == field and c.weight > 0 for c in self.comparisons)


@functools.lru_cache(maxsize=1 << 14)
def _cmp(field: str, level: str, u: float | None = None) -> Comparison:
    m = M[field][level]
    u = U_FIXED[field][level] if u is None else u
    u = min(max(u, 1e-9), 1.0)
    return Comparison(field, level, round(math.log2(m / u), 2), m, round(u, 9))


def _digits_reversed(e164: str) -> str:
    return "".join(c for c in e164 if c.isdigit())[::-1]


def phonetic_tokens(tokens: tuple[str, ...]) -> list[str]:
    """The phonetic key of each folded name token."""
    return [phonetic(t) for t in tokens]


def _names(
    field: str, a: tuple[str, ...], b: tuple[str, ...], freq: Frequencies, *, alternative: bool = False
) -> Comparison | None:
    """Two names (folded tokens) compared: the level of :func:`_name_level`, weighed by the
    frequency of what they agree on."""
    if not a or not b:
        return None
    level, kind, values = _name_level(field, a, b, alternative)
    return _cmp(field, level, min(freq.share(kind, v) for v in values) if values else None)


@functools.lru_cache(maxsize=NAME_LEVELS_CACHE)
def _name_level(
    field: str, a: tuple[str, ...], b: tuple[str, ...], alternative: bool
) -> tuple[str, str, tuple[str, ...]]:
    """``(level, kind, values)``: how names ``a`` and ``b`` (both non-empty) agree, and the keys
    whose rarest share is the evidence (none: the level's fixed ``u``). Depends on the names only,
    so it is remembered: a registration in a large registry compares the same common names with
    many candidates."""
    if alternative or any(is_arabic(t) for t in (*a, *b)):
        return _across(field, a, b, alternative=alternative)
    kind = "g" if field == "given_names" else "f"
    pa, pb = phonetic_tokens(a), phonetic_tokens(b)
    whole = " ".join(pa)
    if a == b:
        return "exact", kind, (whole,)
    joined = "".join(pa) == "".join(pb) or _joined(a) == _joined(b) or compounds.agree(a, b)
    if pa == pb or sorted(pa) == sorted(pb) or joined:
        return "variant", kind, (whole,)
    shared = tuple(t for t in pa if t in pb)
    if shared:  # "Ndèye Fatou" written "Ndèye": the rarest shared token is the evidence
        return "partial", "n", shared if field == "given_names" else ()
    if jellyfish.jaro_winkler_similarity(" ".join(a), " ".join(b)) >= SIMILAR:
        return "similar", kind, ()
    return "different", kind, ()


def _joined(tokens: tuple[str, ...]) -> str:
    """The phonetic key of a name's tokens written as one word: a compound given name is joined
    (``Mamediarra``, ``Abdoulaziz``) where another register parts it, and a word keyed alone loses
    what the joined word keeps (the final e of ``Mame``, the l of ``Abdoul``)."""
    return phonetic("".join(tokens)[:KEY_VALUE_LENGTH])


def _matched(a: tuple[str, ...], b: tuple[str, ...]) -> list[str] | None:
    """The phonetic keys every token of ``a`` agrees on with a token of ``b`` of its own (each used
    once; the same number of tokens), or None."""
    if len(a) != len(b):
        return None
    for order in itertools.permutations(range(len(b))) if len(b) <= 4 else [range(len(b))]:
        found = [agree(x, b[j]) for x, j in zip(a, order, strict=True)]
        if all(found):
            return [k for k in found if k]
    return None


def _across(
    field: str, a: tuple[str, ...], b: tuple[str, ...], *, alternative: bool
) -> tuple[str, str, tuple[str, ...]]:
    """A name compared across scripts (:func:`app.registrants.matching.agree`), or through the name
    in Arabic script (``alternative``: then at most a ``variant``, another spelling of the name), as
    :func:`_name_level`. The evidence is the frequency of what the names agree on: the Latin
    spelling's phonetic key when there is one (an Arabic-script value never rarer than typical, see
    :meth:`Frequencies.share`)."""
    kind = "g" if field == "given_names" else "f"
    if a == b:
        return ("variant" if alternative else "exact"), kind, (" ".join(phonetic_tokens(a)),)
    matched = _matched(a, b)
    one, many = (a, b) if len(a) == 1 else (b, a)
    if matched is None and len(one) == 1 < len(many) and not any(is_arabic(t) for t in many):
        joined = agree(one[0], "".join(many))  # الحاج / El Hadji: one word against several
        matched = [joined] if joined else None
    if matched:
        return "variant", "n", tuple(matched)
    shared = tuple(k for x in a for y in b if (k := agree(x, y)))
    if shared:
        return "partial", "n", shared if field == "given_names" else ()
    latin = not any(is_arabic(t) for t in (*a, *b))
    if latin and jellyfish.jaro_winkler_similarity(" ".join(a), " ".join(b)) >= SIMILAR:
        return "similar", kind, ()
    return "different", kind, ()


def _best(field: str, new: PersonKeys, old: PersonKeys, freq: Frequencies) -> Comparison | None:
    """The names' comparison: the names as registered, or (the better of) either person's name in
    Arabic script against the other's names, capped at ``variant``."""
    attr, alt = ("given", "alt_given") if field == "given_names" else ("family", "alt_family")
    found = _names(field, getattr(new, attr), getattr(old, attr), freq)
    if not (getattr(new, alt) or getattr(old, alt)):
        return found
    for x, y in ((alt, attr), (attr, alt), (alt, alt)):
        other = _names(field, getattr(new, x), getattr(old, y), freq, alternative=True)
        if other is not None and (found is None or other.weight > found.weight):
            found = other
    return found


_AGREEING = frozenset({"exact", "variant"})


def _crossed(new: PersonKeys, old: PersonKeys, freq: Frequencies) -> tuple[Comparison, Comparison] | None:
    """The names compared across their columns, for a name typed in the other's field: ``new``'s
    family name against ``old``'s given names and its given names against ``old``'s family name.
    Each agreement weighs at most another spelling's (a swap is about as rare as a re-spelling:
    both agreeing cost about 4.5 bits against both exact), at level ``swapped``; None unless both
    agree and one at least as a whole name. The frequency weighed is the value's in ``old``'s
    column, where it belongs."""
    given = _names("given_names", new.family, old.given, freq, alternative=True)
    family = _names("family_name", new.given, old.family, freq, alternative=True)
    if given is None or family is None or "variant" not in (given.level, family.level):
        return None
    if "different" in (given.level, family.level):
        return None
    return tuple(dataclasses.replace(c, level="swapped") if c.level == "variant" else c for c in (given, family))  # type: ignore[return-value]


def _birth(a: str | None, b: str | None) -> Comparison | None:
    if not a or not b:
        return None
    if len(a) == 10 and len(b) == 10:
        if a == b:
            return _cmp("date_of_birth", "exact")
        ya, ma, da = a.split("-")
        yb, mb, db = b.split("-")
        if ya == yb and (ma == mb or da == db or (ma, da) == (db, mb)):
            return _cmp("date_of_birth", "close")  # a mis-keyed day or month, or day and month swapped
        if ma == mb and da == db and jellyfish.damerau_levenshtein_distance(ya, yb) == 1:
            return _cmp("date_of_birth", "close")
        return _cmp("date_of_birth", "different")
    if len(a) == 4 or len(b) == 4:  # a year alone is often an estimate ("vers 1985")
        return _cmp("approximate_year", "year" if a[:4] == b[:4] else "different")
    # one of them known to the month only ("1990-05"): its levels' m add up to 1, like a full date's
    if a[:7] == b[:7]:
        return _cmp("date_of_birth", "month")
    if a[:4] == b[:4]:  # another month of the same year: a mis-keyed month, as likely as ``close``
        return _cmp("date_of_birth", "year")
    if abs(int(a[:4]) - int(b[:4])) == 1:
        return _cmp("date_of_birth", "near_year")
    return _cmp("date_of_birth", "different")


def _value(field: str, kind: str, a: str | None, b: str | None, freq: Frequencies | None) -> Comparison | None:
    if not a or not b:
        return None
    if a == b:
        return _cmp(field, "exact", freq.share(kind, a) if freq is not None else None)
    return _cmp(field, "different")


def _unverified_agreement(new: PersonKeys, old: PersonKeys) -> frozenset[str]:
    """The phone ends (:func:`app.registrants.matching.phone_end`) an unverified phone of either
    person shares with any phone of the other (two verified numbers agree only in full)."""
    if not new.unverified_phones and not old.unverified_phones:
        return frozenset()
    return (new.unverified_ends() & old.phone_ends()) | (new.phone_ends() & old.unverified_ends())


def compare(new: PersonKeys, old: PersonKeys, freq: Frequencies) -> Match:
    """Compare two people field by field (see the module docstring); missing values weigh 0."""
    names = (_best("given_names", new, old, freq), _best("family_name", new, old, freq))
    # names agreeing in their own columns are read so (read across them they would weigh no more)
    if not all(c is not None and c.level in _AGREEING for c in names):
        crossed = _crossed(new, old, freq)
        if crossed is not None and sum(c.weight for c in crossed) > sum(c.weight for c in names if c is not None):
            names = crossed
    found: list[Comparison | None] = [*names, _birth(new.date_of_birth, old.date_of_birth)]
    if new.sex in ("female", "male") and old.sex in ("female", "male"):
        found.append(_cmp("sex", "exact" if new.sex == old.sex else "different"))
    shared_types = {t for t, _ in new.typed_documents} & {t for t, _ in old.typed_documents}
    if new.documents & old.documents:
        found.append(_cmp("document", "exact"))
    elif shared_types:
        found.append(_cmp("document", "different"))
    if new.phones & old.phones:
        found.append(_cmp("phone", "exact", min(freq.share("t", _digits_reversed(p)) for p in new.phones & old.phones)))
    elif ends := _unverified_agreement(new, old):
        found.append(_cmp("phone", "last_digits", min(freq.share("p", end) for end in ends)))
    found.append(_value("place_of_birth", "b", new.place_of_birth, old.place_of_birth, freq))
    found.append(_value("origin_region", "r", new.origin_region, old.origin_region, freq))
    found.append(_value("host_city", "c", new.host_city, old.host_city, freq))
    found.append(_value("occupation", "o", new.occupation, old.occupation, freq))
    found.append(_value("arrival_date", "", new.arrival_date, old.arrival_date, None))
    comparisons = tuple(c for c in found if c is not None)
    prior = freq.prior_weight()
    weight = prior + sum(c.weight for c in comparisons)
    probability = 1 / (1 + 2 ** (-weight))
    return Match(round(weight, 2), probability, round(prior, 2), comparisons)


REASONS = {
    ("document", "exact"): "same_document",
    ("phone", "exact"): "same_phone",
    ("phone", "last_digits"): "same_phone_last_digits",
    ("family_name", "exact"): "same_family_name",
    ("family_name", "variant"): "name_variant",
    ("family_name", "partial"): "family_name_overlap",
    ("family_name", "similar"): "similar_name",
    ("given_names", "exact"): "same_given_names",
    ("given_names", "variant"): "name_variant",
    ("given_names", "swapped"): "names_swapped",
    ("family_name", "swapped"): "names_swapped",
    ("given_names", "partial"): "given_name_overlap",
    ("given_names", "similar"): "similar_name",
    ("date_of_birth", "exact"): "same_birth_date",
    ("date_of_birth", "month"): "same_birth_month",
    ("date_of_birth", "year"): "same_birth_year",
    ("approximate_year", "year"): "same_birth_year",
    ("date_of_birth", "close"): "close_birth_date",
    ("date_of_birth", "near_year"): "different_birth_year",
    ("date_of_birth", "different"): "different_birth_date",
    ("approximate_year", "different"): "different_birth_year",
    ("sex", "different"): "different_sex",
    ("document", "different"): "different_document",
    ("place_of_birth", "exact"): "same_place_of_birth",
    ("origin_region", "exact"): "same_origin_region",
    ("arrival_date", "exact"): "same_arrival_date",
    ("host_city", "exact"): "same_host_city",
    ("occupation", "exact"): "same_occupation",
}


def reasons(match: Match) -> list[str]:
    """The short reason codes of a match (``same_document``, ``name_variant``…), in field order."""
    out: list[str] = []
    for c in match.comparisons:
        reason = REASONS.get((c.field, c.level))
        if reason and reason not in out:
            out.append(reason)
    return out


MERGED_FILE = "merged_file"
"""The reason code that ends a candidate's reasons when a file merged into it matched (:func:`candidate`)."""


def best_match(new: PersonKeys, known: Known, freq: Frequencies) -> tuple[Match, str | None]:
    """``new`` compared with ``known`` under its own keys and under each of its other spellings
    (the files merged into it): the best match, and the registration number of the merged file
    whose spelling gave it (None: the file's own keys; they win a tie)."""
    best, through = compare(new, known.keys, freq), None
    for spelling in known.spellings:
        match = compare(new, spelling.keys, freq)
        if match.probability > best.probability:
            best, through = match, spelling.registration_number
    return best, through


def shown_score(probability: float) -> float:
    """The match probability on 3 decimals, a probability below 1 at most ``0.999``: rounded up to
    ``1.0`` (``0.9996``, Mamadou Bah and Mamadou Ba of one birth year and phone) it would read as a
    certainty, "100 %" beside "nom proche"."""
    return round(probability, 3) if probability >= 1 else min(round(probability, 3), 0.999)


def candidate(match: Match, known: Known, through: str | None = None) -> DuplicateCandidate:
    """The API's view of ``known`` scored by ``match`` (``score``: :func:`shown_score`); ``through``:
    the merged file whose spelling matched (:func:`best_match`), then the last reason is
    :data:`MERGED_FILE` (the values compared are that file's, not those shown)."""
    score = shown_score(match.probability)
    return DuplicateCandidate(
        id=known.id,
        registration_number=known.registration_number,
        desk_id=known.desk_id,
        given_names=known.given_names,
        family_name=known.family_name,
        date_of_birth=known.date_of_birth,
        sex=known.sex,
        score=score,
        strength=DuplicateCandidate.strength_of(score),
        reasons=[*reasons(match), *([MERGED_FILE] if through else [])],
        through=through,
        match_weight=match.weight,
        prior_weight=match.prior,
        comparisons=[FieldComparison(field=c.field, level=c.level, weight=c.weight, m=c.m, u=c.u)
                     for c in match.comparisons],
    )  # fmt: skip


def shares_identifier(match: Match) -> bool:
    """Whether the two records share a phone (in full, or by its last digits when one is
    unverified) or an identity document number."""
    return any(
        (c.field, c.level) in (("phone", "exact"), ("phone", "last_digits"), ("document", "exact"))
        for c in match.comparisons
    )
