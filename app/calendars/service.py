"""Business days of a desk: weekends (Saturday, Sunday) and the desk's holidays are skipped.

Dates are local dates in the desk's IANA time zone (``zoneinfo``, with the ``tzdata`` package
shipped with the app so rule changes such as Africa/Casablanca's arrive with an upgrade).
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendars.models import DeskHoliday
from app.desks.models import Desk

WEEKEND = frozenset({5, 6})  # date.weekday(): Saturday, Sunday


async def holidays_between(session: AsyncSession, *, desk_id: uuid.UUID, start: dt.date, end: dt.date) -> set[dt.date]:
    """The desk's holidays in ``[start, end]`` (local dates)."""
    rows = await session.execute(
        select(DeskHoliday.day).where(DeskHoliday.desk_id == desk_id, DeskHoliday.day >= start, DeskHoliday.day <= end)
    )
    return set(rows.scalars().all())


def local_date(desk: Desk, moment: dt.datetime) -> dt.date:
    """The desk's local calendar date at the aware instant ``moment``."""
    return moment.astimezone(ZoneInfo(desk.time_zone)).date()


async def add_business_days(session: AsyncSession, *, desk: Desk, start: dt.date, days: int) -> dt.date:
    """The local date ``days`` business days after ``start`` (``start`` itself not counted).

    ``days=0`` returns ``start`` unchanged. Raises ``ValueError`` for a negative ``days``.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    if days == 0:
        return start
    # A business week has at least 5 days; leave room for holidays.
    horizon = start + dt.timedelta(days=days * 2 + 30)
    holidays = await holidays_between(session, desk_id=desk.id, start=start, end=horizon)
    current, remaining = start, days
    while remaining:
        current += dt.timedelta(days=1)
        if current > horizon:
            horizon = current + dt.timedelta(days=days * 2 + 30)
            holidays |= await holidays_between(session, desk_id=desk.id, start=current, end=horizon)
        if current.weekday() not in WEEKEND and current not in holidays:
            remaining -= 1
    return current


async def is_business_day(session: AsyncSession, *, desk: Desk, day: dt.date) -> bool:
    """True when ``day`` is neither a weekend day nor one of the desk's holidays."""
    if day.weekday() in WEEKEND:
        return False
    return not await holidays_between(session, desk_id=desk.id, start=day, end=day)
