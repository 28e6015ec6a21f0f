"""Revision 2601 on a merge made before it: the merged file keyed again, its accounts, link codes
and notification preference moved to the survivor and recorded, so the unmerge gives them back."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from alembic import command
from fastapi import FastAPI
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.merges.models import RegistrantMerge
from app.notifications.models import NotificationPreference
from app.registrants.models import RegistrantKey
from app.selfservice.models import LinkCode, PersonAccount
from tests.alembic_config import alembic_config
from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge
from tests.merges.test_merge_person_records import _accounts, _contact_number, _link_code, _linked

NEW_KINDS = ("person_accounts", "link_codes", "notification_preferences")


async def _keys(sessionmaker: async_sessionmaker[AsyncSession], registrant_id: str) -> set[tuple[str, str]]:
    async with sessionmaker() as session:
        stmt = select(RegistrantKey.kind, RegistrantKey.value).where(
            RegistrantKey.registrant_id == uuid.UUID(registrant_id)
        )
        return {(kind, value) for kind, value in await session.execute(stmt)}


async def test_the_upgrade_completes_a_merge_made_before_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: Staff,
    pair: Pair,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    person = await _linked(client, sessionmaker, agent, pair.merged, "awa.badji@example.org")
    await _link_code(client, agent, pair.merged)  # handed over, not typed yet
    chosen = await client.put(
        f"{REGISTRANTS}/{pair.merged}/notification-preferences",
        json={"channel": "none"},
        headers={**agent.headers, "If-Match": '"v0"'},
    )
    assert chosen.status_code == 200, chosen.text
    merged_keys = await _keys(sessionmaker, pair.merged)
    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "2402")
    async with sessionmaker() as session:  # the merge as the code before 2601 left it
        survivor, merged = uuid.UUID(pair.survivor), uuid.UUID(pair.merged)
        for column in (PersonAccount.registrant_id, LinkCode.registrant_id, NotificationPreference.registrant_id):
            await session.execute(update(column.table).where(column == survivor).values({column.key: merged}))
        await session.execute(delete(RegistrantKey).where(RegistrantKey.registrant_id == merged))
        stored = (await session.execute(select(RegistrantMerge))).scalar_one()
        moved: dict[str, Any] = {k: v for k, v in stored.snapshot["moved"].items() if k not in NEW_KINDS}
        snapshot = {**stored.snapshot, "moved": moved}
        await session.execute(update(RegistrantMerge).values(snapshot=snapshot))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    # keyed again as it is now: the phone it gave the survivor (+221771234567) is keyed there
    assert await _keys(sessionmaker, pair.merged) == merged_keys - {("t", "765432177122"), ("p", "771234567")}
    assert await _contact_number(client, person) == pair.survivor_number
    async with sessionmaker() as session:
        upgraded = (await session.execute(select(RegistrantMerge))).scalar_one().snapshot["moved"]
    assert [len(upgraded[kind]) for kind in NEW_KINDS] == [1, 2, 1]  # the code used to link, and the one handed over

    undone = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text
    assert await _contact_number(client, person) == pair.merged_number
    assert (await _accounts(client, agent, pair.survivor), await _accounts(client, agent, pair.merged)) == (0, 1)
    preference = await client.get(f"{REGISTRANTS}/{pair.merged}/notification-preferences", headers=agent.headers)
    assert preference.json()["channel"] == "none"
