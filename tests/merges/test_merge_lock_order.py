"""A merge or an unmerge and an erasure of the same person sent together: the person's files are
locked first by each (``app.registrants.lock_order``), so one waits for the other and both answer,
instead of each holding a row the other waits for (the unmerge the merge record, the erasure the
subject request) until PostgreSQL cancels one (``deadlock detected``, answered 503)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.merges import moves
from app.merges import service as merges
from app.registrants.models import Registrant
from tests.conftest import Staff
from tests.lock_waits import interleaved, postgres_only
from tests.merges.conftest import URL, Pair, merge


async def _erasure_request(client: httpx.AsyncClient, supervisor: Staff, registrant_id: str) -> str:
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": registrant_id, "kind": "erasure"},
    )
    assert request.status_code == 201, request.text
    return f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase"


async def _anonymised(sessionmaker: async_sessionmaker[AsyncSession]) -> list[bool]:
    async with sessionmaker() as session:
        stmt = select(Registrant.anonymised_at).order_by(Registrant.created_at)
        return [at is not None for at in (await session.execute(stmt)).scalars()]


async def test_an_erasure_of_the_merged_file_sent_during_the_merge_erases_the_person_after_it(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    pair: Pair,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dsn = postgres_only(database_url)
    erase = await _erasure_request(client, supervisor, pair.merged)
    # the merge holds both files while it plans what moves (the subject request among them)
    merged, erased = await interleaved(
        dsn, monkeypatch, moves, "plan", merge(client, supervisor, pair), client.post(erase, headers=supervisor.headers)
    )
    assert merged.status_code == 201, merged.text
    assert erased.status_code == 200, erased.text
    assert erased.json()["registrant_id"] == pair.survivor  # the request moved with the merge
    assert await _anonymised(sessionmaker) == [True, True]


async def test_an_erasure_of_the_survivor_sent_during_an_unmerge_waits_for_it(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    pair: Pair,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dsn = postgres_only(database_url)
    done = await merge(client, supervisor, pair)
    assert done.status_code == 201, done.text
    erase = await _erasure_request(client, supervisor, pair.survivor)
    # the unmerge is held before it loads the files (holding the merge record, on the old code)
    unmerged, erased = await interleaved(
        dsn,
        monkeypatch,
        merges,
        "load_file",
        client.post(f"{URL}/{done.json()['id']}/unmerge", headers=supervisor.headers),
        client.post(erase, headers=supervisor.headers),
    )
    assert unmerged.status_code == 200, unmerged.text
    assert erased.status_code == 200, erased.text
    assert await _anonymised(sessionmaker) == [True, False]  # two people again: the survivor's erased
