"""Desk calendars: business days, opening hours and holidays of a desk.

Business days skip weekends (Saturday, Sunday) and the desk's holidays. Holidays are added and
removed by administrators (audited), by hand or imported for a year from the ``holidays`` library.

Dates are local dates in the desk's IANA time zone (``zoneinfo``, with the ``tzdata`` package
shipped with the app so rule changes such as Africa/Casablanca's arrive with an upgrade).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.audit import service as audit
from app.calendars import clock
from app.calendars.errors import HolidayExists, PublicHolidaysUnavailable
from app.calendars.models import DeskHoliday
from app.calendars.public_holidays import fixed_public_holidays
from app.calendars.rules import FIRST_DAY, LAST_DAY, SundayRule, observed_day
from app.core.context import Actor
from app.core.errors import NotFound, ValidationFailed
from app.core.http import check_if_match
from app.core.i18n import date_fr
from app.core.reasons import said
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


_SPAN = f"{FIRST_DAY.isoformat()} .. {LAST_DAY.isoformat()}"
_SPAN_FR = f"le {date_fr(FIRST_DAY)} et le {date_fr(LAST_DAY)}"
_REASON = (
    f"a date between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()} is expected",
    f"une date entre le {date_fr(FIRST_DAY)} et le {date_fr(LAST_DAY)} est attendue",
)


def _out_of_range(loc: list[str], en: str, fr: str, *, reason: tuple[str, str] = _REASON) -> ValidationFailed:
    """The 422 ``date_range`` at ``loc``; its ``detail`` names the date, its field error's
    ``reason`` says why in words, the field named by the screen (« Jour : avant 2000… »)."""
    error = {"loc": loc, "type": "date_range", "msg": f"must be a local date of the desk within {_SPAN}"}
    return ValidationFailed(
        f"{en} {_SPAN}.",
        detail_fr=f"{fr} {_SPAN_FR}.",
        errors=[said(error, fr=reason[1], en=reason[0])],
    )


_NAMED_FR = {
    "start": "La date de début",
    "from": "La date de début",
    "starts_at": "Le début du rendez-vous",
    "ends_at": "La fin du rendez-vous",
}
"""The dates a request names (the last member of ``loc``) as the screens say them."""


def require_calendar_days(start: dt.date, days: int, *, loc: list[str], days_loc: list[str]) -> None:
    """``ValidationFailed`` (422 ``date_range``) unless the local dates ``start`` .. ``start + days - 1``
    all lie within :data:`~app.calendars.rules.FIRST_DAY` .. :data:`~app.calendars.rules.LAST_DAY`:
    naming ``loc`` when ``start`` is outside, ``days_loc`` when only the last day asked is beyond."""
    name = loc[-1]
    if not FIRST_DAY <= start <= LAST_DAY:
        raise _out_of_range(
            loc, f"{name} must be a date within", f"{_NAMED_FR.get(name, 'La date')} doit être comprise entre"
        )
    if (LAST_DAY - start).days < days - 1:
        last = (start + dt.timedelta(days=days - 1)).isoformat()
        raise _out_of_range(
            days_loc,
            f"The days asked run to {last}; free slots are given for dates within",
            f"Les jours demandés vont jusqu'au {date_fr(start + dt.timedelta(days=days - 1))} ; les créneaux libres "
            "sont donnés pour des dates entre",
            reason=(
                f"the days asked run past {LAST_DAY.isoformat()}",
                f"les jours demandés vont au-delà du {date_fr(LAST_DAY)}",
            ),
        )


def require_calendar_moment(desk: Desk, moment: dt.datetime, *, loc: list[str]) -> None:
    """``ValidationFailed`` (422 ``date_range`` at ``loc``) unless the desk's local date at the aware
    ``moment`` lies within :data:`~app.calendars.rules.FIRST_DAY` .. :data:`~app.calendars.rules.LAST_DAY`
    (the range of the free slots offered: a slot offered is in it, a time outside is refused)."""
    if not FIRST_DAY <= local_date(desk, moment) <= LAST_DAY:
        name = loc[-1]
        raise _out_of_range(
            loc,
            f"{name} must fall on a local date of desk {desk.code} ({desk.time_zone}) within",
            f"{_NAMED_FR.get(name, 'La date')} doit tomber, à l'heure du guichet {desk.code} ({desk.time_zone}), "
            "à une date comprise entre",
        )


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


# --- Opening hours -----------------------------------------------------------------------------


def opening_spans(desk: Desk, day: dt.date) -> list[tuple[dt.time, dt.time | None]]:
    """The desk's opening spans on the local date ``day`` (``[]`` when closed that weekday).

    ``Desk.opening_hours`` maps ISO weekdays ``"1"``..``"7"`` to ``[["HH:MM", "HH:MM"], …]``
    local wall times; an end of ``"24:00"`` (open until midnight) is ``None``, the end of the day.
    """
    spans = (desk.opening_hours or {}).get(str(day.isoweekday()), [])
    return [(dt.time.fromisoformat(a), None if b == "24:00" else dt.time.fromisoformat(b)) for a, b in spans]


def span_text(opens: dt.time, closes: dt.time | None) -> list[str]:
    """An opening span of :func:`opening_spans` as written: ``["18:00", "24:00"]``."""
    return [opens.strftime("%H:%M"), "24:00" if closes is None else closes.strftime("%H:%M")]


def open_intervals(desk: Desk, day: dt.date) -> list[clock.Interval]:
    """When the desk is open on its local date ``day``: UTC intervals ``[start, end)``, by start.

    One interval per opening span as a rule (:func:`app.calendars.clock.showing`: the instants at
    which the desk's clock shows a time in the span): a skipped hour is absent, a repeated hour
    inside a span is open twice, a span beginning or ending inside a repeated hour gives two.
    ``[]`` on a day without spans.
    """
    zone = ZoneInfo(desk.time_zone)
    return [part for opens, closes in opening_spans(desk, day) for part in clock.showing(zone, day, opens, closes)]


def open_stretches(desk: Desk, day: dt.date) -> list[clock.Interval]:
    """:func:`open_intervals` with those that touch or overlap joined, by start: when the desk is
    open without a break. Tuesday 09:00–14:15 and 14:15–16:30 are one stretch 09:00–16:30, so a
    booking 14:00–14:30 fits. Joined on the UTC timeline, after the desk's clock is followed.
    (Free slots are still cut span by span, from :func:`open_intervals`.)"""
    out: list[clock.Interval] = []
    for start, end in sorted(open_intervals(desk, day)):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def within_opening_hours(desk: Desk, start: dt.datetime, end: dt.datetime) -> bool:
    """True when the aware interval ``[start, end)`` lies inside one stretch of :func:`open_stretches`
    of the desk's local date at ``start``: every instant of it, the clock shows a time of an
    opening span of that day, touching spans counting as one (the offset changes of the zone
    followed to the second).
    """
    return any(a <= start and end <= b for a, b in open_stretches(desk, local_date(desk, start)))


def local_day_bounds(desk: Desk, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants ``[start, end)`` of the desk's local calendar date ``day``.

    A local day is not always 24 hours long where the offset changes; this follows the zone
    (:func:`app.calendars.clock.day_bounds`).
    """
    return clock.day_bounds(ZoneInfo(desk.time_zone), day)


# --- Holidays ----------------------------------------------------------------------------------


async def list_holidays(session: AsyncSession, *, desk: Desk, start: dt.date, end: dt.date) -> list[DeskHoliday]:
    """The desk's holidays in ``[start, end]``, by day."""
    stmt = (
        select(DeskHoliday)
        .where(DeskHoliday.desk_id == desk.id, DeskHoliday.day >= start, DeskHoliday.day <= end)
        .order_by(DeskHoliday.day)
    )
    return list((await session.execute(stmt)).scalars().all())


async def _get_holiday(session: AsyncSession, *, desk: Desk, day: dt.date) -> DeskHoliday | None:
    stmt = select(DeskHoliday).where(DeskHoliday.desk_id == desk.id, DeskHoliday.day == day)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_holiday(
    session: AsyncSession, *, actor: Actor, desk: Desk, day: dt.date, name: str, sunday_rule: SundayRule = "country"
) -> DeskHoliday:
    """Close the desk for a holiday whose legal date is ``day`` (administrators; audited).

    A Sunday holiday moves to Monday when the rule says so (:func:`app.calendars.rules.observed_day`);
    the stored ``day`` is then the Monday and ``observed_from`` the Sunday. Raises ``HolidayExists``
    (409) when the desk is already closed for a holiday that day. Appointments still booked that
    day stay booked: :func:`booked_on` lists them for the administrator, and the desk's week shows
    them flagged, to be moved.
    """
    closed = observed_day(day, country=desk.country, rule=sunday_rule)
    existing = await _get_holiday(session, desk=desk, day=closed)
    if existing is not None:
        raise HolidayExists(
            f"{closed.isoformat()} is already a holiday at {desk.code} ({existing.name}).",
            detail_fr=f"Le {date_fr(closed)} est déjà un jour férié de ce guichet ({existing.name}).",
            day=closed.isoformat(),
        )
    holiday = DeskHoliday(desk_id=desk.id, day=closed, name=name, observed_from=day if closed != day else None)
    session.add(holiday)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="desk_holiday.create",
        entity_type="desk_holiday",
        entity_id=str(holiday.id),
        desk_id=desk.id,
        details={"day": closed, "name": name, "observed_from": holiday.observed_from, "sunday_rule": sunday_rule},
    )
    return holiday


