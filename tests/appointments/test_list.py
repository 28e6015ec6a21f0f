"""Listing appointments by desk and local day, with scoping and cursor pagination."""

from __future__ import annotations

import datetime as dt

from tests.appointments.conftest import World, book, insert_appointment
from tests.appointments.helpers import DAKAR_TZ, iso, local, next_weekday


async def _list(client, staff, **params: object):
    return await client.get(
        "/api/v1/appointments", params={k: str(v) for k, v in params.items()}, headers=staff.headers
    )


async def test_day_is_the_desk_s_local_day(client, world: World, sessionmaker) -> None:
    """At +01, 23:30 UTC is 00:30 the next local day; at Dakar (+00) it is still the same day."""
    day = dt.date(2026, 6, 17)  # Casablanca is at +01 then (IANA 2026c: +01 until 2026-09-20)
    late_utc = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(23, 30), tzinfo=dt.UTC)
    casa_id = await insert_appointment(
        sessionmaker, desk_id=world.casa, agent_id=world.agent.id, registrant_id=world.registrant, starts_at=late_utc
    )
    dakar_id = await insert_appointment(
        sessionmaker,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=late_utc,
    )
    casa_day = await _list(client, world.admin, desk_id=world.casa, day=day)
    casa_eve = await _list(client, world.admin, desk_id=world.casa, day=day - dt.timedelta(days=1))
    dakar_day = await _list(client, world.admin, desk_id=world.dakar, day=day)
    dakar_eve = await _list(client, world.admin, desk_id=world.dakar, day=day - dt.timedelta(days=1))
    assert [a["id"] for a in casa_day.json()["items"]] == [str(casa_id)]
    assert casa_day.json()["items"][0]["start_local"] == "2026-06-17T00:30:00+01:00"
    assert casa_eve.json()["items"] == []
    assert dakar_day.json()["items"] == []
    assert [a["id"] for a in dakar_eve.json()["items"]] == [str(dakar_id)]
    assert dakar_eve.json()["items"][0]["start_local"] == "2026-06-16T23:30:00+00:00"


async def test_list_of_a_day_is_ordered_by_start_and_paginated(client, world: World) -> None:
    day = next_weekday(2)
    created = []
    for agent, start in ((world.agent, "14:00"), (world.colleague, "09:00"), (world.agent, "11:00")):
        response = await book(
            client,
            world.agent,
            desk_id=world.casa,
            agent_id=agent.id,
            registrant_id=world.registrant,
            starts_at=iso(day, start),
            ends_at=iso(day, start.replace(":00", ":30")),
        )
        assert response.status_code == 201
        created.append((start, response.json()["id"]))
    # Another day of the same desk, not listed.
    other = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(day + dt.timedelta(days=1), "10:00"),
        ends_at=iso(day + dt.timedelta(days=1), "10:30"),
    )
    assert other.status_code == 201
    expected = [i for _, i in sorted(created)]
    first = await _list(client, world.agent, desk_id=world.casa, day=day, limit=2)
    assert [a["id"] for a in first.json()["items"]] == expected[:2]
    second = await _list(client, world.agent, desk_id=world.casa, day=day, limit=2, cursor=first.json()["next_cursor"])
    assert [a["id"] for a in second.json()["items"]] == expected[2:]
    assert second.json()["next_cursor"] is None


async def test_filter_by_agent(client, world: World) -> None:
    day = next_weekday(2)
    for agent, registrant in ((world.agent, world.registrant), (world.colleague, world.neighbour)):
        await book(
            client,
            world.agent,
            desk_id=world.casa,
            agent_id=agent.id,
            registrant_id=registrant,
            starts_at=iso(day, "10:00"),
            ends_at=iso(day, "10:30"),
        )
    response = await _list(client, world.agent, desk_id=world.casa, day=day, agent_id=world.colleague.id)
    assert [a["agent_id"] for a in response.json()["items"]] == [str(world.colleague.id)]


async def test_without_desk_a_user_sees_only_their_desks(client, world: World) -> None:
    casa_day, dakar_day = next_weekday(2), next_weekday(2, tz=DAKAR_TZ)
    mine = await book(
        client,
        world.agent,
        desk_id=world.casa,
        agent_id=world.agent.id,
        registrant_id=world.registrant,
        starts_at=iso(casa_day, "10:00"),
        ends_at=iso(casa_day, "10:30"),
    )
    await book(
        client,
        world.dakar_agent,
        desk_id=world.dakar,
        agent_id=world.dakar_agent.id,
        registrant_id=world.dakar_registrant,
        starts_at=iso(dakar_day, "10:00", DAKAR_TZ),
        ends_at=iso(dakar_day, "10:30", DAKAR_TZ),
    )
    response = await _list(client, world.agent)
    assert [a["id"] for a in response.json()["items"]] == [mine.json()["id"]]
    assert len((await _list(client, world.admin)).json()["items"]) == 2


async def test_listing_another_desk_is_404(client, world: World) -> None:
    response = await _list(client, world.agent, desk_id=world.dakar, day=next_weekday(2))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


async def test_day_without_desk_is_422(client, world: World) -> None:
    response = await _list(client, world.agent, day=next_weekday(2))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"


async def test_malformed_day_is_422(client, world: World) -> None:
    response = await _list(client, world.agent, desk_id=world.casa, day="2027-02-30")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "day"]


async def test_list_renders_each_desk_in_its_own_zone(client, world: World, sessionmaker) -> None:
    moment = local(dt.date(2026, 6, 17), "10:00")  # 09:00 UTC (Casablanca at +01 until 2026-09-20)
    for desk_id, agent, registrant in (
        (world.casa, world.agent, world.registrant),
        (world.dakar, world.dakar_agent, world.dakar_registrant),
    ):
        await insert_appointment(
            sessionmaker, desk_id=desk_id, agent_id=agent.id, registrant_id=registrant, starts_at=moment
        )
    items = (await _list(client, world.admin)).json()["items"]
    assert sorted((a["time_zone"], a["start_local"]) for a in items) == [
        ("Africa/Casablanca", "2026-06-17T10:00:00+01:00"),
        ("Africa/Dakar", "2026-06-17T09:00:00+00:00"),
    ]
