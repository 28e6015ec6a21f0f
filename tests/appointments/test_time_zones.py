"""Appointments around Africa/Casablanca's changes of UTC offset and at the Dakar desk (UTC+0 all year).

Offsets are those of the pinned IANA release (``app.core.timezones``): +01 with +00 during Ramadan
until 2026, then permanent +00 from 2026-09-20 02:00 local (IANA tz 2026c NEWS, "Morocco moves to
permanent +00 on 2026-09-20"). A host database older than 2026c fails these tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.appointments import checks
from app.calendars.service import local_day_bounds
from app.desks.models import Desk
from tests.appointments.conftest import World, book, insert_appointment
from tests.appointments.helpers import (
    CASA_TZ,
    DAKAR_TZ,
    local,
    offset_changes,
)

HOUR = dt.timedelta(hours=1)


def _year(year: int) -> list[tuple[dt.datetime, dt.timedelta]]:
    return offset_changes(CASA_TZ, dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC))


def test_tzdata_has_casablanca_s_2026_switches() -> None:
    """IANA 2026c: the Ramadan switches of 2026, then permanent +00 from 2026-09-20 02:00 local."""
    assert _year(2026) == [
        (dt.datetime(2026, 2, 15, 2, tzinfo=dt.UTC), dt.timedelta(0)),
        (dt.datetime(2026, 3, 22, 2, tzinfo=dt.UTC), HOUR),
        (dt.datetime(2026, 9, 20, 1, tzinfo=dt.UTC), dt.timedelta(0)),
    ]


def test_tzdata_has_no_casablanca_switch_after_september_2026() -> None:
    """The host's 2025b predicts Ramadan switches in 2027 (7 February, 14 March); 2026c none."""
    start = dt.datetime(2026, 9, 21, tzinfo=dt.UTC)
    assert offset_changes(CASA_TZ, start, start + dt.timedelta(days=3 * 366)) == []


def test_dakar_never_changes_offset() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert offset_changes(DAKAR_TZ, start, start + dt.timedelta(days=2 * 366)) == []
    assert local(dt.date(2027, 2, 10), "10:00", DAKAR_TZ).utcoffset() == dt.timedelta(0)


@pytest.fixture
def november_2026(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The booking rules' clock set to 2026-11-20 12:00 UTC (bookings on 1 December are ahead)."""
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(checks, "utcnow", lambda: now)
    return now


async def _book_on(client, world: World, desk: str, start: str, end: str):  # type: ignore[no-untyped-def]
    if desk == "casa":
        who = {"desk_id": world.casa, "agent_id": world.agent.id, "registrant_id": world.registrant}
        return await book(client, world.agent, starts_at=start, ends_at=end, **who)
    who = {"desk_id": world.dakar, "agent_id": world.dakar_agent.id, "registrant_id": world.dakar_registrant}
    return await book(client, world.dakar_agent, starts_at=start, ends_at=end, **who)


async def test_ten_o_clock_at_casablanca_on_1_december_2026_is_stored_and_shown_at_ten(
    client, world: World, november_2026
) -> None:
    """A client using the 2026c rules sends 10:00+00:00; the host's 2025b would show 11:00+01:00."""
    response = await _book_on(client, world, "casa", "2026-12-01T10:00:00+00:00", "2026-12-01T10:30:00+00:00")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["starts_at"], body["start_local"]) == ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00+00:00")
    listed = await client.get(
        "/api/v1/appointments", params={"desk_id": str(world.casa), "day": "2026-12-01"}, headers=world.agent.headers
    )
    [item] = listed.json()["items"]
    assert (item["start_local"], item["local_date"]) == ("2026-12-01T10:00:00+00:00", "2026-12-01")


async def test_a_client_still_on_plus_one_books_nine_o_clock_local(client, world: World, november_2026) -> None:
    """10:00+01:00 is an instant: 09:00 UTC, shown as 09:00 at the desk (UTC+00)."""
    response = await _book_on(client, world, "casa", "2026-12-01T10:00:00+01:00", "2026-12-01T10:30:00+01:00")
    assert response.status_code == 201
    assert response.json()["starts_at"] == "2026-12-01T09:00:00Z"
    assert response.json()["start_local"] == "2026-12-01T09:00:00+00:00"


@pytest.mark.parametrize("desk", ["casa", "dakar"])
@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("16:00", "16:30", 201),  # the last half hour (09:00–16:30); 17:00 local under +01
        ("08:15", "08:45", 422),  # before opening; 09:15 local under +01
        ("09:00", "09:30", 201),
        ("16:15", "16:45", 422),  # runs past closing
    ],
)
async def test_opening_hours_on_1_december_2026_follow_utc_plus_zero(
    client, world: World, november_2026, desk: str, start: str, end: str, status: int
) -> None:
    """Both desks open 09:00–16:30 local (app.reference.data) and are both at UTC+00 that day."""
    response = await _book_on(client, world, desk, f"2026-12-01T{start}:00Z", f"2026-12-01T{end}:00Z")
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["type"].endswith("/problems/outside-opening-hours")


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


@pytest.mark.parametrize("day", [dt.date(2026, 2, 15), dt.date(2026, 9, 20)])
def test_local_day_of_a_switch_to_plus_zero_lasts_25_hours(day: dt.date) -> None:
    start, end = local_day_bounds(_desk("Africa/Casablanca"), day)
    assert start == dt.datetime.combine(day - dt.timedelta(days=1), dt.time(23), tzinfo=dt.UTC)
    assert end == dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


def test_local_day_of_the_switch_back_to_plus_one_lasts_23_hours() -> None:
    start, end = local_day_bounds(_desk("Africa/Casablanca"), dt.date(2026, 3, 22))
    assert start == dt.datetime(2026, 3, 22, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 22, 23, tzinfo=dt.UTC)


def test_local_day_at_casablanca_after_september_2026_is_the_utc_day() -> None:
    start, end = local_day_bounds(_desk("Africa/Casablanca"), dt.date(2027, 2, 7))
    assert (start, end) == (dt.datetime(2027, 2, 7, tzinfo=dt.UTC), dt.datetime(2027, 2, 8, tzinfo=dt.UTC))


def test_dakar_local_day_is_the_utc_day() -> None:
    start, end = local_day_bounds(_desk("Africa/Dakar"), dt.date(2027, 2, 7))
    assert (start, end) == (dt.datetime(2027, 2, 7, tzinfo=dt.UTC), dt.datetime(2027, 2, 8, tzinfo=dt.UTC))
