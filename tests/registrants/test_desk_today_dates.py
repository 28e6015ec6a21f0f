"""A date of birth or of arrival is refused when it is after today at the person's desk (its local
date), not the UTC date: the desk is put in whichever of the zones farthest ahead of and behind
UTC (Pacific/Kiritimati, Pacific/Pago_Pago) has another date than UTC now."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from tests.registrants.conftest import URL, person

ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


@pytest.fixture
async def today(sessionmaker: async_sessionmaker[AsyncSession]) -> dt.date:
    """CASA-BASE moved to a zone whose date is not the UTC date now; its today."""
    utc_today = dt.datetime.now(dt.UTC).date()
    zone = next(z for z in ZONES if dt.datetime.now(ZoneInfo(z)).date() != utc_today)
    async with sessionmaker() as session:
        await session.execute(update(Desk).where(Desk.code == "CASA-BASE").values(time_zone=zone))
        await session.commit()
    return dt.datetime.now(ZoneInfo(zone)).date()


@pytest.mark.parametrize("field", ["date_of_birth", "arrival_date"])
async def test_a_day_that_is_today_at_the_desk_is_taken(
    field: str, create: Any, casa_agent: Any, today: dt.date
) -> None:
    body = person(**{field: today.isoformat()})
    if field == "date_of_birth":
        body.pop("arrival_date", None)
    response = await create(casa_agent, body, confirm=True)
    assert (response.status_code, response.json().get(field)) == (201, today.isoformat()), response.text


@pytest.mark.parametrize(("field", "kind"), [("date_of_birth", "date_in_future"), ("arrival_date", "value_error")])
async def test_a_day_that_is_tomorrow_at_the_desk_is_refused(
    field: str, kind: str, create: Any, casa_agent: Any, count_rows: Any, today: dt.date
) -> None:
    before = await count_rows()
    response = await create(casa_agent, person(**{field: (today + dt.timedelta(days=1)).isoformat()}), confirm=True)
    assert response.status_code == 422, response.text
    assert (response.json()["errors"][0]["loc"], response.json()["errors"][0]["type"]) == (["body", field], kind)
    assert await count_rows() == before


async def test_an_edit_to_a_day_after_today_at_the_desk_is_refused(
    client: httpx.AsyncClient, create: Any, casa_agent: Any, today: dt.date
) -> None:
    created = await create(casa_agent, person(), confirm=True)
    assert created.status_code == 201, created.text
    response = await client.patch(
        f"{URL}/{created.json()['id']}",
        json={"arrival_date": (today + dt.timedelta(days=1)).isoformat()},
        headers={**casa_agent.headers, "If-Match": created.headers["etag"]},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "arrival_date"]
