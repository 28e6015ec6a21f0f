"""A correction that changes nothing writes nothing: the version (``ETag``) stays, no history entry,
no audit event — as an empty ``{}`` already does; at the desk too (the same update)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from tests.selfservice.conftest import SELF, World


async def _updates(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        found = await session.execute(select(AuditEvent).where(AuditEvent.action == "registrant.update"))
        return len(found.scalars().all())


@pytest.mark.parametrize(
    "body",
    [
        {"host_city": "   "},
        {"host_city": "\u200b\u200b"},
        {"host_city": None, "host_region": None, "email": None},
        {"phones": []},
    ],
    ids=["blank-city", "zero-width-city", "nulls-on-empty", "no-phones-again"],
)
async def test_a_correction_that_changes_nothing_keeps_the_version(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, body: dict
) -> None:  # type: ignore[type-arg]
    read = await client.get(f"{SELF}/contact", headers=world.a.headers)
    assert read.json()["host_city"] is None and read.json()["phones"] == []
    etag = read.headers["ETag"]
    r = await client.patch(f"{SELF}/contact", json=body, headers={**world.a.headers, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == etag
    assert await _updates(sessionmaker) == 0
    history = await client.get(f"/api/v1/registrants/{world.a.registrant_id}/history", headers=world.agent.headers)
    assert history.status_code in (200, 404)
    if history.status_code == 200:
        assert "host_city" not in history.text


async def test_a_real_correction_after_a_no_change_still_writes_once(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    etag = (await client.get(f"{SELF}/contact", headers=world.a.headers)).headers["ETag"]
    same = await client.patch(f"{SELF}/contact", json={"host_city": " "}, headers={**world.a.headers, "If-Match": etag})
    r = await client.patch(f"{SELF}/contact", json={"host_city": "Fès"}, headers={**world.a.headers, "If-Match": etag})
    assert (same.status_code, r.status_code) == (200, 200), r.text
    assert r.headers["ETag"] != etag and r.json()["host_city"] == "Fès"
    again = await client.patch(
        f"{SELF}/contact", json={"host_city": "Fès "}, headers={**world.a.headers, "If-Match": r.headers["ETag"]}
    )
    assert again.status_code == 200 and again.headers["ETag"] == r.headers["ETag"]
    assert await _updates(sessionmaker) == 1


async def test_at_the_desk_a_blank_city_on_a_file_without_one_keeps_the_version(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    url = f"/api/v1/registrants/{world.a.registrant_id}"
    etag = (await client.get(url, headers=world.agent.headers)).headers["ETag"]
    r = await client.patch(url, json={"host_city": "  "}, headers={**world.agent.headers, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == etag
    assert await _updates(sessionmaker) == 0
