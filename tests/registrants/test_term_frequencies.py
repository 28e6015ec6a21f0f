"""Term frequencies counted ahead of the requests (issue 12): the worker's job, ``diaspora-desk
refresh-frequencies`` and revision 3001 fill ``term_frequencies``; a registration reads a common
key's count and the registry's size there, and counts the others itself, at most ``COUNT_CAP``
index entries.

The thresholds of a registry of millions are lowered here so that a handful of registrants shows
the behaviour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from app.cli import cli
from app.core.db import create_engine, create_sessionmaker
from app.notifications.scheduler import run_due_jobs
from app.registrants import frequencies, keys, matching
from app.registrants.models import TermFrequency
from tests.conftest import TEST_SECRET
from tests.registrants.conftest import person

SOW, BADJI = ("f", matching.phonetic("sow")), ("f", matching.phonetic("badji"))


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    keys.forget_size()
    monkeypatch.setattr(frequencies, "FREQUENT_FROM", 2)  # Sow (3 carriers) is common here, Badji (1) is not
    yield
    keys.forget_size()


async def _register(create: Any, staff: Any, given: str, family: str, born: str) -> None:
    body = person(given_names=given, family_name=family, date_of_birth=born)
    response = await create(staff, body, confirm=True)
    assert response.status_code == 201, response.text


async def _people(create: Any, staff: Any) -> None:
    for given, born in (("Awa", "1990-05-04"), ("Khady", "1991-06-05"), ("Coumba", "1992-07-06")):
        await _register(create, staff, given, "Sow", born)
    await _register(create, staff, "Awa", "Badji", "1993-08-07")


async def _table(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], int]:
    async with sessionmaker() as session:
        rows = (await session.execute(select(TermFrequency))).scalars()
        return {(r.kind, r.value): r.registrants for r in rows}


async def _refresh(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        kept = await frequencies.refresh(session)
        await session.commit()
    keys.forget_size()  # the per-process cache, which would answer first
    return kept


async def test_the_refresh_keeps_the_common_keys_and_the_registry_size(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _people(create, casa_agent)
    kept = await _refresh(sessionmaker)
    table = await _table(sessionmaker)
    assert table[SOW] == 3
    assert BADJI not in table  # one carrier: counted on the request
    assert table[frequencies.REGISTRY] == 4
    assert min(n for key, n in table.items() if key != frequencies.REGISTRY) >= 2
    assert kept == len(table) - 1

    await _register(create, casa_agent, "Fatou", "Diallo", "1994-09-08")
    assert await _refresh(sessionmaker) == kept  # counted again from scratch: no key kept twice
    assert (await _table(sessionmaker))[frequencies.REGISTRY] == 5


async def test_a_request_reads_the_counted_frequency_and_counts_the_rest(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    await _people(create, casa_agent)
    await _refresh(sessionmaker)
    await _register(create, casa_agent, "Ndèye", "Sow", "1995-10-09")  # after the count
    await _register(create, casa_agent, "Coumba", "Badji", "1996-11-10")
    keys.forget_size()
    async with sessionmaker() as session:
        # Sow from the table (3: the fourth came after the count); Badji counted here (2)
        assert await keys.counts(session, [SOW, BADJI]) == {SOW: 3, BADJI: 2}
        words, counted = await keys.values_and_counts(session, "w", ["so"], [SOW, BADJI])
        assert counted == {SOW: 3, BADJI: 2}
        assert words == {"so": ["sow"]}

    monkeypatch.setattr(keys, "COUNT_CAP", 1)  # a key missing from the table is counted up to the cap
    keys.forget_size()
    async with sessionmaker() as session:
        assert await keys.counts(session, [SOW, BADJI]) == {SOW: 3, BADJI: 1}


async def test_the_registry_size_is_the_counted_one_once_large(
    create, casa_agent, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    await _people(create, casa_agent)
    await _refresh(sessionmaker)
    await _register(create, casa_agent, "Ndèye", "Sow", "1995-10-09")
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 5  # small: counted, exact
    monkeypatch.setattr(keys, "SIZE_STORED_FROM", 4)
    keys.forget_size()
    async with sessionmaker() as session:
        assert await keys.registry_size(session) == 4  # large: the worker's count


async def test_the_worker_job_counts_them_hourly(create, casa_agent, sessionmaker, settings) -> None:  # type: ignore[no-untyped-def]
    await _people(create, casa_agent)
    now = dt.datetime(2026, 12, 9, 9, tzinfo=dt.UTC)
    assert "term_frequencies" in await run_due_jobs(sessionmaker, settings, now=now)
    assert (await _table(sessionmaker))[SOW] == 3
    assert "term_frequencies" not in await run_due_jobs(sessionmaker, settings, now=now + dt.timedelta(minutes=30))
    await _register(create, casa_agent, "Ndèye", "Sow", "1995-10-09")
    assert "term_frequencies" in await run_due_jobs(sessionmaker, settings, now=now + dt.timedelta(hours=1))
    assert (await _table(sessionmaker))[SOW] == 4


@pytest.fixture
async def registered(create, casa_agent, settings, monkeypatch: pytest.MonkeyPatch) -> Any:  # type: ignore[no-untyped-def]
    await _people(create, casa_agent)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    return settings


def test_the_command_line_counts_them(registered) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["refresh-frequencies"])
    assert result.exit_code == 0, result.output

    async def table() -> dict[tuple[str, str], int]:
        engine = create_engine(registered.database_url)
        try:
            return await _table(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    counted = asyncio.run(table())
    assert counted[SOW] == 3
    assert result.output.strip() == f"term frequencies counted: {len(counted) - 1} frequent keys"


async def test_the_job_does_nothing_when_turned_off(create, casa_agent, sessionmaker, settings) -> None:  # type: ignore[no-untyped-def]
    await _people(create, casa_agent)
    before = await _table(sessionmaker)  # as the migration left it
    assert SOW not in before
    off = settings.model_copy(update={"term_frequency_interval_seconds": 0})
    assert "term_frequencies" in await run_due_jobs(sessionmaker, off, now=dt.datetime(2026, 12, 9, tzinfo=dt.UTC))
    assert await _table(sessionmaker) == before
