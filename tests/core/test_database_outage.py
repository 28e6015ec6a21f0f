"""The database going away: while PostgreSQL is stopped or restarting every request answers 503
``application/problem+json`` with ``Retry-After`` (never 500, never a dropped connection),
``/readyz`` says not ready, and the app recovers by itself when the server is back.

Runs against a throw-away PostgreSQL the test starts, stops and starts again (not the shared
server); skipped only when the PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from app.cli import migrate_database
from app.core.config import Settings
from app.core.db_errors import database_unavailable
from app.main import create_app
from tests import db as test_db
from tests.conftest import TEST_SECRET
from tests.core.servers import ThrowAwayPostgres


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowAwayPostgres]:
    server = ThrowAwayPostgres()
    try:
        server.init()
        server.start()
        settings = Settings(
            database_url=server.url,
            data_dir=tmp_path_factory.mktemp("outage-var"),
            environment="test",
            _env_file=None,  # type: ignore[call-arg]
        )
        migrate_database(settings)
        asyncio.run(test_db.TestDatabases(Path(settings.data_dir))._seed(server.url, settings))
        yield server
    finally:
        server.remove()


@pytest.fixture
async def outage_app(postgres: ThrowAwayPostgres, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=postgres.url,
        data_dir=tmp_path / "var",
        environment="test",
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        database_pool_size=5,
        database_connect_timeout_seconds=5,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == "/problems/service-unavailable"


async def test_requests_answer_503_while_the_database_is_down_and_recover_after(
    outage_app: FastAPI, postgres: ThrowAwayPostgres
) -> None:
    transport = httpx.ASGITransport(app=outage_app, client=("203.0.113.20", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        admin_headers = await _admin_headers(outage_app)
        created = await client.post(
            "/api/v1/registrants",
            headers=admin_headers,
            json={"desk_code": "CASA-BASE", "given_names": "Awa", "family_name": "Diop", "sex": "female"},
        )
        assert created.status_code == 201, created.text
        registrant = f"/api/v1/registrants/{created.json()['id']}"

        def requests() -> list[asyncio.Task[httpx.Response]]:
            return [
                asyncio.ensure_future(coroutine)
                for coroutine in (
                    client.get("/readyz"),
                    client.get(registrant, headers=admin_headers),  # the audited read's own path
                    client.get(registrant, headers=admin_headers),
                    client.get("/api/v1/desks", headers=admin_headers),
                    client.post("/api/v1/auth/token", data={"username": "x@desk.example", "password": "wrong"}),
                    client.patch(registrant, headers={**admin_headers, "If-Match": '"1"'}, json={"email": None}),
                )
            ]

        assert (await client.get("/readyz")).status_code == 200
        for _ in range(2):  # fill the pool (and the actor cache): the connections the stop breaks
            assert all(r.status_code < 500 for r in await asyncio.gather(*requests()))

        # Under load while the server shuts down: each request either made it or gets a 503.
        in_flight = requests()
        await asyncio.to_thread(postgres.stop, "fast")
        for response in await asyncio.gather(*in_flight):
            assert response.status_code < 500 or response.status_code == 503, response.text
            if response.status_code == 503:
                _assert_unavailable(response)

        # Down: every request, and the readiness probe, answer 503 with Retry-After.
        for response in await asyncio.gather(*requests()):
            _assert_unavailable(response)

        # Back: the first requests already succeed (stale pooled connections are replaced).
        await asyncio.to_thread(postgres.start)
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get(registrant, headers=admin_headers)).status_code == 200
        assert (await client.get("/api/v1/desks", headers=admin_headers)).status_code == 200
        failed_login = await client.post("/api/v1/auth/token", data={"username": "x@desk.example", "password": "w"})
        assert failed_login.status_code == 401


async def test_an_outage_is_logged_once_a_minute_not_once_per_request(
    outage_app: FastAPI, postgres: ThrowAwayPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    """While the database is down every request answers 503, but the line saying it is logged for
    the first at once, then once a minute at most with how many were not logged meanwhile."""
    transport = httpx.ASGITransport(app=outage_app, client=("203.0.113.21", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        admin_headers = await _admin_headers(outage_app)
        await asyncio.to_thread(postgres.stop, "fast")
        try:

            def unreachable() -> list[str]:
                return [
                    r.getMessage()
                    for r in caplog.records
                    if r.name == "app.errors" and r.levelno >= logging.WARNING and "unreachable" in r.getMessage()
                ]

            for response in await asyncio.gather(
                *(client.get("/api/v1/desks", headers=admin_headers) for _ in range(12))
            ):
                _assert_unavailable(response)
            assert len(unreachable()) == 1, unreachable()
            assert "not logged" not in unreachable()[0]

            lines = outage_app.state.repeated_lines
            later = lines.clock() + 61
            lines.clock = lambda: later  # a minute on
            for response in await asyncio.gather(
                *(client.get("/api/v1/desks", headers=admin_headers) for _ in range(3))
            ):
                _assert_unavailable(response)
        finally:
            await asyncio.to_thread(postgres.start)
    assert len(unreachable()) == 2, unreachable()
    assert unreachable()[1].endswith(" (11 more like it in the last 61 s not logged)"), unreachable()[1]


async def _admin_headers(app: FastAPI) -> dict[str, str]:
    from app.auth.models import StaffUser
    from app.core.security import create_access_token, hash_password

    async with app.state.sessionmaker() as session:
        user = StaffUser(
            email=f"admin-{uuid.uuid4().hex[:8]}@desk.example",
            full_name="Admin",
            role="admin",
            password_hash=hash_password("unused password"),
        )
        session.add(user)
        await session.commit()
    token = create_access_token(user_id=user.id, role="admin", token_version=1, key=TEST_SECRET, ttl_seconds=900)
    return {"Authorization": f"Bearer {token}"}


def test_what_counts_as_the_database_being_unreachable() -> None:
    """Connection refused, server starting up or shutting down, a connection dropped under a query:
    unreachable. A constraint violation or a syntax error: not."""
    assert database_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert database_unavailable(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))
    assert database_unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert database_unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert database_unavailable(asyncpg.exceptions.InterfaceError("connection is closed"))
    # the driver's protocol left mid-statement when the server went away between round trips
    assert database_unavailable(
        asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    )
    wrapped = DBAPIError("SELECT 1", {}, ConnectionResetError(104, "reset"), connection_invalidated=True)
    assert database_unavailable(wrapped)
    assert not database_unavailable(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not database_unavailable(asyncpg.exceptions.PostgresSyntaxError("syntax error"))
    assert not database_unavailable(DBAPIError("SELECT 1", {}, ValueError("bad"), connection_invalidated=False))
    assert not database_unavailable(FileNotFoundError(2, "No such file"))
