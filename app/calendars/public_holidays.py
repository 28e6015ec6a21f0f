"""A country's public holidays for one year, from the maintained ``holidays`` library.

Only holidays the library computes exactly are offered (fixed-date ones such as 4 April in
Senegal or 18 November in Morocco, and Christian movable feasts computed from Easter). Islamic
holidays depend on moon sighting: the library only *estimates* them, so they are left out and
administrators add them by hand once announced. The library's own "observed" entries are left
out as well: the desk applies its own Sunday rule (:mod:`app.calendars.rules`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays


@dataclass(frozen=True)
class PublicHoliday:
    """A holiday on its legal date, with its name in French when the library has one."""

    day: dt.date
    name: str


def _french(cls: type[holidays.HolidayBase]) -> str | None:
    languages = getattr(cls, "supported_languages", ()) or ()
    for code in ("fr", *sorted(lang for lang in languages if lang.startswith("fr"))):
        if code in languages:
            return code
    return None


def fixed_public_holidays(country: str, year: int) -> list[PublicHoliday] | None:
    """The exactly-known public holidays of ``country`` (ISO 3166-1 alpha-2) in ``year``, by date.

    ``None`` when the library does not know the country. Names are French when available
    (``fr``/``fr_SN``), otherwise the library's default language.
    """
    try:
        english = holidays.country_holidays(country, years=year, language="en_US")
    except NotImplementedError:
        return None
    language = _french(type(english))
    local = holidays.country_holidays(country, years=year, language=language) if language else english
    out: list[PublicHoliday] = []
    for day in sorted(english):
        labels = english.get_list(day)
        names = local.get_list(day)
        if len(names) != len(labels):
            names = labels
        for label, name in zip(labels, names, strict=True):
            # English labels mark the library's guesses and its own observance shifts.
            if "estimated" in label or "observed" in label:
                continue
            out.append(PublicHoliday(day=day, name=name))
    return out
