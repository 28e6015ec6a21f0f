"""A person's own access archive is recorded as a request received, and due, on the desk's day
(the local date of their desk, not the UTC date)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from app.privacy.models import SubjectRequest
from tests.selfservice.conftest import SELF, World

ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


async def test_an_archive_downloaded_is_a_request_of_the_desks_day(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    utc_today = dt.datetime.now(dt.UTC).date()
    zone = next(z for z in ZONES if dt.datetime.now(ZoneInfo(z)).date() != utc_today)
    async with sessionmaker() as session:
        await session.execute(update(Desk).where(Desk.code == "CASA-BASE").values(time_zone=zone))
        await session.commit()
    response = await client.get(f"{SELF}/archive", headers=world.a.headers)
    assert response.status_code == 200, response.text
    async with sessionmaker() as session:
        request = (await session.execute(select(SubjectRequest))).scalar_one()
    today = dt.datetime.now(ZoneInfo(zone)).date()
    assert (request.received_on, request.due_on) == (today, today)