async def booked_on(session: AsyncSession, *, desk: Desk, day: dt.date) -> list[Appointment]:
    """The appointments still booked at ``desk`` starting on its local date ``day``, by start."""
    start, end = local_day_bounds(desk, day)
    stmt = select(Appointment).where(
        Appointment.desk_id == desk.id,
        Appointment.status == "booked",
        Appointment.starts_at >= start,
        Appointment.starts_at < end,
    )
    return list((await session.execute(stmt.order_by(Appointment.starts_at, Appointment.id))).scalars())


MoveReason = Literal["holiday", "outside-opening-hours"]
"""Why a booked appointment is to be moved: the desk now closes for a holiday that day, or its
opening hours no longer hold the appointment (changed after it was booked)."""


async def move_reasons(session: AsyncSession, pairs: Sequence[tuple[Appointment, Desk]]) -> dict[uuid.UUID, MoveReason]:
    """The booked appointments of ``pairs`` that a booking now would refuse, by id, with why:
    ``holiday`` when the desk is closed that local day, else ``outside-opening-hours`` when
    ``[starts_at, ends_at)`` does not lie inside one open stretch of the local day of its start
    (:func:`open_stretches`: touching spans joined; :func:`within_opening_hours`, the booking rule;
    the desk's zone and its clock changes followed). Other appointments (kept, missed, cancelled,
    or still fitting) are absent. One holiday query per desk."""
    by_desk: dict[uuid.UUID, list[tuple[Appointment, Desk, dt.date]]] = {}
    for appointment, desk in pairs:
        if appointment.status == "booked":
            by_desk.setdefault(desk.id, []).append((appointment, desk, local_date(desk, appointment.starts_at)))
    out: dict[uuid.UUID, MoveReason] = {}
    for rows in by_desk.values():
        desk = rows[0][1]
        days = [day for _, _, day in rows]
        closed = await holidays_between(session, desk_id=desk.id, start=min(days), end=max(days))
        intervals: dict[dt.date, list[clock.Interval]] = {}
        for appointment, _, day in rows:
            if day in closed:
                out[appointment.id] = "holiday"
                continue
            if day not in intervals:
                intervals[day] = open_stretches(desk, day)
            if not any(a <= appointment.starts_at and appointment.ends_at <= b for a, b in intervals[day]):
                out[appointment.id] = "outside-opening-hours"
    return out


