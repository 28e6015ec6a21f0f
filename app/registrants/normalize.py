"""Normalisation of what people write on registration forms and legacy registers.

Public interface (the legacy register import codes against it; keep names and signatures):
:func:`parse_phone`, :func:`read_phone`, :func:`normalise_document_number`, :func:`validate_document_number`,
:func:`parse_partial_date`, :func:`clean_name`, :func:`normalise_email`, :func:`name_keys`.
Every function raises ``ValueError`` with an English message for input it cannot accept.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import traceback
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app.core.explained import Explained
from app.core.text import (
    INVISIBLE,
    ZERO_WIDTH_SPACE,
    clean,
    disallowed_character,
    fold,
    normalise_typed_identifier,
    without_invisible,
)
from app.registrants import matching

# ---------------------------------------------------------------- phones

LIKELY_SENEGALESE = "likely_senegalese_without_prefix"
UNVERIFIED = "unverified_number"
_PHONE_CHARS = re.compile(r"^[\d\s+().\-/]+$")
_MIN_DIGITS, _MAX_DIGITS = 6, 15  # ITU-T E.164: at most 15 digits
_MAX_TEXT = 64  # RegistrantPhone.raw
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True)
class ParsedPhone:
    """A phone in E.164 (``+221771234567``) and an optional flag for a human to check."""

    e164: str
    flag: str | None = None


@dataclass(frozen=True)
class PhoneReading:
    """A phone as kept on a person: verified (``e164`` set) or not (``e164`` None, ``flag`` ``unverified_number``).

    ``raw`` is the text as typed (format characters removed, see
    :func:`app.core.text.normalise_typed_identifier`), ``digits`` its digits only (the search key;
    for a verified phone, the E.164 digits without ``+``).
    """

    e164: str | None
    raw: str
    digits: str
    flag: str | None = None

    @property
    def verified(self) -> bool:
        return self.e164 is not None


def parse_number(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers.parse(text, region)``, or None when it raises ``NumberParseException``.

    The refused text's exception is let go without a reference cycle: ``phonenumbers.parse`` keeps
    the exception it re-raises in a local of its own frame (``_, e, _ = sys.exc_info()``), and that
    frame, reached from the exception's traceback, links back through every caller's frame. Left
    so, one refused number keeps everything its callers hold (a whole register import's rows) alive
    until a full collection of the cyclic garbage collector, which at 20,000 rows stopped the
    server for seconds. Clearing the traceback's frames (:func:`traceback.clear_frames`) breaks the
    cycle, so reference counting frees all of it at once.
    """
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        traceback.clear_frames(exc.__traceback__)
        return None


def is_senegalese_mobile(national_number: str) -> bool:
    """True when ``national_number`` (9 digits, no trunk 0) is a valid Senegalese mobile number.

    The ranges come from ``phonenumbers``' metadata for SN (number type ``MOBILE``), not from a list
    kept here: ``"710000002"`` (Orange's 71) is one, like ``"771234567"``; ``"330000000"`` (a fixed
    line) is not.
    """
    number = parse_number("+221" + national_number, None)
    if number is None:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _MOBILE_TYPES


def _wrong_length(raw: str) -> Explained:
    return Explained(
        f"{raw!r} is not a phone number (wrong length)",
        f"« {raw} » n'est pas un numéro de téléphone (nombre de chiffres impossible)",  # said to the import too
    )


def _phone_text(raw: str) -> tuple[str, str]:
    """The normalised text and its ASCII digits; ``ValueError`` when it is not written like a phone."""
    text = normalise_typed_identifier(raw or "")
    if not text or len(text) > _MAX_TEXT or not _PHONE_CHARS.match(text):
        raise Explained(
            f"{raw!r} is not a phone number: a phone number has only digits, spaces and + ( ) . - /",
            f"« {raw} » n'est pas un numéro de téléphone : un numéro ne contient que des chiffres, des espaces "
            "et les signes + ( ) . - /",
        )
    digits = re.sub(r"\D", "", text)
    if len(digits) < _MIN_DIGITS or len(digits) > _MAX_DIGITS + 2:  # + 2: an international "00" prefix
        raise _wrong_length(raw)
    return text, digits


