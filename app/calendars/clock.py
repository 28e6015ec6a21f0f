"""A desk's local clock laid on the UTC timeline: which instants show a given wall time.

On most days a local wall time names one instant. Where the zone's offset changes it may name none
(the clock jumps forward: 02:00–03:00 does not exist in Europe/Paris on the last Sunday of March)
or two (the clock goes back: 02:00–03:00 happens twice on the last Sunday of October). Arithmetic
on wall times (``09:00 + 30 minutes``) is then wrong; here every interval is computed on the UTC
timeline and the zone (``zoneinfo``, the pinned ``tzdata``) says what the clock shows.

The rule, used for opening hours, free slots and booking checks alike: **the desk is open at an
instant when its local clock then shows a date and time inside one of that day's opening spans**
(``[opens, closes)``). A skipped hour is simply absent; a repeated hour inside a span is open
twice (once with each offset); the instants of one local day may be 23 or 25 hours long.

Offsets are looked up per second; the zone's changes are found by sampling every hour and bisecting
to the second, which assumes a zone changes offset at most once in any hour (true of every zone in
the IANA database for the years appointments may fall in, 2000–2100).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

_EPOCH = dt.datetime(1970, 1, 1)
_HOUR_SECONDS = 3600
_DAY = dt.timedelta(days=1)

Interval = tuple[dt.datetime, dt.datetime]
"""``[start, end)``: aware UTC datetimes, ``start < end``."""


def _offset(zone: ZoneInfo, second: int) -> dt.timedelta:
    offset = dt.datetime.fromtimestamp(second, zone).utcoffset()
    assert offset is not None
    return offset


def _naive_utc(moment: dt.datetime) -> int:
    """Whole seconds since the epoch of a naive UTC datetime (our bounds are whole seconds)."""
    return int((moment - _EPOCH).total_seconds())


def _pieces(zone: ZoneInfo, start: int, end: int) -> list[tuple[int, int, dt.timedelta]]:
    """``[start, end)`` (epoch seconds) cut where the offset changes: ``(from, to, offset)``."""
    pieces: list[tuple[int, int, dt.timedelta]] = []
    lo, lo_offset = start, _offset(zone, start)
    probe = start
    while probe < end - 1:
        nxt = min(probe + _HOUR_SECONDS, end - 1)
        if _offset(zone, nxt) != lo_offset:
            # The first second with the new offset lies in (probe, nxt].
            a, b = probe, nxt
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if _offset(zone, mid) == lo_offset else (a, mid)
            pieces.append((lo, b, lo_offset))
            lo, lo_offset = b, _offset(zone, b)
        probe = nxt
    pieces.append((lo, end, lo_offset))
    return pieces


def day_bounds(zone: ZoneInfo, day: dt.date) -> Interval:
    """The instants ``[start, end)`` whose local date in ``zone`` is ``day`` (23, 24 or 25 hours…).

    Midnight is taken with ``fold=0``: where it is skipped this is the instant the clock jumps
    past it, where it is repeated its first occurrence — in both cases the day's first instant.
    """
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def showing(zone: ZoneInfo, day: dt.date, opens: dt.time, closes: dt.time | None = None) -> list[Interval]:
    """The UTC intervals during which the clock of ``zone`` shows ``day`` at a time in ``[opens, closes)``.

    ``closes=None`` means the end of the day. Usually one interval; none when the whole span is
    skipped; two when the span begins or ends inside a repeated hour (the clock shows a time in
    the span, leaves it, and comes back to it). Adjacent parts (the span covers a whole change)
    are joined: ``00:00–23:59`` on the day Paris falls back is one interval of 24 h 59 min.
    """
    first, last = day_bounds(zone, day)
    low = dt.datetime.combine(day, opens)
    high = dt.datetime.combine(day, closes) if closes is not None else dt.datetime.combine(day, dt.time(0)) + _DAY
    found: list[tuple[int, int]] = []
    for a, b, offset in _pieces(zone, _naive_utc(first.replace(tzinfo=None)), _naive_utc(last.replace(tzinfo=None))):
        # Inside one piece the local clock is UTC + offset, strictly increasing.
        start = max(a, _naive_utc(low - offset))
        end = min(b, _naive_utc(high - offset))
        if start >= end:
            continue
        if found and found[-1][1] == start:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return [(_aware(a), _aware(b)) for a, b in found]


def first_showing(zone: ZoneInfo, day: dt.date, at: dt.time) -> dt.datetime | None:
    """The first instant at which the clock of ``zone`` shows ``day`` at ``at`` or later (aware UTC).

    ``02:30`` on a day the clock jumps from 02:00 to 03:00 is the jump itself (03:00 new time);
    ``None`` only if no instant of ``day`` is that late (never for a real zone and ``at`` < 23:00).
    """
    found = showing(zone, day, at)
    return found[0][0] if found else None


def _aware(second: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(second, dt.UTC)