async def booked_outside_hours(session: AsyncSession, *, desk: Desk, since: dt.datetime) -> list[Appointment]:
    """The appointments still booked at ``desk`` starting at or after ``since`` that its opening
    hours no longer hold (:func:`move_reasons` ``outside-opening-hours``; those on a holiday are
    already flagged for it), by start: what an administrator changing the hours or the time zone
    is told to have moved."""
    stmt = select(Appointment).where(
        Appointment.desk_id == desk.id, Appointment.status == "booked", Appointment.starts_at >= since
    )
    rows = list((await session.execute(stmt.order_by(Appointment.starts_at, Appointment.id))).scalars())
    reasons = await move_reasons(session, [(a, desk) for a in rows])
    return [a for a in rows if reasons.get(a.id) == "outside-opening-hours"]


async def get_holiday(session: AsyncSession, *, desk: Desk, day: dt.date, for_update: bool = False) -> DeskHoliday:
    """The desk's holiday on ``day`` (``for_update`` locks it); ``NotFound`` (404) when the desk
    is open that day."""
    stmt = select(DeskHoliday).where(DeskHoliday.desk_id == desk.id, DeskHoliday.day == day)
    holiday = (await session.execute(stmt.with_for_update() if for_update else stmt)).scalar_one_or_none()
    if holiday is None:
        raise NotFound(
            f"{day.isoformat()} is not a holiday at {desk.code}.",
            detail_fr=f"Le {date_fr(day)} n'est pas un jour férié de ce guichet.",
        )
    return holiday


