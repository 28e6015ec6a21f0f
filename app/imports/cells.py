"""Parsers for the cells of a legacy register, as written by hand in French-locale spreadsheets.

Pure functions, no database. Each raises ``ValueError`` with an English reason when a cell
cannot be understood; the row mapper decides whether that rejects the row or drops the field.

Dates
    ``dd/mm/yyyy``, ``dd.mm.yyyy``, ``dd-mm-yyyy``, ``yyyy-mm-dd``, the same with a two-digit
    year, a year alone (``1985``), ``vers 1985`` / ``env. 1985`` / ``~1985`` (→ ``1985``) and
    unknown day or month written as zeros (``00/00/1979`` → ``1979``, ``00/05/1979`` →
    ``1979-05``). Results are partial ISO 8601 strings: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

Two-digit years (the pivot)
    A two-digit year means the most recent year ending in those digits that is not after a
    reference year: ``20yy`` when ``2000 + yy <= reference``, otherwise ``19yy``. The reference
    is the year the event cannot be later than: for the registration date, the current year;
    for a date of birth or an arrival in Morocco, the year of the row's registration (a person
    registered in 2019 with ``03`` was born in 2003, with ``68`` in 1968). Python's ``%y`` pivot
    (69) would put a 1968 birth in 2068, hence this rule.
"""

from __future__ import annotations

import datetime as dt
import re

from app.core.explained import Explained
from app.core.text import clean, fold, normalise_typed_identifier

_DMY = re.compile(r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")
_YEAR_MONTH = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YEAR = re.compile(r"^(?:vers|env\.?|environ|ca\.?|circa|~|né en|nee en|née en|en)?\s*(\d{4})$", re.IGNORECASE)


def expand_year(two_digits: int, *, reference_year: int) -> int:
    """``yy`` → ``20yy`` if that is not after ``reference_year``, else ``19yy`` (see the module doc)."""
    candidate = 2000 + two_digits
    return candidate if candidate <= reference_year else 1900 + two_digits


def parse_legacy_date(raw: str, *, reference_year: int, allow_partial: bool = True) -> str | None:
    """A register date cell → partial ISO 8601 (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``), or None if blank.

    Raises ``ValueError`` for an unrecognised shape or an impossible date (``31/02/1990``,
    month 13), and for a partial date when ``allow_partial`` is false.
    """
    value = clean(raw)
    if not value:
        return None
    year: int
    month = day = 0
    if m := _YMD.match(value):
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    elif m := _DMY.match(value):
        day, month, digits = int(m.group(1)), int(m.group(3)), m.group(4)
        year = int(digits) if len(digits) == 4 else expand_year(int(digits), reference_year=reference_year)
    elif m := _YEAR_MONTH.match(value):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _YEAR.match(value):
        year = int(m.group(1))
    else:
        raise Explained(f"unrecognised date {value!r}", f"date non reconnue « {value} »")
    if not 1900 <= year <= 2100:
        raise Explained(f"impossible year in {value!r}", f"année impossible dans « {value} »")
    if month == 0 and day != 0:
        raise Explained(f"a day without a month in {value!r}", f"un jour sans mois dans « {value} »")
    if not 0 <= month <= 12:
        raise Explained(f"impossible month in {value!r}", f"mois impossible dans « {value} »")
    if month and day:
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError as exc:
            raise Explained(f"impossible date {value!r}", f"date impossible « {value} »") from exc
    if not allow_partial:
        raise Explained(f"incomplete date {value!r}", f"date incomplète « {value} »")
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


def partial_date_start(partial: str) -> dt.date:
    """The first day a partial ISO date can mean (``1985`` → 1985-01-01)."""
    parts = [int(p) for p in partial.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1] or 1, parts[2] or 1)


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
