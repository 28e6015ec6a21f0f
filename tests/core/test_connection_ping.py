"""Which pooled PostgreSQL connections are tested before use (:func:`app.core.db._ping_on_checkout`):
one the server closed is replaced without a round trip, one idle for a while is pinged, one that
served a request a moment ago is handed out as it is."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.core import db


@pytest.fixture
def pings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pings the app's engine sends (the real ``SELECT 1``, counted on its way)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the ping on checkout is PostgreSQL's (SQLite opens a file)")
    sent: list[int] = []
    select_one = db._select_one

    def counted(driver: Any) -> Any:
        sent.append(1)
        return select_one(driver)

    monkeypatch.setattr(db, "_select_one", counted)
    return sent


async def _backend_pid(app: FastAPI) -> int:
    async with app.state.engine.connect() as connection:
        pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    return pid


async def test_a_connection_back_from_a_request_a_moment_ago_is_not_pinged(
    app: FastAPI, client: httpx.AsyncClient, pings: list[int]
) -> None:
    first = await _backend_pid(app)
    for _ in range(5):
        assert (await client.get("/readyz")).status_code == 200
    assert await _backend_pid(app) == first, "the pool of a quiet test serves one connection"
    assert pings == []


async def test_a_connection_idle_in_the_pool_for_a_while_is_pinged_first(
    app: FastAPI, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _backend_pid(app)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    await _backend_pid(app)
    await _backend_pid(app)
    assert len(pings) == 2


async def test_a_connection_the_server_closed_is_replaced_without_failing_the_request(
    app: FastAPI, client: httpx.AsyncClient, database_url: str, pings: list[int]
) -> None:
    """``pg_terminate_backend`` is what a restart does to each connection: a FATAL message, then
    the socket closed. The next request gets a new connection and succeeds."""
    victim = await _backend_pid(app)
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", victim)
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the event loop reads the server's goodbye
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert await _backend_pid(app) != victim
    assert pings == [], "a closed socket is seen without a round trip"