async def remove_holiday(
    session: AsyncSession, *, actor: Actor, desk: Desk, day: dt.date, if_match: str | None = None
) -> None:
    """Reopen the desk on ``day`` (administrators; audited). ``if_match`` (optional): the
    holiday's ETag as the caller read it (:attr:`DeskHoliday.etag`); another one raises
    ``PreconditionFailed`` (412) and nothing is removed. Raises ``NotFound`` (404)."""
    holiday = await get_holiday(session, desk=desk, day=day, for_update=True)
    check_if_match(if_match, holiday.etag)
    await session.delete(holiday)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="desk_holiday.delete",
        entity_type="desk_holiday",
        entity_id=str(holiday.id),
        desk_id=desk.id,
        details={"day": day, "name": holiday.name, "observed_from": holiday.observed_from},
    )


@dataclass
class ImportResult:
    """What a public-holiday import did: holidays added, and legal dates skipped with the reason."""

    added: list[DeskHoliday] = field(default_factory=list)
    skipped: list[tuple[dt.date, str, str]] = field(default_factory=list)


async def import_public_holidays(session: AsyncSession, *, actor: Actor, desk: Desk, year: int) -> ImportResult:
    """Add the exactly-known public holidays of the desk's country for ``year`` (administrators).

    Source: the ``holidays`` library (:mod:`app.calendars.public_holidays`); Islamic holidays are
    not imported (moon sighting: add them by hand). The desk's Sunday rule applies. Days already
    closed are skipped (``reason="exists"``). One audit event for the import and one per holiday.
    Raises ``PublicHolidaysUnavailable`` (422) for a country the library does not know.
    """
    found = fixed_public_holidays(desk.country, year)
    if found is None:
        raise PublicHolidaysUnavailable(
            f"No public-holiday data for country {desk.country}; add the holidays by hand.",
            detail_fr=f"Pas de jours fériés connus pour le pays {desk.country} ; ajoutez-les à la main.",
        )
    result = ImportResult()
    for item in found:
        closed = observed_day(item.day, country=desk.country)
        if await _get_holiday(session, desk=desk, day=closed) is not None:
            result.skipped.append((item.day, item.name, "exists"))
            continue
        result.added.append(await add_holiday(session, actor=actor, desk=desk, day=item.day, name=item.name))
    await audit.record(
        session,
        actor=actor,
        action="desk_holiday.import",
        entity_type="desk",
        entity_id=desk.id,
        desk_id=desk.id,
        details={"year": year, "source": "holidays", "added": len(result.added), "skipped": len(result.skipped)},
    )
    return result
