"""The database going away: while PostgreSQL is stopped or restarting every request answers 503
``application/problem+json`` with ``Retry-After`` (never 500, never a dropped connection),
``/readyz`` says not ready, and the app recovers by itself when the server is back.

Runs against a throw-away PostgreSQL the test starts, stops and starts again (not the shared
server); skipped only when the PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
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
from app.core.db import create_engine, create_sessionmaker
from app.core.db_errors import database_unavailable
from app.main import create_app
from app.notifications.worker import Worker
from tests import db as test_db
from tests.conftest import TEST_SECRET
from tests.core.servers import ThrowAwayPostgres, free_port


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


ROOT = Path(__file__).resolve().parents[2]


def _start(command: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``diaspora-desk serve`` / ``worker``, or ``uvicorn app.asgi:app`` started directly, on
    ``database_url``; each must stop before it listens or works."""
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "ENVIRONMENT": "test"}
    env.pop("DATABASE_OWNER_URL", None)
    port = str(free_port())
    args = {
        "serve": ["-m", "app.cli", "serve", "--port", port],
        "worker": ["-m", "app.cli", "worker"],
        "uvicorn": ["-m", "uvicorn", "app.asgi:app", "--port", port],
    }[command]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["serve", "worker", "uvicorn"])
async def test_a_database_that_cannot_be_reached_stops_the_start_in_one_line(command: str, tmp_path: Path) -> None:
    """Nothing listens on the port: exit 3 and one line naming DATABASE_URL and where it leads,
    never its password. ``serve`` started and logged a traceback per second from the worker."""
    port = free_port()
    done = await asyncio.to_thread(
        _start, command, f"postgresql+asyncpg://desk_app:s3cret-pw@127.0.0.1:{port}/desk", tmp_path / "var"
    )
    assert "Traceback" not in done.stderr and "s3cret-pw" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 3, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert line == (
        f"cannot start: the database of DATABASE_URL (PostgreSQL at 127.0.0.1:{port}, database desk, role desk_app) "
        f"cannot be reached (ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', {port})); "
        "check that the server runs there"
    )


@pytest.mark.parametrize("command", ["serve", "worker", "uvicorn"])
async def test_a_role_the_database_refuses_stops_the_start_in_one_line(
    command: str, postgres: ThrowAwayPostgres, tmp_path: Path
) -> None:
    url = f"postgresql+asyncpg://nobody:s3cret-pw@127.0.0.1:{postgres.port}/postgres"
    done = await asyncio.to_thread(_start, command, url, tmp_path / "var")
    assert "Traceback" not in done.stderr and "s3cret-pw" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 3, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert line == (
        f"cannot start: the database of DATABASE_URL (PostgreSQL at 127.0.0.1:{postgres.port}, database postgres, "
        'role nobody) refused this connection (InvalidAuthorizationSpecificationError: role "nobody" does not '
        "exist); check the role, its password and the database"
    )


