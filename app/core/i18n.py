"""Language negotiation from ``Accept-Language`` (RFC 9110 §12.5.4), French first, and the
numbers, sizes and dates of the API's texts as each language writes them.

Negotiation and formatting are Babel's (``babel.negotiate_locale``, CLDR's number, unit and date
patterns); this module only splits the header into tags ordered by their quality value.
"""

from __future__ import annotations

import datetime as dt
import re

from babel import negotiate_locale
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.units import format_unit

SUPPORTED = ("fr", "en")


def preferred_tags(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first; malformed weights count as 0."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(header: str | None, default: str = "fr") -> str:
    """``"fr"`` or ``"en"``: the supported language the client prefers, else ``default``."""
    tags = preferred_tags(header)
    choice = negotiate_locale(tags, list(SUPPORTED), sep="_") if tags else None
    if choice is None:
        # "fr_SN" or "en-GB" negotiate to their base language.
        for tag in tags:
            base = tag.split("_")[0].lower()
            if base in SUPPORTED:
                return base
        return default
    return choice.split("_")[0]


_AFTER_A_DIGIT = re.compile(r"(?<=\d) (?=\S)")


def unbroken(text: str) -> str:
    """``text`` with each space after a digit made a no-break space (U+00A0): a number is never
    parted over two lines from the word after it, its unit or its date's month (``56 kB``,
    ``8 décembre 2026``, ``10:30 UTC``), as French typography asks. The web client's ``unbroken``
    (app/web/static/i18n.js) is the same rule."""
    return _AFTER_A_DIGIT.sub("\u00a0", text)


def date_fr(day: dt.date) -> str:
    """``day`` as French prose writes it: ``8 décembre 2026``, ``1er décembre 2026`` (Babel's long
    format, with the ordinal French uses for the first of the month), the day joined to its month
    by a no-break space."""
    words = format_date(day, format="long", locale="fr")
    return f"1er\u00a0{unbroken(words[2:])}" if day.day == 1 else unbroken(words)


def moment_fr(moment: dt.datetime) -> str:
    """An instant as French prose writes it, in UTC: ``8 décembre 2026 à 10:30 UTC`` (a naive
    datetime is taken as UTC already), its numbers never parted from the words after them."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    return unbroken(f"{date_fr(utc.date())} à {utc:%H:%M} UTC")


def number(value: float, language: str = "fr") -> str:
    """``value`` as ``language`` writes it: ``10 000`` (with a narrow space) or ``1,5`` in French,
    ``10,000`` or ``1.5`` in English."""
    return format_decimal(value, locale=language)


_SIZE_UNITS = ((1024**3, "digital-gigabyte"), (1024**2, "digital-megabyte"), (1024, "digital-kilobyte"))


def size(nbytes: int, language: str = "fr") -> str:
    """A size in bytes as ``language`` says it, in the largest unit it reaches (binary multiples,
    as file managers show them), one decimal at most: ``10 Mo``, ``1,5 Go``, ``512 octets`` in
    French; ``10 MB``, ``512 bytes`` in English. The number and its unit are joined by a no-break
    space (CLDR's French patterns have one; its English ones a plain space, made one here)."""
    for unit_bytes, unit in _SIZE_UNITS:
        if nbytes >= unit_bytes:
            return unbroken(format_unit(round(nbytes / unit_bytes, 1), unit, length="short", locale=language))
    return unbroken(format_unit(nbytes, "digital-byte", length="long", locale=language))
