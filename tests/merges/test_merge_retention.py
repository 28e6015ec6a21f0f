"""Retention and erasure treat a person's merged files as one person: a merged file is never
erased alone (its merge stays undoable while the person is served), and erasing it erases them."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.context import SYSTEM_ACTOR
from app.documents.storage import create_storage
from app.privacy import erasure
from app.privacy.retention import RetentionPolicy, run_retention
from app.registrants.models import Registrant
from tests.conftest import Staff
from tests.merges.conftest import URL, Pair, merge

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=366 * 6)


async def test_retention_leaves_a_merged_file_to_its_survivor_and_the_merge_stays_undoable(
    client: httpx.AsyncClient,
    agent: Staff,
    pair: Pair,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    record = await merge(client, agent, pair)  # the survivor now has the merged file's open case
    assert record.status_code == 201, record.text
    async with sessionmaker() as session:
        policy = RetentionPolicy.of(settings)
        report = await run_retention(session, now=LATER, apply=True, policy=policy, storage=create_storage(settings))
        await session.commit()
        merged = await session.get(Registrant, uuid.UUID(pair.merged))
    assert [str(i.id) for i in report.items if i.category == "registrant"] == []
    assert merged is not None and merged.anonymised_at is None

    undone = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text


async def test_erasing_a_merged_file_erases_its_survivor_with_it(
    client: httpx.AsyncClient,
    agent: Staff,
    pair: Pair,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    async with sessionmaker() as session:
        merged = await session.get(Registrant, uuid.UUID(pair.merged), with_for_update=True)
        assert merged is not None
        outcome = await erasure.anonymise(
            session,
            actor=SYSTEM_ACTOR,
            registrant=merged,
            bands=RetentionPolicy.of(settings).bands,
            now=dt.datetime.now(dt.UTC),
            trigger="request",
        )
        await session.commit()
    assert str(outcome.registrant_id) == pair.survivor
    async with sessionmaker() as session:
        files = [await session.get(Registrant, uuid.UUID(i)) for i in (pair.survivor, pair.merged)]
    assert [(f.given_names, f.anonymised_at is not None) for f in files if f] == [("[anonymisé]", True)] * 2

    unmerge = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)
    assert unmerge.status_code == 409, unmerge.text
    assert (unmerge.json()["type"], [r["code"] for r in unmerge.json()["reasons"]]) == (
        "/problems/unmerge-refused",
        ["erased"],
    )
