"""Imports committed by chunks: what a run stores per chunk, what a failure leaves, how a re-run resumes."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.imports import run as run_module
from app.imports.models import ImportBatch, ImportRow
from app.imports.run import ImportRun
from app.registrants.models import Registrant, RegistrantKey
from tests.imports.conftest import register_head

LINES = 41  # the header and 40 rows of the shared register: 35 imported, 5 flagged


def _comparable(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Each row's outcome, name, reason, warnings and candidates by line (ids left out)."""
    return [
        (
            r["line"],
            r["outcome"],
            r["name"],
            r["reason"],
            r["warnings"],
            [(c["line"], c["score"], c["reasons"]) for c in r["candidates"]],
        )
        for r in report["rows"]
    ]


async def test_a_run_in_small_chunks_gives_the_dry_runs_report(upload, count_rows, sessionmaker, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(run_module, "CHUNK_ROWS", 7)
    dry = (await upload(register_head(LINES), dry_run=True)).json()
    assert await count_rows() == {"registrants": 0, "phones": 0, "batches": 0, "batch_rows": 0, "audit_events": 0}
    response = await upload(register_head(LINES))
    assert response.status_code == 201, response.text
    real = response.json()
    assert _comparable(real) == _comparable(dry)
    assert gc.get_freeze_count() == 0  # the runs' rows are handed back to the garbage collector
    assert (real["counts"]["imported"], real["counts"]["flagged"]) == (35, 5)
    async with sessionmaker() as session:
        batch = (await session.execute(select(ImportBatch))).scalar_one()
        numbers = (
            (await session.execute(select(Registrant.registration_number).order_by(Registrant.source_ref)))
            .scalars()
            .all()
        )
        by_line = dict(
            (await session.execute(select(ImportRow.line, Registrant.registration_number).join(Registrant))).all()
        )
        actions = dict(
            (await session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action))).all()
        )
        keys = (await session.execute(select(func.count(func.distinct(RegistrantKey.registrant_id))))).scalar_one()
    assert (batch.status, batch.counts["imported"]) == ("completed", 35)
    assert actions == {"import.start": 1, "registrant.create": 35, "import.run": 1}
    assert keys == 35  # every imported person is found by the registry's match keys
    # numbers follow the file's order across chunks, without gaps
    ordered = [by_line[line] for line in sorted(by_line)]
    assert ordered == sorted(numbers)
    assert [int(n.rsplit("-", 1)[1]) for n in ordered] == list(range(1, 36))
    # a candidate created by an earlier row of the file carries that row's number, across chunks
    flagged = [c for r in real["rows"] for c in r["candidates"] if c["registrant_id"]]
    assert flagged and all(c["registration_number"] == by_line[c["line"]] for c in flagged)


async def test_a_failure_keeps_the_committed_chunks_and_a_rerun_resumes(  # type: ignore[no-untyped-def]
    upload, count_rows, sessionmaker, monkeypatch, client, make_staff
) -> None:
    monkeypatch.setattr(run_module, "CHUNK_ROWS", 10)
    original = ImportRun.write
    writes = {"started": 0}

    async def failing(self: Any, chunk: Any, after: Any = None) -> None:
        # the third chunk fails inside its transaction: its numbers are drawn, nothing inserted
        # (on PostgreSQL the fourth may be stored meanwhile: committed after the third, so never)
        writes["started"] += 1
        if writes["started"] == 3:
            raise ConnectionResetError("the database went away")
        await original(self, chunk, after)

    monkeypatch.setattr(ImportRun, "write", failing)
    response = await upload(register_head(LINES))
    assert response.status_code == 503  # the database is unreachable: a problem, then a re-run
    assert gc.get_freeze_count() == 0  # a failed run hands its rows back to the garbage collector too
    counts = await count_rows()
    async with sessionmaker() as session:
        batch = (await session.execute(select(ImportBatch))).scalar_one()
        lines = (await session.execute(select(ImportRow.line).order_by(ImportRow.line))).scalars().all()
        runs = (await session.execute(select(AuditEvent).where(AuditEvent.action == "import.run"))).scalars().all()
    # the first two chunks (lines 2–21) are stored whole, nothing of the third
    assert lines == list(range(2, 22))
    assert (batch.status, batch.counts["total"]) == ("interrupted", 20)
    assert counts["registrants"] == batch.counts["imported"] == len([e for e in (await _creates(sessionmaker)) if e])
    assert [r.details["interrupted"] for r in runs] == [True]
    admin = await make_staff("admin", [])
    stored = (await client.get(f"/api/v1/imports/{batch.id}", headers=admin.headers)).json()
    assert (stored["status"], [r["line"] for r in stored["rows"]]) == ("interrupted", lines)

    monkeypatch.setattr(ImportRun, "write", original)
    resumed = (await upload(register_head(LINES))).json()
    assert resumed["counts"]["already_imported"] + resumed["counts"]["already_flagged"] == 20
    assert (resumed["counts"]["total"], resumed["status"]) == (40, "completed")
    # the registry ends as if the first run had not stopped
    assert (await count_rows())["registrants"] == 35