def parse_phone(raw: str, *, default_region: str) -> ParsedPhone:
    """Parse a phone written any way (``06 12 34 56 78``, ``00212…``, ``212…``, ``+221 77…``,
    ``77-123-45-67``, ``(+221)77…``) to E.164.

    The text is first normalised (:func:`app.core.text.normalise_typed_identifier`: direction marks
    and other format characters removed, Unicode spaces/dashes/digits made plain). ``default_region``
    (ISO 3166-1 alpha-2, the desk's country) applies when the number carries no country code.
    Exception (DOMAIN.md "Phone numbers"): at a Moroccan desk, a bare 9-digit number without the
    trunk 0 that ``phonenumbers``' metadata classes as a Senegalese mobile (:func:`is_senegalese_mobile`)
    is parsed as +221 and flagged ``likely_senegalese_without_prefix`` (Moroccan mobiles are written
    06…/07… with the 0). A number written with a leading ``212``/``221``… but no ``+`` is recognised
    as international.

    Raises ``ValueError`` when the text is not a valid phone number (see :func:`read_phone` to keep
    such a number unverified).
    """
    return _parsed(raw, *_phone_text(raw), default_region=default_region)


def _parsed(raw: str, text: str, digits: str, *, default_region: str) -> ParsedPhone:
    """:func:`parse_phone` of ``raw`` once :func:`_phone_text` has given its ``text`` and ``digits``."""
    has_plus = "+" in text
    if not has_plus and digits.startswith("00"):
        digits, has_plus = digits[2:], True
    if len(digits) < _MIN_DIGITS or len(digits) > _MAX_DIGITS:
        raise _wrong_length(raw)
    region = default_region.upper()
    flag: str | None = None
    attempts: list[tuple[str, str | None]] = []
    if has_plus:
        attempts.append(("+" + digits, None))
    elif region == "MA" and len(digits) == 9 and is_senegalese_mobile(digits):
        attempts.append(("+221" + digits, None))
        flag = LIKELY_SENEGALESE
    else:
        attempts.append((digits, region))
        attempts.append(("+" + digits, None))  # "212612345678": a country code without "+"
    for candidate, hint in attempts:
        number = parse_number(candidate, hint)
        if number is not None and phonenumbers.is_valid_number(number):
            return ParsedPhone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), flag)
    raise Explained(
        f"{raw!r} is not a valid phone number: no number in use is written so (check the digits and the country code)",
        f"« {raw} » n'est pas un numéro de téléphone valide : aucun numéro en service ne s'écrit ainsi "
        "(vérifiez les chiffres et l'indicatif)",
    )


def read_phone(raw: str, *, default_region: str) -> PhoneReading:
    """A phone to keep on a person: verified when :func:`parse_phone` accepts it, else unverified.

    A text written like a phone (digits, spaces, ``+ ( ) . - /``, 6 to 17 digits) that
    ``phonenumbers`` cannot validate (a new or unallocated range, a typo) is kept, never dropped:
    ``e164`` None, ``flag`` ``unverified_number``, ``raw`` as typed and ``digits`` for search.
    Raises ``ValueError`` only for text that is not written like a phone at all.
    """
    text, digits = _phone_text(raw)
    try:
        parsed = _parsed(text, text, digits, default_region=default_region)
    except ValueError:
        return PhoneReading(e164=None, raw=text, digits=digits, flag=UNVERIFIED)
    return PhoneReading(e164=parsed.e164, raw=text, digits=parsed.e164.lstrip("+"), flag=parsed.flag)


# ---------------------------------------------------------------- identity documents

DOCUMENT_TYPES = (
    "passport",
    "cni_ecowas",
    "consular_card",
    "ma_residence_card",
    "birth_extract",
    "card_receipt",
    "laissez_passer",
    "student_card",
    "work_contract",
    "other",
)

# Number layouts are *unverified* (DOMAIN.md): permissive defaults, overridable per type by the
# ``DOCUMENT_NUMBER_PATTERNS`` setting (a JSON object ``{"passport": "^[A-Z0-9]{8,9}$"}``).
DEFAULT_DOCUMENT_PATTERNS: dict[str, str] = {
    "passport": r"^[A-Z0-9]{6,12}$",
    "cni_ecowas": r"^[A-Z0-9]{9,20}$",
    "consular_card": r"^[A-Z0-9/]{4,24}$",
    "ma_residence_card": r"^[A-Z0-9]{5,16}$",
    "birth_extract": r"^[A-Z0-9/]{1,40}$",
    "card_receipt": r"^[A-Z0-9/]{1,40}$",
    "laissez_passer": r"^[A-Z0-9/]{1,40}$",
    "student_card": r"^[A-Z0-9/]{1,40}$",
    "work_contract": r"^[A-Z0-9/]{1,40}$",
    "other": r"^[A-Z0-9/]{1,40}$",
}

_DOC_SEPARATORS = re.compile(r"[\s\-._]+")


