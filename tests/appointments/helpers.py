"""Dates and times for appointment tests, computed from the real clock and the pinned tzdata."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CASA_TZ = ZoneInfo("Africa/Casablanca")
DAKAR_TZ = ZoneInfo("Africa/Dakar")


def next_weekday(isoweekday: int = 1, *, weeks_ahead: int = 2, tz: ZoneInfo = CASA_TZ) -> dt.date:
    """A local date at least ``weeks_ahead`` weeks from today that falls on ``isoweekday``."""
    day = dt.datetime.now(tz).date() + dt.timedelta(weeks=weeks_ahead)
    while day.isoweekday() != isoweekday:
        day += dt.timedelta(days=1)
    return day


def local(day: dt.date, hhmm: str, tz: ZoneInfo = CASA_TZ) -> dt.datetime:
    """The aware local datetime ``day`` ``hhmm`` in ``tz``."""
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=tz)


def iso(day: dt.date, hhmm: str, tz: ZoneInfo = CASA_TZ) -> str:
    """ISO 8601 with the zone's offset on that date, as a client would send it."""
    return local(day, hhmm, tz).isoformat()


def utc_z(moment: dt.datetime) -> str:
    """How the API renders a UTC instant (pydantic: ``…Z``)."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def offset_changes(tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.timedelta]]:
    """The instants in ``[start, end)`` where ``tz``'s UTC offset changes, with the new offset.

    Scans hour by hour (every transition of Africa/Casablanca is on a whole UTC hour).
    """
    found = []
    moment = start.replace(minute=0, second=0, microsecond=0)
    previous = moment.astimezone(tz).utcoffset()
    while moment < end:
        moment += dt.timedelta(hours=1)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            assert offset is not None
            found.append((moment, offset))
        previous = offset
    return found


def weekday_before(day: dt.date) -> dt.date:
    """The last Monday–Friday strictly before ``day``."""
    day -= dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day -= dt.timedelta(days=1)
    return day


def weekday_after(day: dt.date) -> dt.date:
    """The first Monday–Friday strictly after ``day``."""
    day += dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day
