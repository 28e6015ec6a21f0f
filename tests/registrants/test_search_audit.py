"""A search of the register is a read of the people it finds: audited ``registrant.search`` with
the ids found and the names of the filters given, never the searched text (a phone, a name)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from tests.registrants.conftest import URL, person


async def _searches(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEvent]:
    async with sessionmaker() as session:
        stmt = select(AuditEvent).where(AuditEvent.action == "registrant.search").order_by(AuditEvent.id)
        return list((await session.execute(stmt)).scalars())


async def test_a_search_by_phone_records_who_was_found_not_the_phone(
    client: httpx.AsyncClient, casa_agent: Any, create: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    found = await create(casa_agent, person(phones=[{"number": "+212 6 61 23 45 67"}]))
    await create(casa_agent, person(given_names="Modou", family_name="Sy", sex="male"), confirm=True)
    assert found.status_code == 201, found.text

    response = await client.get(URL, params={"q": "0661234567", "sex": "female"}, headers=casa_agent.headers)
    assert [r["id"] for r in response.json()["items"]] == [found.json()["id"]]

    (event,) = await _searches(sessionmaker)
    assert (event.entity_type, event.entity_id, event.actor_id) == ("registrant", None, casa_agent.id)
    assert {k: v for k, v in event.details.items()} == {"filters": ["q", "sex"], "registrant_ids": [found.json()["id"]]}
    assert "661234567" not in json.dumps(event.details)


async def test_a_search_by_name_finding_nobody_is_audited_too(
    client: httpx.AsyncClient, casa_agent: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.get(URL, params={"q": "Ndiaye"}, headers=casa_agent.headers)
    assert response.json()["items"] == []
    (event,) = await _searches(sessionmaker)
    assert event.details == {"filters": ["q"], "registrant_ids": []}