def normalise_document_number(raw: str) -> str:
    """Upper case, spaces, dashes, dots and underscores removed: ``"ab 12-345.6"`` → ``"AB123456"``.

    The text is first normalised (:func:`app.core.text.normalise_typed_identifier`), so pasted
    direction marks, no-break spaces, Unicode hyphens and Arabic-Indic digits read as typed:
    ``"\u200eA0\u00a0123\u20114567"`` → ``"A01234567"``.
    """
    return _DOC_SEPARATORS.sub("", normalise_typed_identifier(raw or "")).upper()


_DOCUMENT_TYPES_FR = {"passport": "passeport", "cni_ecowas": "CNI CEDEAO"}


def validate_document_number(doc_type: str, number: str, *, patterns: Mapping[str, str] | None = None) -> str:
    """The normalised ``number`` if it fits the pattern configured for ``doc_type``.

    ``patterns`` overrides :data:`DEFAULT_DOCUMENT_PATTERNS` per type (from settings). Raises
    ``ValueError`` for an unknown type or a number that does not fit.
    """
    table = {**DEFAULT_DOCUMENT_PATTERNS, **(patterns or {})}
    if doc_type not in table:
        raise Explained(f"unknown document type {doc_type!r}", f"type de pièce inconnu « {doc_type} »")
    normalised = normalise_document_number(number)
    if not re.fullmatch(table[doc_type], normalised):
        raise Explained(
            f"{number!r} does not look like a {doc_type} number",
            f"« {number} » n'a pas la forme d'un numéro de {_DOCUMENT_TYPES_FR.get(doc_type, doc_type)}",
        )
    return normalised


# ---------------------------------------------------------------- dates, names, e-mail

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MIN_YEAR = 1900


class FutureDate(Explained):
    """A date after today (a birth date cannot be): said as ``date_in_future`` by the API."""


_LATEST_ZONE = dt.timezone(dt.timedelta(hours=14))


def latest_today() -> dt.date:
    """Today where it is latest on Earth (UTC+14, Pacific/Kiritimati): no desk's today is after it.

    What knows no desk (a request's schema) refuses only dates after this one; the desk's own
    today, its local date, is checked where the desk is known
    (:func:`app.registrants.prepare.check_days`), so that near midnight neither a day that is today
    at the desk is refused nor one that is tomorrow there taken.
    """
    return dt.datetime.now(_LATEST_ZONE).date()


def parse_partial_date(raw: str, *, today: dt.date | None = None) -> str:
    """A partial ISO 8601 date: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, returned canonical.

    Raises ``ValueError`` for another layout, an impossible date (``2023-02-30``, month 13), a
    year before 1900 or a date in the future (after ``today``; by default :func:`latest_today`).
    """
    text = (raw or "").strip()
    m = _PARTIAL_DATE.match(text)
    if m is None:
        raise Explained(
            f"{raw!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
            f"« {raw} » n'est pas une date (AAAA, AAAA-MM ou AAAA-MM-JJ)",
        )
    today = today or latest_today()
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if year < MIN_YEAR:
        raise Explained(
            f"{raw!r} is before {MIN_YEAR}: a date from {MIN_YEAR} on is expected",
            f"« {raw} » : avant {MIN_YEAR}, une date à partir de {MIN_YEAR} est attendue",
        )
    if month is not None and not 1 <= month <= 12:
        raise Explained(f"{raw!r} has no month {month}", f"« {raw} » : pas de mois {month}")
    if day is not None:
        assert month is not None
        try:
            full = dt.date(year, month, day)
        except ValueError as exc:
            raise Explained(f"{raw!r} is not a calendar date", f"« {raw} » n'est pas une date du calendrier") from exc
        if full > today:
            raise FutureDate(f"{raw!r} is in the future", f"« {raw} » est dans le futur")
        return full.isoformat()
    if month is not None:
        if (year, month) > (today.year, today.month):
            raise FutureDate(f"{raw!r} is in the future", f"« {raw} » est dans le futur")
        return f"{year:04d}-{month:02d}"
    if year > today.year:
        raise FutureDate(f"{raw!r} is in the future", f"« {raw} » est dans le futur")
    return f"{year:04d}"


_NOT_A_LETTER = frozenset("\u0640")  # tatweel (Lm): a stretch of the line between Arabic letters
JOINERS = frozenset("\u200c\u200d")
"""U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER: part of what was written when they
stand between two visible characters (an emoji ZWJ sequence, Unicode UTS #51 §2.3; the joining
forms of Arabic-script and Indic letters, The Unicode Standard §23.2)."""
_EMOJI_SELECTORS = frozenset("\ufe0e\ufe0f")  # text and emoji presentation (UTS #51 §1.4.3)


