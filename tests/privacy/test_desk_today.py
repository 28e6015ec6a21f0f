"""The days of subject requests and legal holds are the desk's days: "today" is the local date of
the person's desk (its IANA zone), not the UTC date. The desk is put in whichever of the zones
farthest ahead of and behind UTC (Pacific/Kiritimati, UTC+14; Pacific/Pago_Pago, UTC−11) has
another date than UTC right now, so that the two days differ whenever the test runs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from app.privacy.models import LegalHold
from tests.conftest import Staff

ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
REQUESTS = "/api/v1/privacy/subject-requests"
HOLDS = "/api/v1/privacy/legal-holds"


def desk_today(zone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(zone)).date()


@pytest.fixture
async def zone(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """CASA-BASE moved to a zone whose date is not the UTC date now; its name."""
    utc_today = dt.datetime.now(dt.UTC).date()
    chosen = next(z for z in ZONES if desk_today(z) != utc_today)
    async with sessionmaker() as session:
        await session.execute(update(Desk).where(Desk.code == "CASA-BASE").values(time_zone=chosen))
        await session.commit()
    return chosen


async def _request(client: httpx.AsyncClient, staff: Staff, person: uuid.UUID, **body: Any) -> httpx.Response:
    return await client.post(REQUESTS, headers=staff.headers, json={"registrant_id": str(person), **body})


async def test_a_request_is_received_today_at_the_desk_by_default_and_due_thirty_days_later(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant, zone: str
) -> None:
    response = await _request(client, supervisor, await make_registrant())
    assert response.status_code == 201, response.text
    today = desk_today(zone)
    assert (response.json()["received_on"], response.json()["due_on"]) == (
        today.isoformat(),
        (today + dt.timedelta(days=30)).isoformat(),
    )


async def test_a_request_received_today_at_the_desk_is_taken(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant, zone: str
) -> None:
    today = desk_today(zone).isoformat()
    response = await _request(client, supervisor, await make_registrant(), received_on=today)
    assert (response.status_code, response.json().get("received_on")) == (201, today), response.text


async def test_a_request_received_tomorrow_at_the_desk_is_refused(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant, zone: str
) -> None:
    tomorrow = (desk_today(zone) + dt.timedelta(days=1)).isoformat()
    response = await _request(client, supervisor, await make_registrant(), received_on=tomorrow)
    assert response.status_code == 422, response.text
    assert (response.json()["field"], response.json()["errors"][0]["type"]) == ("received_on", "date_in_future")


async def test_a_hold_until_today_at_the_desk_is_taken(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant, zone: str
) -> None:
    today = desk_today(zone).isoformat()
    body = {"registrant_id": str(await make_registrant()), "reason": "Enquête du procureur", "until": today}
    response = await client.post(HOLDS, headers=supervisor.headers, json=body)
    assert (response.status_code, response.json().get("until")) == (201, today), response.text


async def test_a_hold_until_yesterday_at_the_desk_is_refused(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant, zone: str
) -> None:
    yesterday = (desk_today(zone) - dt.timedelta(days=1)).isoformat()
    body = {"registrant_id": str(await make_registrant()), "reason": "Enquête du procureur", "until": yesterday}
    response = await client.post(HOLDS, headers=supervisor.headers, json=body)
    assert response.status_code == 422, response.text
    assert (response.json()["field"], response.json()["errors"][0]["type"]) == ("until", "date_in_past")


@pytest.mark.parametrize(("last_day", "erasure_status"), [(0, 409), (-1, 200)])
async def test_a_hold_keeps_the_file_through_its_last_day_at_the_desk(
    last_day: int,
    erasure_status: int,
    client: httpx.AsyncClient,
    supervisor: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    zone: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
) -> None:
    person = await make_registrant()
    async with sessionmaker() as session:  # written directly: a hold whose last day is past is refused
        session.add(
            LegalHold(
                registrant_id=person,
                desk_id=desk_ids["CASA-BASE"],
                reason="Enquête du procureur",
                until=desk_today(zone) + dt.timedelta(days=last_day),
                set_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
                set_by_label="supervisor.casa@desk.example",
            )
        )
        await session.commit()
    request = await _request(client, supervisor, person, kind="erasure")
    assert request.status_code == 201, request.text
    erasure = await client.post(f"{REQUESTS}/{request.json()['id']}/erase", headers=supervisor.headers)
    assert erasure.status_code == erasure_status, erasure.text
