"""Age at an event date from a partial date of birth, and configurable age bands.

A date of birth may be ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (legacy registers often hold only a
year). The rule, chosen so that no figure claims more than the data knows:

* a partial date stands for an *interval* of possible birth dates (``1990`` is 1990-01-01 to
  1990-12-31, ``1990-02`` is 1990-02-01 to 1990-02-28);
* the youngest and oldest possible ages at the event date are computed from the two ends;
* when both fall in the same band, that band is the answer; when the interval straddles a band
  boundary, the band is ``unknown`` (it is never guessed).

So a year-only date of birth gets a band except in the one year where the person may have crossed
a boundary (e.g. born ``2008``, seen on 2026-06-01: 17 or 18 → ``unknown``). A birth date after
the event date, or one that is malformed, also gives ``unknown``. A 29 February birthday is reached
on 1 March in common years.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

UNKNOWN = "unknown"
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def birth_interval(date_of_birth: str | None) -> tuple[dt.date, dt.date] | None:
    """The earliest and latest birth dates a partial ISO date stands for; None if unusable."""
    if not date_of_birth:
        return None
    text = date_of_birth.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii() and text.replace("-", "").isdigit():
        try:  # the common case, a full date: ASCII digits only, so the pattern below would match
            exact = dt.date.fromisoformat(text)
        except ValueError:
            return None
        return exact, exact
    match = _PARTIAL.match(text)
    if match is None:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if day is None:
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        exact = dt.date(year, month, day)
    except ValueError:
        return None
    return exact, exact


def age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years between ``birth`` and ``on`` (a 29 February birthday counts on 1 March)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def age_range(date_of_birth: str | None, on: dt.date) -> tuple[int, int] | None:
    """``(youngest, oldest)`` possible completed age at ``on``; None when unknown or not yet born."""
    interval = birth_interval(date_of_birth)
    if interval is None:
        return None
    earliest, latest = interval
    if earliest > on:
        return None
    youngest = age_on(latest, on) if latest <= on else 0
    return youngest, age_on(earliest, on)


@dataclass(frozen=True)
class AgeBands:
    """Age bands from ascending lower bounds in years: ``[0, 18, 25]`` → ``0-17``, ``18-24``, ``25+``.

    Raises ``ValueError`` when the bounds are not strictly ascending non-negative integers.
    """

    lower_bounds: tuple[int, ...]

    def __post_init__(self) -> None:
        bounds = self.lower_bounds
        if not bounds or any(b < 0 for b in bounds) or any(a >= b for a, b in itertools.pairwise(bounds)):
            raise ValueError("age band bounds must be strictly ascending non-negative integers")
        object.__setattr__(self, "_labels", self._make_labels())

    @classmethod
    def of(cls, bounds: Sequence[int]) -> AgeBands:
        return cls(tuple(bounds))

    @property
    def labels(self) -> list[str]:
        """Every band label in order, ``unknown`` last."""
        return list(self._labels)  # type: ignore[attr-defined]

    def _make_labels(self) -> tuple[str, ...]:
        out = []
        for i, low in enumerate(self.lower_bounds):
            if i + 1 < len(self.lower_bounds):
                out.append(f"{low}-{self.lower_bounds[i + 1] - 1}")
            else:
                out.append(f"{low}+")
        return (*out, UNKNOWN)

    def band_of_age(self, age: int) -> str:
        """The label of the band holding ``age`` (``unknown`` below the first bound)."""
        index = bisect.bisect_right(self.lower_bounds, age) - 1
        return UNKNOWN if index < 0 else self._labels[index]  # type: ignore[attr-defined]

    def band(self, date_of_birth: str | None, on: dt.date) -> str:
        """The band at ``on`` of a person born ``date_of_birth`` (partial ISO), by the module's rule.

        An export asks once a row: a full date and a year alone, the common forms, are worked out
        here without building the interval (:meth:`band_of_interval` gives the same answers)."""
        text = date_of_birth
        if text is not None and text.isascii():
            if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
                try:
                    birth = dt.date.fromisoformat(text)
                except ValueError:
                    return UNKNOWN
                if birth > on:
                    return UNKNOWN
                return self.band_of_age(on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day)))
            if len(text) == 4 and text.isdigit():
                year = int(text)
                if not 1 <= year <= on.year:  # year 0 is no date; a later year is not born yet
                    return UNKNOWN
                oldest = on.year - year  # born on 1 January
                youngest = max(0, oldest - ((on.month, on.day) < (12, 31)))  # born on 31 December
                low_band = self.band_of_age(youngest)
                return low_band if youngest == oldest or low_band == self.band_of_age(oldest) else UNKNOWN
        return self.band_of_interval(date_of_birth, on)

    def band_of_interval(self, date_of_birth: str | None, on: dt.date) -> str:
        """:meth:`band` by the module's rule read literally: the interval of possible birth dates
        (:func:`birth_interval`), then the youngest and oldest ages (:func:`age_range`)."""
        ages = age_range(date_of_birth, on)
        if ages is None:
            return UNKNOWN
        youngest, oldest = ages
        low_band = self.band_of_age(youngest)
        if youngest == oldest:
            return low_band
        return low_band if low_band == self.band_of_age(oldest) else UNKNOWN