def _shows(char: str) -> bool:
    """Whether ``char`` is drawn: not white space, not a format character (Cf), not another
    default-ignorable code point (:data:`~app.core.text.INVISIBLE`)."""
    return not char.isspace() and unicodedata.category(char) != "Cf" and INVISIBLE.match(char) is None


def without_invisible_junk(raw: str) -> str:
    """``raw`` without its invisible characters except those that are part of what was written: a
    joiner (:data:`JOINERS`) between two characters that show (a presentation selector kept before
    it counts as its character), and U+FE0E/U+FE0F (text or emoji presentation) right after a
    symbol (``🏳️``; after a letter it selects nothing and is removed). A joiner at an edge, beside
    a space or beside another invisible character joins nothing: removed, like direction marks,
    isolates, fillers, the other variation selectors and the other format characters.
    ``"\u200dمح\u200cمد"`` → ``"مح\u200cمد"``; ``"👩🏾\u200d💻"`` is kept whole."""
    out: list[str] = []
    shown_before = False  # the last character kept shows, or is a selector kept after one
    for index, char in enumerate(raw):
        if _shows(char):
            out.append(char)
            shown_before = True
        elif char in _EMOJI_SELECTORS and out and unicodedata.category(out[-1]).startswith("S"):
            out.append(char)
        elif char.isspace() or (char in JOINERS and shown_before and _shows(raw[index + 1 : index + 2] or " ")):
            out.append(char)  # white space: collapsed by clean()
            shown_before = False
        else:
            shown_before = False
    return "".join(out)


def clean_name(raw: str) -> str:
    """A name as written, NFC-normalised, trimmed, inner white space collapsed.

    A zero-width space (U+200B, a word boundary in Unicode's line breaking, UAX #14) is a space:
    ``"Fatou\u200bDiop"`` is ``"Fatou Diop"``. The other invisible characters (format characters,
    Unicode category Cf: bidirectional overrides, joiners; and the other default-ignorable code
    points: fillers, variation selectors) are removed, except a joiner that joins and a variation
    selector after its character (:func:`without_invisible_junk`: ``"محمد 👩🏾\u200d💻"`` is kept as
    typed); the search and matching keys ignore those too (:func:`name_keys`). White space pasted with a name (TAB, a
    line break, U+00A0 NO-BREAK SPACE, another Unicode space) is a space, as in every one-line
    text (:func:`~app.core.text.one_line`): ``"Cheikh Ahmadou\tBamba"`` is ``"Cheikh Ahmadou
    Bamba"``. Raises ``ValueError`` naming the character for another control character (NUL,
    U+0007 BEL…: what :data:`~app.core.text.DISALLOWED_CHARACTERS` refuses), and when no letter
    is left (a lone accent, a zero-width space, a Hangul filler or a tatweel is not a name).
    """
    raw = (raw or "").replace(ZERO_WIDTH_SPACE, " ")
    found = disallowed_character(raw)
    if found is not None:
        position, code = found[0] + 1, found[1]
        raise Explained(
            f"a name cannot contain the control character {code} (position {position})",
            f"un nom ne peut pas contenir le caractère de contrôle {code} (position {position})",
        )
    value = clean(without_invisible_junk(raw))
    if not value:
        raise Explained("a name cannot be empty", "un nom ne peut pas être vide")
    if not any(unicodedata.category(c).startswith("L") and c not in _NOT_A_LETTER for c in value):
        raise Explained("a name must contain at least one letter", "un nom doit contenir au moins une lettre")
    return value


def clean_optional_name(raw: str | None) -> str | None:
    """:func:`clean_name` for a name that may be absent (``name_arabic``): None when nothing
    visible is left (blank, or only invisible characters), as for any other optional text."""
    if raw is None:
        return None
    try:
        return clean_name(raw)
    except ValueError as exc:
        if str(exc) == "a name cannot be empty":
            return None
        raise


ARRIVAL_BEFORE_BIRTH = (
    "la date d'arrivée ne peut pas précéder la date de naissance",
    "the arrival date cannot be before the date of birth",
)
"""The refusal of an arrival before the birth, (French, English): the registration's schema and
:func:`app.registrants.prepare.check_days` (a PATCH, against the file's stored dates)."""