async def test_the_worker_rides_out_an_outage_backing_off_and_logging_it_once(
    postgres: ThrowAwayPostgres, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While the database is down the worker's rounds fail: it waits twice as long after each, up
    to its bound, logs one line (no traceback) when the outage begins and one when it is running
    again, and resumes by itself. It logged a traceback every NOTIFY_POLL_SECONDS (1 s) instead."""
    settings = Settings(
        database_url=postgres.url,
        data_dir=tmp_path / "var",
        environment="test",
        notify_poll_seconds=0.05,
        database_connect_timeout_seconds=5,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(settings.database_url, pool_size=2)
    worker = Worker(create_sessionmaker(engine), settings, max_backoff_seconds=0.4)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    caplog.set_level(logging.INFO, logger="app.notifications.worker")

    def said() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "app.notifications.worker"]

    try:
        await asyncio.sleep(0.3)
        assert worker.failed_rounds == 0 and said() == []
        await asyncio.to_thread(postgres.stop, "fast")
        await asyncio.sleep(2.5)
        # without backing off: 2.5 s / 0.05 s = 50 rounds; with it 0.1, 0.2, 0.4, 0.4…: about 8
        assert 3 <= worker.failed_rounds <= 12, worker.failed_rounds
        assert worker.delay_seconds == 0.4
        [outage] = said()
        assert (outage.levelname, outage.exc_info) == ("ERROR", None)
        assert outage.getMessage().startswith("notification worker: the database cannot be used (")
        assert outage.getMessage().endswith("); retrying, backing off up to every 0.4 s until it is back")
        failed = worker.failed_rounds

        await asyncio.to_thread(postgres.start)
        for _ in range(100):
            if worker.failed_rounds == 0:
                break
            await asyncio.sleep(0.05)
        assert worker.failed_rounds == 0
        assert worker.delay_seconds == 0.05
        [_, back] = said()
        assert back.levelname == "WARNING"
        assert back.getMessage().startswith("notification worker: running again after ")
        assert int(back.getMessage().split()[-3]) >= failed
    finally:
        stop.set()
        await running
        await engine.dispose()


async def test_a_login_attempt_the_database_failed_is_given_back_once_it_is_back(
    outage_app: FastAPI, postgres: ThrowAwayPostgres
) -> None:
    """An attempt counts as a failure in flight until its verdict; the database gone before it
    (its account could not be read), the give-back is refused too, and the attempt counted as a
    failure for the window: a few logins during a restart locked the account out for 15 minutes."""
    from sqlalchemy import select

    from app.auth import throttle
    from app.auth.models import LoginThrottle

    engine = outage_app.state.engine
    reservation = await throttle.reserve(
        engine, identifier="outage@desk.example", ip="203.0.113.21", max_failures=5, window_seconds=900
    )
    assert isinstance(reservation, throttle.Reservation)
    await asyncio.to_thread(postgres.stop, "fast")
    try:
        await throttle.release(engine, reservation)  # refused now: tried again in the background
    finally:
        await asyncio.to_thread(postgres.start)
    counted = {}
    for _ in range(100):  # the retries wait 0.5, 1, 2, then 4 s
        async with engine.connect() as conn:
            rows = await conn.execute(select(LoginThrottle.key, LoginThrottle.failures))
            counted = {key: failures for key, failures in rows if key in reservation.windows}
        if counted and not any(counted.values()):
            break
        await asyncio.sleep(0.1)
    assert set(counted) == set(reservation.windows) and not any(counted.values()), counted


async def test_a_right_sign_in_code_the_database_failed_keeps_its_try_once_it_is_back(
    outage_app: FastAPI, postgres: ThrowAwayPostgres
) -> None:
    """The person's try of a right code, spent as the database failed the sign-in, is given back
    once the database is back (it stayed spent: one of the code's tries lost to an outage)."""
    import datetime as dt

    from sqlalchemy import select

    from app.core.db import create_sessionmaker, utcnow
    from app.selfservice.accounts import _give_back_attempt
    from app.selfservice.models import OneTimeCode

    engine = outage_app.state.engine
    code = OneTimeCode(
        identifier="+221770000001", channel="sms", code_hash="0" * 64, ip=None,
        expires_at=utcnow() + dt.timedelta(minutes=10), attempts=1,
    )  # fmt: skip
    async with create_sessionmaker(engine)() as session:
        session.add(code)
        await session.commit()
        await asyncio.to_thread(postgres.stop, "fast")
        try:
            await _give_back_attempt(session, code.id)  # refused now: tried again in the background
        finally:
            await asyncio.to_thread(postgres.start)
    attempts = None
    for _ in range(100):
        async with engine.connect() as conn:
            attempts = (await conn.execute(select(OneTimeCode.attempts).where(OneTimeCode.id == code.id))).scalar()
        if attempts == 0:
            break
        await asyncio.sleep(0.1)
    assert attempts == 0
