"""Parsers for the cells of a legacy register, as written by hand in French-locale spreadsheets.

Pure functions, no database. Each raises ``ValueError`` with an English reason when a cell
cannot be understood; the row mapper decides whether that rejects the row or drops the field.

Dates
    ``dd/mm/yyyy``, ``dd.mm.yyyy``, ``dd-mm-yyyy``, ``yyyy-mm-dd``, the same with a two-digit
    year, a month and a year (``05/1979``, ``05/79``), a year alone (``1985``), ``vers 1985`` /
    ``env. 1985`` / ``~1985`` (→ ``1985``) and unknown day or month written as zeros
    (``00/00/1979`` → ``1979``, ``00/05/1979`` → ``1979-05``). Results are partial ISO 8601
    strings: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

Dates written out (:data:`MONTH_LOCALES`)
    A day, a month name and a year (``14 mai 1990``, ``1er janvier 1985``, ``14-mai-90`` as
    Excel's ``j-mmm-aa`` writes it, ``May 14, 1990``), or a month name and a year (``mai 1990``
    → ``1990-05``). Month names are those of the French locales the desks' spreadsheets use
    (``fr``, as in Senegal, and ``fr_MA``) and of English (the importer also reads ``circa``,
    ``male``, ``female``), full or abbreviated as each locale writes them (``janv.``, ``févr.``,
    ``fév.``, ``Sept``), from babel's CLDR data; case, accents and the abbreviation's dot are
    ignored (``FEVRIER``, ``aout``, ``Déc``). An abbreviation that begins two months' names is
    refused (``fr_MA``'s ``jui.`` for juin also begins juillet).

Two-digit years (the pivot)
    A two-digit year means the most recent year ending in those digits that is not after a
    reference year: ``20yy`` when ``2000 + yy <= reference``, otherwise ``19yy``. The reference
    is the year the event cannot be later than: for the registration date, the current year;
    for a date of birth or an arrival in Morocco, the year of the row's registration (a person
    registered in 2019 with ``03`` was born in 2003, with ``68`` in 1968). Python's ``%y`` pivot
    (69) would put a 1968 birth in 2068, hence this rule. The reading keeps the year of the other
    century (:attr:`LegacyDate.other_year`): whether that century was an assumption the import
    report must state is the row mapper's call (:mod:`app.imports.row_dates`). A month followed
    by a two-digit number that could be a day (``12/05``, ``mai 14``: the 14th of May, or May
    2014?) is refused, its year asked for with four digits; ``05/90`` and ``mai 90`` are May 1990.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

from babel.dates import get_month_names

from app.core.explained import Explained
from app.core.text import clean, fold, normalise_typed_identifier

_DMY = re.compile(r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")
_YEAR_MONTH = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})$")
_YEAR = re.compile(r"^(?:vers|env\.?|environ|ca\.?|circa|~|né en|nee en|née en|en)?\s*(\d{4})$", re.IGNORECASE)
_WRITTEN_OUT = re.compile(r"[a-z0-9\s,/]*")  # a folded date with a month name: nothing but these
_TOKEN = re.compile(r"[a-z]+|\d+")
_ORDINALS = frozenset({"er", "st", "nd", "rd", "th"})  # 1er janvier; May 1st, 2nd, 3rd, 14th

MONTH_LOCALES = ("fr", "fr_MA", "en")
"""The locales whose month names a register's dates may be written with (babel's CLDR data)."""


@dataclass(frozen=True)
class LegacyDate:
    """A register's date cell as read: ``value`` is partial ISO 8601 (``YYYY``, ``YYYY-MM``,
    ``YYYY-MM-DD``), ``typed`` the cell as written (trimmed), ``other_year`` the year the same two
    digits give in the other century when the year was written with two digits (else None)."""

    value: str
    typed: str
    other_year: int | None = None

    def in_other_century(self) -> str | None:
        """``value`` in :attr:`other_year`; None when the year had four digits or when that day does
        not exist in the other century (29 February 2000 has no 1900 counterpart)."""
        if self.other_year is None:
            return None
        rest = self.value[4:]
        if rest.endswith("-02-29") and not calendar.isleap(self.other_year):
            return None
        return f"{self.other_year:04d}{rest}"


def expand_year(two_digits: int, *, reference_year: int) -> int:
    """``yy`` → ``20yy`` if that is not after ``reference_year``, else ``19yy`` (see the module doc)."""
    candidate = 2000 + two_digits
    return candidate if candidate <= reference_year else 1900 + two_digits


def _month_key(name: str) -> str:
    return fold(name).replace(" ", "")


@functools.cache
def _month_numbers() -> dict[str, int]:
    """Month names as :data:`MONTH_LOCALES` write them, folded (``"fevr"``, ``"aout"``, ``"sept"``)
    → the month's number; names that begin two months' full names are left out (see the module doc)."""
    found: dict[str, set[int]] = {}
    full: dict[str, int] = {}
    for locale in MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    found.setdefault(_month_key(name), set()).add(number)
                    if width == "wide":
                        full[_month_key(name)] = number
    return {
        key: number
        for key, (number, *others) in found.items()
        if not others and {n for name, n in full.items() if name.startswith(key)} <= {number}
    }


def _may_be_a_day(two_digits: str) -> bool:
    return 1 <= int(two_digits) <= 31


def _ambiguous(value: str) -> Explained:
    return Explained(
        f"{value!r} may be a day and a month without a year: write the year with four digits",
        f"« {value} » peut être un jour et un mois sans année : écrivez l'année sur quatre chiffres",
    )


def _kind(token: str) -> str:
    """``m`` a month name, ``n`` one or two digits (a day, or a two-digit year), ``y`` four digits."""
    if token in _month_numbers():
        return "m"
    if token.isdigit() and len(token) in (1, 2, 4):
        return "y" if len(token) == 4 else "n"
    return "?"


def _written_out(value: str) -> tuple[int, int, str] | None:
    """``(day, month, year as written)`` of a date written with a month name (day 0: none), or
    None when ``value`` is not one. Raises ``ValueError`` for a month name followed by a two-digit
    number alone (``mai 14``: the 14th of May, or May 2014?)."""
    folded = fold(value)
    if not _WRITTEN_OUT.fullmatch(folded):
        return None
    tokens = _TOKEN.findall(folded)
    tokens = [t for i, t in enumerate(tokens) if not (t in _ORDINALS and i and tokens[i - 1].isdigit())]
    shape = "".join(_kind(t) for t in tokens)
    if shape in ("nmy", "nmn"):  # 14 mai 1990, 1er janvier 1985, 14-mai-90
        day, month, year = tokens
    elif shape in ("mny", "mnn"):  # May 14, 1990
        month, day, year = tokens
    elif shape in ("my", "mn"):  # mai 1990, mai 90
        (month, year), day = tokens, "0"
        if len(year) == 2 and _may_be_a_day(year):
            raise _ambiguous(value)
    else:
        return None
    return int(day), _month_numbers()[month], year


def read_legacy_date(raw: str, *, reference_year: int, allow_partial: bool = True) -> LegacyDate | None:
    """A register date cell → :class:`LegacyDate`, or None if blank (forms: the module doc).

    Raises ``ValueError`` (:class:`~app.core.explained.Explained`: English and French) for an
    unrecognised shape, an impossible date (``31/02/1990``, month 13, a year outside 1900–2100),
    a month and a two-digit number that may be a day (``12/05``), and for a partial date when
    ``allow_partial`` is false.
    """
    value = clean(raw)
    if not value:
        return None
    digits: str
    month = day = 0
    if m := _YMD.match(value):
        digits, month, day = m.group(1), int(m.group(3)), int(m.group(4))
    elif m := _DMY.match(value):
        day, month, digits = int(m.group(1)), int(m.group(3)), m.group(4)
    elif m := _YEAR_MONTH.match(value):
        month, digits = int(m.group(1)), m.group(2)
        if len(digits) == 2 and _may_be_a_day(digits):
            raise _ambiguous(value)
    elif m := _YEAR.match(value):
        digits = m.group(1)
    elif found := _written_out(value):
        day, month, digits = found
    else:
        raise Explained(f"unrecognised date {value!r}", f"date non reconnue « {value} »")
    other_year = None
    if len(digits) == 2:
        year = expand_year(int(digits), reference_year=reference_year)
        other_year = year - 100 if year >= 2000 else year + 100
    else:
        year = int(digits)
    if not 1900 <= year <= 2100:
        raise Explained(f"impossible year in {value!r}", f"année impossible dans « {value} »")
    if month == 0 and day != 0:
        raise Explained(f"a day without a month in {value!r}", f"un jour sans mois dans « {value} »")
    if not 0 <= month <= 12:
        raise Explained(f"impossible month in {value!r}", f"mois impossible dans « {value} »")
    if month and day:
        try:
            return LegacyDate(dt.date(year, month, day).isoformat(), value, other_year)
        except ValueError as exc:
            raise Explained(f"impossible date {value!r}", f"date impossible « {value} »") from exc
    if not allow_partial:
        raise Explained(f"incomplete date {value!r}", f"date incomplète « {value} »")
    return LegacyDate(f"{year:04d}-{month:02d}" if month else f"{year:04d}", value, other_year)


def parse_legacy_date(raw: str, *, reference_year: int, allow_partial: bool = True) -> str | None:
    """:func:`read_legacy_date`'s partial ISO 8601 value (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``), or
    None if blank; raises as it does."""
    reading = read_legacy_date(raw, reference_year=reference_year, allow_partial=allow_partial)
    return reading.value if reading else None


def partial_date_span(partial: str) -> tuple[dt.date, dt.date]:
    """The first and the last day a partial ISO date can mean (``1985`` → 1985-01-01, 1985-12-31)."""
    year, month, day = ([int(p) for p in partial.split("-")] + [0, 0])[:3]
    if day:
        one = dt.date(year, month, day)
        return one, one
    if month:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return dt.date(year, month, 1), following - dt.timedelta(days=1)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


_SEX = {
    "m": "male",
    "h": "male",
    "homme": "male",
    "masculin": "male",
    "male": "male",
    "garcon": "male",
    "f": "female",
    "femme": "female",
    "feminin": "female",
    "female": "female",
    "fille": "female",
}


def parse_sex(raw: str) -> str:
    """``M``, ``H``, ``Homme`` → ``male``; ``F``, ``f``, ``Femme`` → ``female``; blank → ``unknown``.

    Case, accents, dots and spaces are ignored (``"m."``, ``" Féminin "``). Raises
    ``ValueError`` for anything else.
    """
    key = fold(raw).replace(" ", "")
    if not key:
        return "unknown"
    try:
        return _SEX[key]
    except KeyError:
        raise Explained(f"unrecognised sex {clean(raw)!r}", f"sexe non reconnu « {clean(raw)} »") from None


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def readable_name(raw: str) -> str:
    """A name written all in capitals, made readable; any other name kept as written (NFC, trimmed).

    ``"KANE"`` → ``"Kane"``, ``"MANÉ"`` → ``"Mané"``, ``"N'DIAYE"`` → ``"N'Diaye"``,
    ``"DIOP-SECK"`` → ``"Diop-Seck"``; ``"Lô"`` and ``"McKane"`` stay as they are. Accents,
    apostrophes and hyphens (the spelling) are never changed, only the letter case.
    """
    value = clean(raw)
    letters = [c for c in value if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return value
    return _WORD.sub(lambda m: m.group(0)[0] + m.group(0)[1:].lower(), value)


_PHONE_SPLIT = re.compile(r"\s*(?:[/;,|]|\bou\b|\bet\b|\n)\s*", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
NO_PHONE = frozenset({"pas de telephone", "pas de tel", "neant", "aucun", "sans", "sans telephone", "na", "n a"})


def split_phones(raw: str) -> list[str]:
    """The phone numbers written in one cell: several may be separated by ``/``, ``;``, ``,``,
    ``|``, "ou", "et" or a line break. ``"pas de téléphone"`` and other explicit "none" → ``[]``.

    Pieces are returned as written (trimmed); parsing them is the caller's job. A piece with no
    digit at all is returned too, so that the caller can warn about it.
    """
    value = normalise_typed_identifier(raw)  # direction marks, Unicode spaces and dashes (one rule)
    if not value or fold(value) in NO_PHONE:
        return []
    return [p for p in (piece.strip() for piece in _PHONE_SPLIT.split(value)) if p]


def has_digit(value: str) -> bool:
    return bool(_HAS_DIGIT.search(value))


# "Statut" of the register → (status_category, restricted residence status).
# "Sans papiers" is a legal/residence status: sensitive, stored only in the restricted field.
STATUS_MAP: dict[str, tuple[str | None, str | None]] = {
    "etudiant": ("student", None),
    "etudiante": ("student", None),
    "etudiant e": ("student", None),
    "eleve": ("student", None),
    "stagiaire": ("trainee", None),
    "salarie": ("worker", None),
    "salariee": ("worker", None),
    "salarie e": ("worker", None),
    "travailleur": ("worker", None),
    "ouvrier": ("worker", None),
    "entrepreneur": ("entrepreneur", None),
    "entrepreneuse": ("entrepreneur", None),
    "commercant": ("entrepreneur", None),
    "commercante": ("entrepreneur", None),
    "commercant e": ("entrepreneur", None),
    "sans emploi": ("job_seeker", None),
    "chomeur": ("job_seeker", None),
    "demandeur d emploi": ("job_seeker", None),
    "conjoint": ("family_member", None),
    "conjointe": ("family_member", None),
    "conjoint e": ("family_member", None),
    "regroupement familial": ("family_member", None),
    "retraite": ("retired", None),
    "saisonnier": ("seasonal_worker", None),
    "travailleur saisonnier": ("seasonal_worker", None),
    "autre": ("other", None),
    "de retour": ("returnee", None),
    "retourne": ("returnee", None),
    "sans papiers": (None, "undocumented"),
    "sans papier": (None, "undocumented"),
    "irregulier": (None, "undocumented"),
}


def parse_status(raw: str) -> tuple[str | None, str | None]:
    """The register's "Statut" → ``(status_category, residence_status)``; blank → ``(None, None)``.

    ``"Étudiant"``, ``"Etudiant(e)"``, ``"Élève"`` → ``("student", None)``; ``"Commerçant"`` →
    ``("entrepreneur", None)`` (self-employed); ``"Sans emploi"`` → ``("job_seeker", None)``; ``"Sans papiers"`` →
    ``(None, "undocumented")`` (a restricted sensitive value). Raises ``ValueError`` when unknown.
    """
    key = re.sub(r"[^a-z ]+", " ", fold(raw)).strip()
    key = re.sub(r"\s+", " ", key)
    if not key:
        return None, None
    try:
        return STATUS_MAP[key]
    except KeyError:
        raise Explained(f"unrecognised status {clean(raw)!r}", f"statut non reconnu « {clean(raw)} »") from None
