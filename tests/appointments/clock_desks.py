"""Desks open around the clock in zones whose clock changes, for the tests of free slots, bookings
and arrivals on the days it jumps forward or goes back (zone rules from the pinned ``tzdata``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.appointments.conftest import add_registrant
from tests.conftest import Staff

ALL_DAY = {str(d): [["00:00", "23:59"]] for d in range(1, 8)}


@dataclass
class ClockDesk:
    """A desk open 00:00–23:59 every day, one of its agents and a person registered there."""

    id: uuid.UUID
    code: str
    agent: Staff
    registrant: uuid.UUID


async def open_all_day(
    client: httpx.AsyncClient,
    make_staff,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    code: str,
    country: str,
    time_zone: str,
) -> ClockDesk:
    """Create desk ``code`` in ``time_zone`` (through the API), an agent of it and a registrant."""
    admin = await make_staff("admin", [])
    created = await client.post(
        "/api/v1/desks",
        json={
            "code": code,
            "name": code,
            "country": country,
            "city": code,
            "time_zone": time_zone,
            "opening_hours": ALL_DAY,
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    desk_id = uuid.UUID(created.json()["id"])
    agent = await make_staff("agent", [code])
    registrant = await add_registrant(sessionmaker, desk_id, f"{code.split('-')[0]}-2027-000001")
    return ClockDesk(id=desk_id, code=code, agent=agent, registrant=registrant)
