"""The calendar dates the desk works with: every date a person types is within them.

A desk's calendar (business days, holidays, time zones) is computed for the years
:data:`FIRST_YEAR` to :data:`LAST_YEAR`; a case's due date, a referral's dates, a subject
request's date of receipt, a legal hold's last day, an appointment and a holiday all fall in
them. A date outside (``0001-01-01``, ``9999-12-31``: a typing slip or a "never" placeholder) is
refused at the edge, 422 with the error type ``date_range`` at the field, instead of being stored
and read back as an overdue case, a deadline met two thousand years ago or a hold no one can
reach. Each domain adds its own rules within (not in the future, not before the case opened…).

A date is written, never counted: a request body's date is the JSON string ``YYYY-MM-DD``, as a
query's or a path's is the text; a JSON number (``0``, ``1767225600``), a flag or digits as text
(``"20260101"``) would be read by pydantic's lax mode as Unix time — 1970-01-01 for a client's
``0`` — and are refused, 422 naming the field (:data:`DateText`, :data:`InstantText`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from app.core.explained import out_of_years, refused

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
"""The first and last years of the desk's calendar (the zone arithmetic of a desk's calendar is
exact within them; a far date overflowed it)."""


def check_year(year: int) -> None:
    """``PydanticCustomError`` ``date_range`` unless ``year`` is within :data:`FIRST_YEAR`–:data:`LAST_YEAR`."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        en, fr = out_of_years(year, FIRST_YEAR, LAST_YEAR)
        raise refused("date_range", f"must be between {FIRST_YEAR} and {LAST_YEAR}", en=en, fr=fr)


_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_AND_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _json_kind(value: object) -> str:
    """How a value that is not text reads in the refusal: ``a number``, ``true``, ``a list``…"""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _written_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # built in code (a default, a test)
    if isinstance(value, str):
        if _DATE_ONLY.fullmatch(value):
            return value  # pydantic reads it, and says which part is not a calendar date
        raise refused(
            "date_only",
            "must be a date written YYYY-MM-DD, without a time",
            en="a date written YYYY-MM-DD, without a time, is expected",
            fr="une date écrite AAAA-MM-JJ, sans heure, est attendue",
        )
    raise PydanticCustomError(
        "date_type", "must be a date written YYYY-MM-DD (text), not {kind}", {"kind": _json_kind(value)}
    )


DateText = Annotated[dt.date, BeforeValidator(_written_date)]
"""A date written ``YYYY-MM-DD``, in a JSON body (a string) or a query or path parameter.
Pydantic alone also reads a JSON number or digits as Unix time (``0`` is 1970-01-01,
``1767225600`` is 2026-01-01) and a date and time at midnight (``2026-12-01T00:00:00Z``) as a
date: a number or a flag is 422 ``date_type``, text in another form 422 ``date_only``, naming the
field, so a client sending a timestamp or an instant learns that the field takes a (local) date."""


def _written_instant(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        if _DATE_AND_TIME.match(value):
            return value  # pydantic reads it: seconds, fraction, offset (or ``timezone_aware``)
        raise PydanticCustomError(
            "datetime_parsing", "must be a date and time written ISO 8601 with an offset (2026-03-02T10:00:00+01:00)"
        )
    raise PydanticCustomError(
        "datetime_type",
        "must be a date and time written ISO 8601 with an offset (text), not {kind}",
        {"kind": _json_kind(value)},
    )


InstantText = Annotated[AwareDatetime, BeforeValidator(_written_instant)]
"""An instant written ISO 8601 with its offset (``2026-03-02T10:00:00+01:00`` or ``…Z``), in a JSON
body (a string) or a query parameter. Pydantic alone reads a JSON number, or digits as text, as
Unix time (``"20260101"`` is 1970-08-23T11:48:21Z): a number or a flag is 422 ``datetime_type``,
text that does not start with a date and a time 422 ``datetime_parsing``, naming the field; a time
without an offset stays 422 ``timezone_aware``."""


def _within_calendar(day: dt.date) -> dt.date:
    check_year(day.year)
    return day


DeskDate = Annotated[DateText, AfterValidator(_within_calendar)]
"""A calendar date (``YYYY-MM-DD``) between 1 January :data:`FIRST_YEAR` and 31 December
:data:`LAST_YEAR`; outside, 422 ``date_range`` naming the field."""

PAPERS_FIRST_YEAR: Final = 1900
"""The first year a date written on a person's papers may carry (the import reads 1900–2100 too)."""


def _within_papers(day: dt.date) -> dt.date:
    if not PAPERS_FIRST_YEAR <= day.year <= LAST_YEAR:
        en, fr = out_of_years(day.year, PAPERS_FIRST_YEAR, LAST_YEAR)
        raise refused("date_range", f"must be between {PAPERS_FIRST_YEAR} and {LAST_YEAR}", en=en, fr=fr)
    return day


PapersDate = Annotated[DateText, AfterValidator(_within_papers)]
"""A date written on a person's papers (an identity document's expiry), between 1 January
:data:`PAPERS_FIRST_YEAR` and 31 December :data:`LAST_YEAR`: an old document is recorded as it was
written (a file holding one can still be edited), while ``0001-01-01`` or a ``9999-12-31``
"never" placeholder is refused, 422 ``date_range`` naming the field."""


def parse_date_only(text: str) -> dt.date:
    """The date ``YYYY-MM-DD`` that ``text`` is; ``ValueError`` for anything else (a date and time,
    ``2026-12-01T00:00:00Z``, or another ISO 8601 form Python would read: ``20261201``, ``2026-W48``)."""
    if not _DATE_ONLY.fullmatch(text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    return dt.date.fromisoformat(text)
