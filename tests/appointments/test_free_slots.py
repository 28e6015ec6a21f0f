"""Free slots of a desk for an agent: opening hours minus holidays, past times and the agent's
own booked or kept appointments, in the desk's time zone; and every slot offered is bookable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx

from tests.appointments.conftest import World, book, insert_appointment
from tests.appointments.helpers import DAKAR_TZ, local, next_weekday, utc_z

URL = "/api/v1/appointments/free-slots"


async def slots(client: httpx.AsyncClient, world: World, **params: object) -> httpx.Response:
    query = {"desk_id": str(world.casa), "agent_id": str(world.agent.id), **{k: str(v) for k, v in params.items()}}
    return await client.get(URL, params=query, headers=world.agent.headers)


async def test_a_day_is_opening_hours_minus_the_agents_bookings_and_a_slot_offered_can_be_booked(
    client, world: World, sessionmaker
) -> None:
    day = next_weekday(2)
    await insert_appointment(
        sessionmaker, desk_id=world.casa, agent_id=world.agent.id, registrant_id=world.registrant,
        starts_at=local(day, "10:00"), minutes=30,
    )  # fmt: skip
    await insert_appointment(  # the colleague's time is not the agent's
        sessionmaker, desk_id=world.casa, agent_id=world.colleague.id, registrant_id=world.registrant,
        starts_at=local(day, "11:00"), minutes=30,
    )  # fmt: skip
    await insert_appointment(  # a cancelled appointment frees its time
        sessionmaker, desk_id=world.casa, agent_id=world.agent.id, registrant_id=world.registrant,
        starts_at=local(day, "12:00"), minutes=30, status="cancelled",
    )  # fmt: skip
    await insert_appointment(  # 14:15-14:45 overlaps two 30-minute slots
        sessionmaker, desk_id=world.casa, agent_id=world.agent.id, registrant_id=world.registrant,
        starts_at=local(day, "14:15"), minutes=30, status="kept",
    )  # fmt: skip
    response = await slots(client, world, start=day.isoformat())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["time_zone"] == "Africa/Casablanca"
    assert body["duration_minutes"] == 30
    (only,) = body["days"]
    assert only["date"] == day.isoformat()
    assert only["holiday"] is None
    assert only["opening_hours"] == [["09:00", "16:30"]]
    starts = [s["start_local"][11:16] for s in only["slots"]]
    every = [f"{h:02d}:{m:02d}" for h in range(9, 16) for m in (0, 30)] + ["16:00"]
    assert starts == [s for s in every if s not in ("10:00", "14:00", "14:30")]
    first = only["slots"][0]
    assert first["start_local"] == local(day, "09:00").isoformat()
    assert first["starts_at"] == utc_z(local(day, "09:00"))
    assert first["end_local"] == local(day, "09:30").isoformat()

    chosen = next(s for s in only["slots"] if s["start_local"][11:16] == "12:00")
    booked = await book(
        client, world.agent, desk_id=world.casa, agent_id=world.agent.id, registrant_id=world.registrant,
        starts_at=chosen["start_local"], ends_at=chosen["end_local"],
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    again = (await slots(client, world, start=day.isoformat())).json()["days"][0]["slots"]
    assert "12:00" not in [s["start_local"][11:16] for s in again]
    assert len(again) == len(only["slots"]) - 1


async def test_a_week_shows_holidays_and_weekends_closed_and_longer_slots(client, world: World) -> None:
    monday = next_weekday(1)
    holiday = monday + dt.timedelta(days=2)
    added = await client.post(
        f"/api/v1/desks/{world.casa}/holidays",
        json={"day": holiday.isoformat(), "name": "Fête du Trône"},
        headers=world.admin.headers,
    )
    assert added.status_code == 201, added.text
    response = await slots(client, world, start=monday.isoformat(), days=7, duration_minutes=60)
    assert response.status_code == 200, response.text
    days = response.json()["days"]
    assert [d["date"] for d in days] == [(monday + dt.timedelta(days=i)).isoformat() for i in range(7)]
    by_date = {d["date"]: d for d in days}
    assert by_date[holiday.isoformat()]["holiday"] == "Fête du Trône"
    assert by_date[holiday.isoformat()]["slots"] == []
    for weekend in (monday + dt.timedelta(days=5), monday + dt.timedelta(days=6)):
        assert by_date[weekend.isoformat()] == {
            "date": weekend.isoformat(), "holiday": None, "opening_hours": [], "slots": [],
        }  # fmt: skip
    # 09:00-16:30 in hours: 09:00 … 15:00 start, the last ends at 16:00 (16:00-17:00 would close late)
    assert [s["start_local"][11:16] for s in by_date[monday.isoformat()]["slots"]] == [
        f"{h:02d}:00" for h in range(9, 16)
    ]


async def test_the_dakar_desk_answers_in_its_own_zone(client, world: World) -> None:
    day = next_weekday(4)
    response = await client.get(
        URL,
        params={"desk_id": str(world.dakar), "start": day.isoformat(), "agent_id": str(world.dakar_agent.id)},
        headers=world.dakar_agent.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["time_zone"] == "Africa/Dakar"
    first = body["days"][0]["slots"][0]
    assert first["start_local"] == dt.datetime.combine(day, dt.time(9), tzinfo=DAKAR_TZ).isoformat()
    assert first["start_local"].endswith("+00:00")


async def test_the_caller_is_the_default_agent_and_times_already_past_are_not_offered(client, world: World) -> None:
    every_hour = {str(d): [["00:00", "23:59"]] for d in range(1, 8)}
    desk = await client.get(f"/api/v1/desks/{world.casa}", headers=world.admin.headers)
    changed = await client.patch(
        f"/api/v1/desks/{world.casa}",
        json={"opening_hours": every_hour},
        headers={**world.admin.headers, "If-Match": desk.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    zone = ZoneInfo("Africa/Casablanca")
    now = dt.datetime.now(zone)
    response = await client.get(
        URL,
        params={"desk_id": str(world.casa), "start": now.date().isoformat(), "days": 2, "duration_minutes": 60},
        headers=world.agent.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agent_id"] == str(world.agent.id)
    today, tomorrow = body["days"]
    starts = [dt.datetime.fromisoformat(s["start_local"]) for s in today["slots"]]
    expected = [
        dt.datetime.combine(now.date(), dt.time(h), tzinfo=zone)
        for h in range(23)
        if dt.datetime.combine(now.date(), dt.time(h), tzinfo=zone) > now
    ]
    assert starts == expected
    assert len(tomorrow["slots"]) == 23


async def test_bad_requests_are_problems_and_other_desks_are_hidden(client, world: World) -> None:
    day = next_weekday(2).isoformat()
    for params, status in (
        ({"start": day, "days": 0}, 422),
        ({"start": day, "days": 15}, 422),
        ({"start": day, "duration_minutes": 4}, 422),
        ({"start": day, "duration_minutes": "half"}, 422),
        ({"start": "2026-02-30"}, 422),
        ({"start": "9999-12-31", "days": 14}, 422),
        ({"start": "0001-01-01"}, 422),
        ({}, 422),
    ):
        response = await slots(client, world, **params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await slots(client, world, start=day, agent_id=world.dakar_agent.id)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/agent-not-at-desk")
    response = await client.get(URL, params={"desk_id": str(world.dakar), "start": day}, headers=world.agent.headers)
    assert response.status_code == 404
