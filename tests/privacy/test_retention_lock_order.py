"""The retention run takes its locks in the writers' one order (``app.registrants.lock_order``):
the files of every person it anonymises first, then the closed cases it empties. A case reopened
while the run empties that case of a person it anonymises waits for the run and is then refused
(the file is erased), instead of the two waiting on each other until PostgreSQL cancels one
(``deadlock detected``)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.models import Case
from app.core.config import Settings
from app.documents.storage import create_storage
from app.privacy import retention
from app.privacy.retention import RetentionPolicy, RetentionReport
from app.registrants.models import Registrant
from tests.cases.conftest import move, open_case
from tests.conftest import Staff
from tests.lock_waits import interleaved, postgres_only
from tests.privacy.test_retention import LATER, NOW


async def test_a_case_reopened_while_retention_empties_it_waits_and_is_refused(
    client: httpx.AsyncClient,
    agent: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    database_url: str,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dsn = postgres_only(database_url)
    person = await make_registrant(family="Sané")
    case = await open_case(client, agent, person, description="Perte de passeport à Fès")
    async with sessionmaker() as session:  # closed and inactive long before the run's day
        await session.execute(
            update(Case).where(Case.id == uuid.UUID(case["id"])).values(status="resolved", closed_at=NOW)
        )
        await session.commit()

    async def run() -> RetentionReport:
        async with sessionmaker() as session:
            report = await retention.run_retention(
                session, now=LATER, apply=True, policy=RetentionPolicy.of(settings), storage=create_storage(settings)
            )
            await session.commit()
        return report

    # The run is held once it has emptied the case (the case row locked), until the reopening
    # waits on a lock: on the old code the person's file was locked only after that, and the
    # reopening had taken it first (FOR KEY SHARE) to wait on the case.
    report, reopened = await interleaved(
        dsn,
        monkeypatch,
        retention,
        "_expire_case",
        run(),
        move(client, agent, case["id"], "in_follow_up", reason="la personne est revenue"),
        after=True,
    )

    assert isinstance(report, RetentionReport)
    assert sorted(report.done) == sorted([uuid.UUID(case["id"]), person])
    assert isinstance(reopened, httpx.Response)
    assert (reopened.status_code, reopened.json()["type"]) == (409, "/problems/registrant-erased")
    async with sessionmaker() as session:
        erased = await session.get(Registrant, person)
        assert erased is not None and erased.anonymised_at is not None