def check_arrival_date(value: dt.date, *, today: dt.date | None = None) -> dt.date:
    """An arrival date in the host country: not in the future (after ``today``; by default
    :func:`latest_today`, never the server's local date), not before 1900.

    Raises ``ValueError`` otherwise.
    """
    today = today or latest_today()
    if value > today:
        raise Explained("the arrival date cannot be in the future", "la date d'arrivée ne peut pas être dans le futur")
    if value.year < 1900:
        raise Explained(
            "the arrival date cannot be before 1900", "la date d'arrivée ne peut pas être antérieure à 1900"
        )
    return value


_EMAIL_REFUSALS_FR = (
    ("must have an @-sign", "il manque le @"),
    ("It should have a period", "il manque un point dans la partie après le @, comme dans exemple.sn"),
    ("not within a valid top-level domain", "la partie après le @ ne finit pas par un domaine existant (.sn, .com…)"),
    ("special-use or reserved name", "la partie après le @ est un nom réservé, qui ne reçoit pas de courrier"),
    ("bracketed IP address", "une adresse IP entre crochets après le @ n'est pas acceptée"),
    ("two periods in a row", "deux points qui se suivent"),
    ("period immediately after the @-sign", "un point juste après le @"),
    ("hyphen immediately after the @-sign", "un tiret juste après le @"),
    ("cannot end with a period", "un point à la fin"),
    ("cannot start with a period", "un point au début"),
    ("period immediately before the @-sign", "un point juste avant le @"),
    ("after the @-sign contains invalid characters", "caractère non autorisé après le @"),
    ("something before the @-sign", "rien avant le @"),
    ("something after the @-sign", "rien après le @"),
    ("invalid characters before the @-sign", "caractère non autorisé avant le @"),
    ("invalid characters after the @-sign", "caractère non autorisé après le @"),
    ("after the @-sign is not valid", "la partie après le @ n'est pas un domaine valide"),
    ("too long", "adresse trop longue"),
)
"""email-validator's messages (English only), by a phrase they contain, in French."""


def _email_refusal_fr(message: str) -> str:
    why = next((fr for phrase, fr in _EMAIL_REFUSALS_FR if phrase in message), None)
    return f"adresse non valide ({why})" if why else "adresse non valide"


EMAIL_CACHE = 16_384
"""Addresses whose normal form is remembered: a register import reads each row's address twice (the
cell, then the row's body as the registry validates it; 20,000 rows hold about 7,000 addresses),
and email-validator's checks are most of a row's reading. The second reading is of the normal form:
it finds the first one's when the cell held the address in its normal form (most do)."""


@functools.lru_cache(maxsize=EMAIL_CACHE)
def normalise_email(raw: str) -> str:
    """The e-mail address with its domain lower-cased and IDNA-normalised (email-validator).

    Raises ``ValueError`` for a malformed address. Deliverability (DNS) is not checked. The last
    :data:`EMAIL_CACHE` addresses read are remembered (a refused one is not).
    """
    try:
        result = validate_email(clean(raw or ""), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Explained(str(exc), _email_refusal_fr(str(exc))) from exc
    return f"{result.local_part}@{result.domain.lower()}"


@dataclass(frozen=True)
class NameKeys:
    """Search keys stored on the registrant: folded tokens and phonetic keys, space-separated
    (``name_arabic_*``: None without a name in Arabic script)."""

    given_names_key: str
    family_name_key: str
    given_names_phonetic: str
    family_name_phonetic: str
    name_arabic_key: str | None = None
    name_arabic_phonetic: str | None = None


def _phonetic(tokens: list[str]) -> str:
    return " ".join(reading for token in tokens for reading in matching.readings(token))


@functools.lru_cache(maxsize=4096)  # an import meets the same names again and again
def name_keys(given_names: str, family_name: str, name_arabic: str | None = None) -> NameKeys:
    """The folded and phonetic keys of a person's names (see :mod:`app.registrants.matching`): each
    token's phonetic keys (:func:`~app.registrants.matching.readings`: one for a Latin token, those
    of the variant-table groups an Arabic-script token may write), the same words as the person's
    ``w`` and ``n`` match keys.

    ``name_keys("Ndèye Fatou", "N'Diaye")`` → keys ``"ndeye fatou"``/``"ndiaye"``, phonetic
    ``"ndei fatu"``/``"njai"``.
    """
    given, family = matching.tokens(given_names), matching.tokens(family_name)
    alt = matching.tokens(name_arabic) if name_arabic else []
    return NameKeys(
        given_names_key=" ".join(given) or fold(without_invisible(given_names)),
        family_name_key=" ".join(family) or fold(without_invisible(family_name)),
        given_names_phonetic=_phonetic(given),
        family_name_phonetic=_phonetic(family),
        name_arabic_key=" ".join(alt) or None,
        name_arabic_phonetic=_phonetic(alt) or None,
    )
