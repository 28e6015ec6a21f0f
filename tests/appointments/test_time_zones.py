"""Appointments around Africa/Casablanca's changes of UTC offset (+01, and +00 during Ramadan),
looked up in the installed tzdata with zoneinfo, and at the Dakar desk (UTC+0 all year)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.calendars.service import local_day_bounds
from app.desks.models import Desk
from tests.appointments.conftest import World, book, insert_appointment
from tests.appointments.helpers import (
    CASA_TZ,
    DAKAR_TZ,
    iso,
    local,
    offset_changes,
    weekday_after,
    weekday_before,
)

HOUR = dt.timedelta(hours=1)


def _year(year: int) -> list[tuple[dt.datetime, dt.timedelta]]:
    return offset_changes(CASA_TZ, dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC))


def test_tzdata_has_casablanca_s_2026_ramadan_switches() -> None:
    assert _year(2026) == [
        (dt.datetime(2026, 2, 15, 2, tzinfo=dt.UTC), dt.timedelta(0)),
        (dt.datetime(2026, 3, 22, 2, tzinfo=dt.UTC), HOUR),
    ]


def test_tzdata_has_casablanca_s_2027_ramadan_switches() -> None:
    assert _year(2027) == [
        (dt.datetime(2027, 2, 7, 2, tzinfo=dt.UTC), dt.timedelta(0)),
        (dt.datetime(2027, 3, 14, 2, tzinfo=dt.UTC), HOUR),
    ]


def test_dakar_never_changes_offset() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert offset_changes(DAKAR_TZ, start, start + dt.timedelta(days=2 * 366)) == []
    assert local(dt.date(2027, 2, 10), "10:00", DAKAR_TZ).utcoffset() == dt.timedelta(0)


def _upcoming_changes() -> list[tuple[dt.datetime, dt.timedelta]]:
    """The next two offset changes at least two weeks from now (bookable on both sides)."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    changes = offset_changes(CASA_TZ, now, now + dt.timedelta(days=2 * 366))
    assert len(changes) >= 2, "tzdata predicts no Africa/Casablanca change in the next two years"
    return changes[:2]


@pytest.mark.parametrize("which", [0, 1])
async def test_ten_o_clock_local_differs_by_one_hour_in_utc_across_a_change(client, world: World, which: int) -> None:
    change, new_offset = _upcoming_changes()[which]
    before_day = weekday_before(change.astimezone(CASA_TZ).date())
    after_day = weekday_after(change.astimezone(CASA_TZ).date())
    common = {"desk_id": world.casa, "agent_id": world.agent.id, "registrant_id": world.registrant}
    before = await book(
        client, world.agent, starts_at=iso(before_day, "10:00"), ends_at=iso(before_day, "10:30"), **common
    )
    after = await book(
        client, world.agent, starts_at=iso(after_day, "10:00"), ends_at=iso(after_day, "10:30"), **common
    )
    assert before.status_code == after.status_code == 201, (before.text, after.text)
    old_offset = new_offset + HOUR if new_offset == dt.timedelta(0) else new_offset - HOUR

    def hhmm(offset: dt.timedelta) -> str:
        return "+01:00" if offset == HOUR else "+00:00"

    assert before.json()["start_local"] == f"{before_day.isoformat()}T10:00:00{hhmm(old_offset)}"
    assert after.json()["start_local"] == f"{after_day.isoformat()}T10:00:00{hhmm(new_offset)}"
    utc_before = dt.datetime.fromisoformat(before.json()["starts_at"])
    utc_after = dt.datetime.fromisoformat(after.json()["starts_at"])
    assert utc_before.time() == (dt.time(9, 0) if old_offset == HOUR else dt.time(10, 0))
    assert utc_after.time() == (dt.time(9, 0) if new_offset == HOUR else dt.time(10, 0))
    assert abs((utc_after.hour * 60 + utc_after.minute) - (utc_before.hour * 60 + utc_before.minute)) == 60


async def test_booking_sent_with_the_wrong_offset_during_ramadan_time_is_another_instant(client, world: World) -> None:
    """A client that assumes +01 during the +00 period books 09:00 local, not 10:00."""
    change = next(c for c, o in _upcoming_changes() if o == dt.timedelta(0))
    day = weekday_after(change.astimezone(CASA_TZ).date())
    response = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=f"{day.isoformat()}T10:00:00+01:00",
        ends_at=f"{day.isoformat()}T10:30:00+01:00",
    )
    assert response.status_code == 201
    assert response.json()["starts_at"] == f"{day.isoformat()}T09:00:00Z"
    assert response.json()["start_local"] == f"{day.isoformat()}T09:00:00+00:00"


@pytest.mark.parametrize(
    ("day", "utc_start", "local_start"),
    [
        (dt.date(2026, 2, 13), "2026-02-13T09:00:00Z", "2026-02-13T10:00:00+01:00"),  # Friday before +00
        (dt.date(2026, 2, 16), "2026-02-16T10:00:00Z", "2026-02-16T10:00:00+00:00"),  # Monday after
        (dt.date(2026, 3, 20), "2026-03-20T10:00:00Z", "2026-03-20T10:00:00+00:00"),  # Friday before +01
        (dt.date(2026, 3, 23), "2026-03-23T09:00:00Z", "2026-03-23T10:00:00+01:00"),  # Monday after
    ],
)
async def test_past_2026_appointments_render_with_that_day_s_offset(
    client, world: World, sessionmaker, day: dt.date, utc_start: str, local_start: str
) -> None:
    await insert_appointment(
        sessionmaker,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=local(day, "10:00"),
    )
    response = await client.get(
        "/api/v1/appointments", params={"desk_id": str(world.casa), "day": day.isoformat()}, headers=world.agent.headers
    )
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["starts_at"], item["start_local"], item["local_date"]) == (utc_start, local_start, day.isoformat())


def _desk(time_zone: str) -> Desk:
    return Desk(code="T", name="T", country="MA", city="T", time_zone=time_zone, opening_hours={})


def test_local_day_of_the_switch_to_plus_zero_lasts_25_hours() -> None:
    start, end = local_day_bounds(_desk("Africa/Casablanca"), dt.date(2027, 2, 7))
    assert start == dt.datetime(2027, 2, 6, 23, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 2, 8, 0, tzinfo=dt.UTC)


def test_local_day_of_the_switch_back_to_plus_one_lasts_23_hours() -> None:
    start, end = local_day_bounds(_desk("Africa/Casablanca"), dt.date(2027, 3, 14))
    assert start == dt.datetime(2027, 3, 14, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 3, 14, 23, tzinfo=dt.UTC)


def test_dakar_local_day_is_the_utc_day() -> None:
    start, end = local_day_bounds(_desk("Africa/Dakar"), dt.date(2027, 2, 7))
    assert (start, end) == (dt.datetime(2027, 2, 7, tzinfo=dt.UTC), dt.datetime(2027, 2, 8, tzinfo=dt.UTC))
