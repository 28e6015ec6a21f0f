"""The calendar dates the desk works with: every date a person types is within them.

A desk's calendar (business days, holidays, time zones) is computed for the years
:data:`FIRST_YEAR` to :data:`LAST_YEAR`; a case's due date, a referral's dates, a subject
request's date of receipt, a legal hold's last day, an appointment and a holiday all fall in
them. A date outside (``0001-01-01``, ``9999-12-31``: a typing slip or a "never" placeholder) is
refused at the edge, 422 with the error type ``date_range`` at the field, instead of being stored
and read back as an overdue case, a deadline met two thousand years ago or a hold no one can
reach. Each domain adds its own rules within (not in the future, not before the case opened…).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Final

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
"""The first and last years of the desk's calendar (the zone arithmetic of a desk's calendar is
exact within them; a far date overflowed it)."""


def check_year(year: int) -> None:
    """``PydanticCustomError`` ``date_range`` unless ``year`` is within :data:`FIRST_YEAR`–:data:`LAST_YEAR`."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PydanticCustomError("date_range", f"must be between {FIRST_YEAR} and {LAST_YEAR}")


def _within_calendar(day: dt.date) -> dt.date:
    check_year(day.year)
    return day


DeskDate = Annotated[dt.date, AfterValidator(_within_calendar)]
"""A calendar date (``YYYY-MM-DD``) between 1 January :data:`FIRST_YEAR` and 31 December
:data:`LAST_YEAR`; outside, 422 ``date_range`` naming the field."""

PAPERS_FIRST_YEAR: Final = 1900
"""The first year a date written on a person's papers may carry (the import reads 1900–2100 too)."""


def _within_papers(day: dt.date) -> dt.date:
    if not PAPERS_FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PydanticCustomError("date_range", f"must be between {PAPERS_FIRST_YEAR} and {LAST_YEAR}")
    return day


PapersDate = Annotated[dt.date, AfterValidator(_within_papers)]
"""A date written on a person's papers (an identity document's expiry), between 1 January
:data:`PAPERS_FIRST_YEAR` and 31 December :data:`LAST_YEAR`: an old document is recorded as it was
written (a file holding one can still be edited), while ``0001-01-01`` or a ``9999-12-31``
"never" placeholder is refused, 422 ``date_range`` naming the field."""


_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date_only(text: str) -> dt.date:
    """The date ``YYYY-MM-DD`` that ``text`` is; ``ValueError`` for anything else (a date and time,
    ``2026-12-01T00:00:00Z``, or another ISO 8601 form Python would read: ``20261201``, ``2026-W48``)."""
    if not _DATE_ONLY.fullmatch(text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def _date_only(value: object) -> object:
    if isinstance(value, str):
        try:
            return parse_date_only(value)
        except ValueError:
            raise PydanticCustomError("date_only", "must be a date written YYYY-MM-DD, without a time") from None
    return value


QueryDate = Annotated[dt.date, BeforeValidator(_date_only)]
"""A date parameter: ``YYYY-MM-DD`` only. Pydantic alone also reads a date and time at midnight
(``2026-12-01T00:00:00Z``) or a Unix timestamp as a date; those answer 422 ``date_only`` naming the
parameter, so a client sending an instant learns that the parameter takes a (local) date."""
