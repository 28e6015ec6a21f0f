"""Exports stream in batches and release their database connection when the client goes away."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncResult

from app.audit.models import AuditEvent
from app.registrants.models import Registrant
from app.reports.streaming import BATCH_SIZE, FETCH_SIZE, read_only_connection, stream_batches, stream_records
from tests.reports.conftest import World, utc


async def _many(world: World) -> None:
    for i in range(BATCH_SIZE + 5):
        await world.registrant(family=f"Personne {i}", at=utc(2026, 2, 10))


def _scope(headers: dict[str, str], spec_version: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/exports/registrants",
        "raw_path": b"/api/v1/exports/registrants",
        "root_path": "",
        "query_string": b"start=2026-02-01&end=2026-02-28",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("203.0.113.9", 50001),
        "server": ("testserver", 80),
    }


async def _finish_event(sessionmaker, export_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        event = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.entity_id == export_id, AuditEvent.action == "export.finish")
            )
        ).scalar_one()
        return event.details


@pytest.mark.parametrize("spec_version", ["2.4", "2.3"])
async def test_client_disconnect_releases_the_connection(  # type: ignore[no-untyped-def]
    app: FastAPI, build, make_staff, sessionmaker, spec_version: str
) -> None:
    await build(_many)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    sent: list[dict[str, Any]] = []
    disconnected = asyncio.Event()
    export_id: list[str] = []

    async def receive() -> dict[str, Any]:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.start":
            export_id.extend(v.decode() for k, v in message["headers"] if k == b"x-export-id")
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        if len(bodies) == 2:  # the header, then the first batch: the client goes away
            assert app.state.engine.pool.checkedout() >= 1  # the export's cursor is open
            disconnected.set()
            if spec_version == "2.4":
                raise OSError("connection reset by peer")
            # The disconnect listener must cancel the stream while it waits here; a stream that is
            # never cancelled fails the test (TimeoutError) instead of passing on a slow machine.
            await asyncio.wait_for(asyncio.Event().wait(), 30)

    try:
        await app(_scope(supervisor.headers, spec_version), receive, send)
    except Exception as exc:  # starlette's ClientDisconnect for spec 2.4
        assert type(exc).__name__ == "ClientDisconnect"
    assert app.state.engine.pool.checkedout() == 0
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert not any(m.get("more_body") is False for m in bodies)  # the file never completed
    details = await _finish_event(sessionmaker, export_id[0])
    assert details["completed"] is False
    assert details["rows_written"] < BATCH_SIZE + 5


async def test_complete_export_spans_several_batches(client, build, make_staff, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await build(_many)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/exports/registrants", params={"start": "2026-02-01", "end": "2026-02-28"}, headers=supervisor.headers
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == BATCH_SIZE + 5 + 1
    assert response.headers["x-export-rows"] == str(BATCH_SIZE + 5)
    details = await _finish_event(sessionmaker, response.headers["x-export-id"])
    assert details == {"kind": "registrants", "named": False, "rows_written": BATCH_SIZE + 5, "completed": True}


async def test_batches_are_whole_though_read_in_smaller_fetches(app: FastAPI, build, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await build(_many)
    fetched: list[int | None] = []
    fetchmany = AsyncResult.fetchmany

    async def spy(self: AsyncResult[Any], size: int | None = None) -> Any:
        fetched.append(size)
        return await fetchmany(self, size)

    monkeypatch.setattr(AsyncResult, "fetchmany", spy)
    async with read_only_connection(app.state.engine) as conn:
        stmt = select(Registrant.id).order_by(Registrant.id)
        sizes = [len(batch) async for batch in stream_batches(conn, stmt)]
    assert sizes == [BATCH_SIZE, 5]
    assert max(n or 0 for n in fetched) == FETCH_SIZE


async def test_records_stream_in_batches_and_an_early_stop_leaves_the_connection_usable(app: FastAPI, build) -> None:  # type: ignore[no-untyped-def]
    async def five(world: World) -> None:
        for i in range(5):
            await world.registrant(family=f"Personne {i}", at=utc(2026, 2, 10))

    await build(five)
    stmt = select(Registrant.id, Registrant.family_name).order_by(Registrant.family_name)
    async with read_only_connection(app.state.engine) as conn:
        batches = [[tuple(row) for row in batch] async for batch in stream_records(conn, stmt, 2)]
        assert [len(batch) for batch in batches] == [2, 2, 1]
        assert [name for batch in batches for _, name in batch] == [f"Personne {i}" for i in range(5)]
        consulted: list[int] = []

        async def before_next(batch: Any) -> None:
            consulted.append(len(batch))
            assert (await conn.execute(select(Registrant.id).limit(1))).first() is not None

        stream = stream_records(conn, stmt, 2, before_next=before_next)
        first = await anext(stream)
        await stream.aclose()  # the next batch was already asked for: it is read and dropped
        assert (len(first), consulted) == (2, [2])
        assert len((await conn.execute(select(Registrant.id))).all()) == 5
