"""Two bookings of one agent's slot at the same moment: exactly one succeeds."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from app.appointments.models import Appointment
from tests.appointments.conftest import World, book, count_appointments, count_audit
from tests.appointments.helpers import iso, next_weekday


async def _warm_up(client, world: World) -> None:
    """Open pooled connections first, so that the racing requests start together (no request
    gets ahead while another is still connecting)."""
    await asyncio.gather(*(client.get("/api/v1/appointments", headers=world.agent.headers) for _ in range(3)))


async def test_concurrent_bookings_of_the_same_slot_one_wins(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    await _warm_up(client, world)
    common = {
        "desk_id": world.casa,
        "agent_id": world.agent.id,
        "registrant_id": world.registrant,
        "starts_at": iso(day, "10:00"),
        "ends_at": iso(day, "10:30"),
    }
    responses = await asyncio.gather(book(client, world.agent, **common), book(client, world.colleague, **common))
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    winner = next(r for r in responses if r.status_code == 201)
    assert loser.json()["type"] == "/problems/agent-double-booked"
    assert loser.json()["conflicting_appointment_id"] == winner.json()["id"]
    assert await count_appointments(sessionmaker) == 1
    assert await count_audit(sessionmaker, "appointment.create") == 1


async def test_concurrent_overlapping_bookings_of_one_agent_one_wins(client, world: World, sessionmaker) -> None:
    day = next_weekday(3)
    await _warm_up(client, world)
    base = {"desk_id": world.casa, "agent_id": world.agent.id, "registrant_id": world.registrant}
    attempts = [
        book(client, world.agent, starts_at=iso(day, "10:00"), ends_at=iso(day, "10:30"), **base),
        book(client, world.colleague, starts_at=iso(day, "10:15"), ends_at=iso(day, "10:45"), **base),
        book(client, world.admin, starts_at=iso(day, "10:20"), ends_at=iso(day, "11:00"), **base),
    ]
    responses = await asyncio.gather(*attempts)
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    assert await count_appointments(sessionmaker) == 1


async def test_concurrent_bookings_of_two_agents_both_succeed(client, world: World, sessionmaker) -> None:
    day = next_weekday(2)
    common = {"desk_id": world.casa}
    responses = await asyncio.gather(
        book(
            client,
            world.agent,
            agent_id=world.agent.id,
            registrant_id=world.registrant,
            starts_at=iso(day, "10:00"),
            ends_at=iso(day, "10:30"),
            **common,
        ),
        book(
            client,
            world.colleague,
            agent_id=world.colleague.id,
            registrant_id=world.neighbour,
            starts_at=iso(day, "10:00"),
            ends_at=iso(day, "10:30"),
            **common,
        ),
    )
    assert [r.status_code for r in responses] == [201, 201]
    async with sessionmaker() as session:
        agents = set((await session.execute(select(Appointment.agent_id))).scalars())
    assert agents == {world.agent.id, world.colleague.id}


async def test_concurrent_bookings_of_one_person_with_two_agents_one_wins(client, world: World, sessionmaker) -> None:
    day = next_weekday(3)
    await _warm_up(client, world)
    common = {"desk_id": world.casa, "registrant_id": world.registrant}
    responses = await asyncio.gather(
        *(
            book(client, staff, agent_id=staff.id, starts_at=iso(day, "10:00"), ends_at=iso(day, "10:30"), **common)
            for staff in (world.agent, world.colleague)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["type"] == "/problems/registrant-double-booked"
    assert await count_appointments(sessionmaker) == 1
