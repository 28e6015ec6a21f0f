"""What a report or export covers: a period of local dates and the desks the actor may see.

Period bounds are *local calendar dates* of each desk (inclusive); an instant belongs to the
period when its local date in the desk's IANA zone does. :meth:`Scope.utc_bounds` turns them into
exact UTC half-open intervals per desk, so filters are plain SQL comparisons on every backend.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core.context import Actor
from app.core.errors import NotFound
from app.core.i18n import date_fr
from app.core.periods import InvalidPeriod, check_order
from app.desks import service as desks
from app.desks.models import Desk

MAX_PERIOD_YEARS = 10
"""A period ends before the same day ten years after its start (2016-01-01 to 2025-12-31 at most)."""


@dataclass(frozen=True)
class DeskInfo:
    """The little a report needs of a desk."""

    id: uuid.UUID
    code: str
    zone: ZoneInfo


@dataclass(frozen=True)
class Scope:
    """A period (``start``/``end`` inclusive local dates, or None for open-ended) and desks."""

    start: dt.date | None
    end: dt.date | None
    desks: tuple[DeskInfo, ...]

    @property
    def desk_ids(self) -> list[uuid.UUID]:
        return [d.id for d in self.desks]

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.desks]

    def by_id(self) -> dict[uuid.UUID, DeskInfo]:
        return {d.id: d for d in self.desks}

    def utc_bounds(self, desk: DeskInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``[from, to)`` in UTC covering the period's local dates at ``desk``."""
        return self.bounds_in(desk.zone)

    def bounds_in(self, zone: dt.tzinfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``[from, to)`` in UTC covering the period's dates in ``zone``; ``None`` for an open end,
        and for a bound at the edge of the calendar (years 1 and 9999), which nothing can pass."""
        low = _utc_midnight(self.start, zone) if self.start else None
        high = _utc_midnight(self.end + dt.timedelta(days=1), zone) if self.end and self.end < dt.date.max else None
        return low, high

    def instant_filter(
        self, desk_column: InstrumentedAttribute[uuid.UUID], instant: InstrumentedAttribute[Any]
    ) -> ColumnElement[bool]:
        """SQL: the row's desk is in scope and ``instant`` falls in the period at that desk."""
        clauses = []
        for desk in self.desks:
            low, high = self.utc_bounds(desk)
            parts: list[ColumnElement[bool]] = [desk_column == desk.id]
            if low is not None:
                parts.append(instant >= low)
            if high is not None:
                parts.append(instant < high)
            clauses.append(and_(*parts))
        return or_(*clauses) if clauses else false()

    def date_filter(
        self, desk_column: InstrumentedAttribute[uuid.UUID], day: InstrumentedAttribute[Any]
    ) -> ColumnElement[bool]:
        """SQL: the row's desk is in scope and the local date ``day`` is in the period."""
        parts: list[ColumnElement[bool]] = [desk_column.in_(self.desk_ids)] if self.desks else [false()]
        if self.start is not None:
            parts.append(day >= self.start)
        if self.end is not None:
            parts.append(day <= self.end)
        return and_(*parts)

    def today(self, now: dt.datetime) -> dt.date:
        """Where a period without ``end`` ends: the latest local date of its desks at the aware
        instant ``now`` (a desk east of UTC may be a day ahead); ``now``'s UTC date without desks."""
        return max((now.astimezone(d.zone).date() for d in self.desks), default=now.astimezone(dt.UTC).date())

    def local_date(self, desk_id: uuid.UUID, instant: dt.datetime) -> dt.date:
        """The local date at the desk ``desk_id`` (in scope) of the aware ``instant``."""
        return instant.astimezone(self._zones[desk_id]).date()

    @functools.cached_property
    def _zones(self) -> dict[uuid.UUID, ZoneInfo]:
        return {d.id: d.zone for d in self.desks}

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches (needs both bounds)."""
        assert self.start and self.end
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def _utc_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime | None:
    """The UTC instant ``day`` starts in ``zone``; ``None`` when it falls outside years 1-9999."""
    try:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
    except OverflowError:
        return None


def _years_after(day: dt.date, years: int) -> dt.date | None:
    """``day`` moved ``years`` later (29 February to 1 March in a common year); None past the
    calendar (year 9999), which no period can reach."""
    if day.year + years > dt.MAXYEAR:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return dt.date(day.year + years, 3, 1)


def _at_calendar_edge(day: dt.date) -> bool:
    return day.year in (dt.MINYEAR, dt.MAXYEAR)


def check_period(start: dt.date | None, end: dt.date | None, *, required: bool) -> None:
    """Raise ``InvalidPeriod`` when a bound is missing (if required), reversed or too long (more
    than ten years: a report has a column per month). Where the period may be open (exports), a
    bound in year 1 or 9999 stands for an open side and sets no length."""
    if required and (start is None or end is None):
        raise InvalidPeriod(
            "Give the period as start and end dates (YYYY-MM-DD).",
            detail_fr="Indiquez la période par des dates de début et de fin (AAAA-MM-JJ).",
        )
    check_order(start, end)
    open_side = not required and start and end and (_at_calendar_edge(start) or _at_calendar_edge(end))
    limit = _years_after(start, MAX_PERIOD_YEARS) if start else None
    if end and limit and not open_side and end >= limit:
        raise InvalidPeriod("A period spans at most ten years.", detail_fr="Une période couvre dix ans au plus.")


async def resolve(
    session: AsyncSession,
    *,
    actor: Actor,
    start: dt.date | None,
    end: dt.date | None,
    desk_codes: Sequence[str] = (),
    period_required: bool = True,
) -> Scope:
    """The scope of a request.

    No desk code: every desk the actor may see. Raises ``InvalidPeriod`` (422), ``UnknownDesk``
    (422) for a code that does not exist and ``NotFound`` (404) for a desk the actor does not
    belong to.
    """
    check_period(start, end, required=period_required)
    if desk_codes:
        found = await desks.get_many_by_code(session, codes=desk_codes, field="desk", where="query")
        for desk in found:
            if not actor.can_see_desk(desk.id):
                raise NotFound(f"No such desk: {desk.code}.", detail_fr=f"Guichet introuvable : {desk.code}.")
    else:
        found = await desks.list_visible(session, actor=actor)
    chosen: list[Desk] = sorted(found, key=lambda d: d.code)
    infos = tuple(DeskInfo(id=d.id, code=d.code, zone=ZoneInfo(d.time_zone)) for d in chosen)
    return Scope(start=start, end=end, desks=infos)


def check_ends_today(scope: Scope, now: dt.datetime) -> None:
    """For what cannot be dated later than today (a registration, a case, an audit event): raise
    ``InvalidPeriod`` (422, ``errors`` naming ``start`` and ``end``) when ``scope`` has no ``end``,
    so ends today (:meth:`Scope.today` at the aware instant ``now``), and starts after that:
    reversed, as with an explicit ``end`` before ``start``, rather than an empty answer that reads
    as "nothing happened"."""
    start = scope.start
    today = scope.today(now)
    if start is None or scope.end is not None or start <= today:
        return
    en = (
        f"Without an end date the period ends today ({today.isoformat()}), before it starts "
        f"(start={start.isoformat()}); give an end date (end=9999-12-31 for no end)."
    )
    fr = (
        f"Sans date de fin, la période se termine aujourd'hui ({date_fr(today)}), avant de commencer "
        f"({date_fr(start)}) ; indiquez une date de fin, lointaine au besoin (31 décembre 9999)."
    )
    errors = [{"loc": ["query", name], "msg": en, "type": "period_reversed"} for name in ("start", "end")]
    raise InvalidPeriod(en, detail_fr=fr, errors=errors)