async def _failed_run(upload: Any, sessionmaker: Any) -> tuple[ImportBatch, list[int]]:
    """Upload the register, answered 503 (the run failed); its batch and the lines it stored."""
    response = await upload(register_head(LINES))
    assert response.status_code == 503
    async with sessionmaker() as session:
        batch = (await session.execute(select(ImportBatch))).scalar_one()
        lines = (await session.execute(select(ImportRow.line).order_by(ImportRow.line))).scalars().all()
    return batch, list(lines)


async def _creates(sessionmaker) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        stmt = select(AuditEvent.entity_id).where(AuditEvent.action == "registrant.create")
        return list((await session.execute(stmt)).scalars().all())


def _slow_stores(monkeypatch: Any) -> dict[str, int]:
    """Chunks of 10 rows whose stores take 0.2 s (the next chunk is matched meanwhile); what is
    counted: ``writing`` (stores under way), ``numbered_while_writing``, and ``matched`` and
    ``matched_while_writing`` for the tests' own hooks."""
    monkeypatch.setattr(run_module, "CHUNK_ROWS", 10)
    seen = {"writing": 0, "numbered_while_writing": 0, "matched": 0, "matched_while_writing": 0}
    write, numbers = ImportRun.write, ImportRun.numbers

    async def slow_write(self: Any, chunk: Any, after: Any = None) -> None:
        seen["writing"] += 1
        try:
            await asyncio.sleep(0.2)
            await write(self, chunk, after)
        finally:
            seen["writing"] -= 1

    async def numbers_seen(self: Any, count: int) -> list[str]:
        seen["numbered_while_writing"] += seen["writing"] > 0
        return await numbers(self, count)

    monkeypatch.setattr(ImportRun, "write", slow_write)
    monkeypatch.setattr(ImportRun, "numbers", numbers_seen)
    return seen


def _before_matching(monkeypatch: Any, step: Callable[[], None]) -> None:
    """Run ``step`` each time a chunk is about to be matched (in the run's worker thread)."""
    process_rows = ImportRun.process_rows

    def hooked(self: Any, rows: Any) -> None:
        step()
        process_rows(self, rows)

    monkeypatch.setattr(ImportRun, "process_rows", hooked)


async def test_the_next_chunk_is_matched_while_the_one_before_is_stored(  # type: ignore[no-untyped-def]
    upload, sessionmaker, monkeypatch, database_url
) -> None:
    seen = _slow_stores(monkeypatch)

    def matched() -> None:
        seen["matched_while_writing"] += seen["writing"] > 0

    _before_matching(monkeypatch, matched)
    response = await upload(register_head(LINES))
    assert response.status_code == 201, response.text
    if database_url.startswith("postgresql"):
        # chunks 3 and 4, each while the one two before was stored (the one before was numbered
        # meanwhile, then built and stored); chunks 2, 3 and 4 numbered while a store ran
        assert (seen["matched_while_writing"], seen["numbered_while_writing"]) == (2, 3)
    else:  # chunks 2, 3 and 4, each while the one before was stored; numbered after its commit
        assert (seen["matched_while_writing"], seen["numbered_while_writing"]) == (3, 0)
    async with sessionmaker() as session:
        lines = (await session.execute(select(ImportRow.line).order_by(ImportRow.line))).scalars().all()
    assert lines == list(range(2, LINES + 1))


async def test_a_failure_of_the_matching_lets_the_store_in_flight_end_whole(  # type: ignore[no-untyped-def]
    upload, count_rows, sessionmaker, monkeypatch, database_url
) -> None:
    seen = _slow_stores(monkeypatch)

    def failing_fourth() -> None:
        seen["matched"] += 1
        if seen["matched"] == 4:  # the fourth chunk's matching fails while a store is under way
            raise ConnectionResetError("the database went away")

    _before_matching(monkeypatch, failing_fourth)
    batch, lines = await _failed_run(upload, sessionmaker)
    # the store under way was let end, whole: on SQLite the third chunk's (lines 2–31), on PostgreSQL
    # the second's (lines 2–21: the third, matched and numbered, was to be stored after the fourth
    # was matched); nothing after it
    stored = 20 if database_url.startswith("postgresql") else 30
    assert lines == list(range(2, 2 + stored))
    assert (batch.status, batch.counts["total"]) == ("interrupted", stored)
    assert (await count_rows())["registrants"] == batch.counts["imported"]
