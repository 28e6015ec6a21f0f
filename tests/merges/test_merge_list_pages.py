"""``GET /api/v1/registrant-merges`` comes in pages, newest proposed first, like every other list.

Before: a bare list cut at ``limit`` (at most 200) with nothing to say more merges existed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from app.merges.models import RegistrantMerge
from tests.conftest import Staff
from tests.merges.conftest import URL, awa, awa_again, register


async def _stored_merges(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession], count: int
) -> list[str]:
    """``count`` merge records of two CASA-BASE files (stored directly: the listing is under test,
    not merging), proposed a minute apart; their ids, newest first."""
    first, second = await register(client, agent, awa()), await register(client, agent, awa_again())
    start = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    records = []
    async with sessionmaker() as session:
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        for minute in range(count):
            record = RegistrantMerge(
                survivor_id=uuid.UUID(first["id"]),
                merged_id=uuid.UUID(second["id"]),
                desk_id=desk_id,
                status="proposed",
                survivor_version=1,
                merged_version=1,
                proposed_at=start + dt.timedelta(minutes=minute),
            )
            session.add(record)
            records.append(record)
        await session.commit()
    return [str(r.id) for r in reversed(records)]


async def test_merges_come_in_pages_newest_first(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _stored_merges(client, agent, sessionmaker, 5)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=agent.headers)).json()
        seen += [m["id"] for m in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (ids, 3)


async def test_the_default_page_is_fifty_merges(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _stored_merges(client, agent, sessionmaker, 51)
    page = (await client.get(URL, params={"status": "proposed"}, headers=agent.headers)).json()
    assert (len(page["items"]), page["next_cursor"] is not None) == (50, True)


async def test_a_merges_cursor_not_issued_here_is_refused(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get(URL, params={"cursor": "not-a-cursor"}, headers=agent.headers)
    assert (response.status_code, response.json()["type"]) == (400, "/problems/bad-request")
