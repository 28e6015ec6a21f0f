"""Shared fixtures: a migrated database per test, the app over HTTP (httpx), staff accounts.

Every test gets its own clone of a migrated, seeded template database (SQLite file, or a real
PostgreSQL database when ``DATABASE_URL`` points at one) and its own ``var/`` folder.

``TEST_VIA_PGBOUNCER=1`` (with PostgreSQL; ``make test-pgbouncer``): every test's app reaches its
database through one real PgBouncer in transaction pooling mode, started for the session in front
of the test server, as a production deployment behind PgBouncer does (``?pgbouncer=true``). So
does whatever uses the app's settings or sessionmaker (the staff fixtures, the command-line runs
given its URL); what connects with ``database_url`` itself reaches the server.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import DeskMembership, StaffUser
from app.core import collector, cursors
from app.core.config import Settings
from app.core.security import create_access_token, hash_password
from app.desks.models import Desk
from app.main import create_app
from tests.core.servers import PgBouncer
from tests.db import TestDatabases, postgres_url

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"
PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)


DATABASE_FIXTURES = frozenset({"database_url", "databases"})
"""The fixtures through which a test reaches the test database."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach a database (CI's PostgreSQL run: the SQLite run has the others)",
    )
    parser.addoption(
        "--browser-tests",
        default="all",
        metavar="K/N",
        help="the files of tests/web to run: all, or shares K of N (in name order, every N-th from the K-th, "
        "counting from 0; several as K,L/N), whatever --database-tests-only says of them; CI splits them "
        "between its two runs",
    )


WEB_TESTS = Path(__file__).parent / "web"
_SHARE = re.compile(r"(\d+(?:,\d+)*)/(\d+)", re.ASCII)


def _browser_share(option: str) -> tuple[frozenset[int], int] | None:
    """``--browser-tests``'s shares ``({K, …}, N)``, None for all; ``pytest.UsageError`` when it is
    neither."""
    if option == "all":
        return None
    found = _SHARE.fullmatch(option)
    shares = frozenset(int(k) for k in found[1].split(",")) if found else frozenset()
    if found is None or max(shares) >= int(found[2]):
        raise pytest.UsageError(f"--browser-tests: 'all', K/N or K,L/N with 0 <= K < N, not {option!r}")
    return shares, int(found[2])


def pytest_configure(config: pytest.Config) -> None:
    _browser_share(config.getoption("--browser-tests"))  # a bad share refused before anything is collected


def _reaches_database(item: pytest.Item, sources: dict[Path, str]) -> bool:
    """Whether ``item`` uses the test database, or its module speaks of PostgreSQL at all (a test
    that starts its own server, or reads ``DATABASE_URL``)."""
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    path = Path(item.path)
    if path not in sources:
        sources[path] = path.read_text(encoding="utf-8").lower()
    return any(word in sources[path] for word in ("postgres", "database_url"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--database-tests-only``: leave out the tests that never reach a database (pure functions:
    names, phonetics, scoring, parsing). They behave the same whatever the database, and CI runs
    them in its SQLite run; its PostgreSQL run need not run them again.

    ``--browser-tests K/N`` (or ``K,L/N``): of the files of tests/web (the browser tests, and a few
    of the web client's that need no browser), keep only share K (and L…) of N, and the shares alone
    decide for them
    (a file of tests/web that reaches no database is kept in its share even with
    ``--database-tests-only``). The browser tests drive the web client, which only calls the API,
    so CI runs each file once, in one of its two runs (7 shares of 12 on SQLite, 5 on
    PostgreSQL), which keeps the two (side by side on two cores) about as long as each other."""
    share = _browser_share(config.getoption("--browser-tests"))
    database_only = config.getoption("--database-tests-only")
    if share is None and not database_only:
        return
    modules = sorted(path.name for path in [*WEB_TESTS.glob("test_*.py"), *WEB_TESTS.glob("*_test.py")])
    index = {name: i for i, name in enumerate(modules)}  # pytest's default test module names
    sources: dict[Path, str] = {}

    def kept(item: pytest.Item) -> bool:
        path = Path(item.path)
        if share is not None and path.parent == WEB_TESTS:
            return index[path.name] % share[1] in share[0]
        return not database_only or _reaches_database(item, sources)

    keep = [kept(item) for item in items]
    config.hook.pytest_deselected(items=[item for item, k in zip(items, keep, strict=True) if not k])
    items[:] = [item for item, k in zip(items, keep, strict=True) if k]


YOUNG_THRESHOLD = 20_000
"""Allocations between two young collections in the test process (Python's default: 700)."""
gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
UNSETTLED_AT_MOST = 100
"""Tests after a hand-back, in the same folder, that may end without settling the heap again."""
_settled = [collector.handbacks()]  # its value when the heap was last frozen
_unsettled = [0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[object]:
    """After each test, collect the test process's garbage, then leave what is still alive out of
    the collector's later scans (:func:`gc.freeze`, Python documentation, "gc").

    A test's app, engine and client hold reference cycles; living through the test, they reach the
    oldest generation, and only a full collection frees them. Without this, one ran every ~10 tests
    on its own, walking everything unfrozen: in tests/cases (517 tests) 42 of them took 5.8-7 s,
    against 1.3-1.6 s for the 517 done here, each walking one test's objects. Done once the whole
    protocol has run (pytest lets go of the test's fixture values only then: frozen at the teardown
    report, every test's app stayed in memory, 809 MB instead of 287 at the end of tests/cases). A
    test process keeps about 1,700 objects a test (pytest's reports, the app's memoised keys and
    compiled statements); frozen, they are walked no more.

    A register import hands everything back to the collector at its end
    (:func:`app.core.collector.frozen_working_set`): a collection then walks the whole heap (0.1 to
    1.4 s in tests/imports). After a hand-back the heap is settled again only when the next test is
    in another folder, or after :data:`UNSETTLED_AT_MOST` tests, not after every import test of
    tests/imports (there, 25 such collections took 11 s).

    The young generation is collected every :data:`YOUNG_THRESHOLD` allocations instead of 700:
    a request through the app allocates thousands of short-lived objects, freed by reference
    counting anyway; in tests/cases 4,700 young and 425 middle collections took 1.5 s, 560 and 50
    took 0.1 s."""
    result = yield
    handed_back = collector.handbacks() != _settled[0]
    same_folder = nextitem is not None and Path(item.path).parent == Path(nextitem.path).parent
    if handed_back and same_folder and _unsettled[0] < UNSETTLED_AT_MOST:  # it may be handed back again
        _unsettled[0] += 1
        return result
    gc.collect()
    gc.freeze()
    _settled[0], _unsettled[0] = collector.handbacks(), 0
    return result


@pytest.fixture(scope="session", autouse=True)
def _cold_function_caches() -> None:
    """Every test session starts with the app's memoised functions (``functools.lru_cache``) empty.

    A session started in a process that already ran tests (``make mutation`` forks each mutant's
    session from one) would otherwise read results computed by other code than the code under test.
    """
    for name, module in list(sys.modules.items()):
        if name == "app" or name.startswith("app."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and getattr(value, "__module__", None) == name:
                    clear()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    dbs = TestDatabases(tmp_path_factory.mktemp("db"))
    dbs.build_template()
    yield dbs
    dbs.drop_template()


@pytest.fixture
async def database_url(databases: TestDatabases) -> AsyncIterator[str]:
    name = await databases.clone()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="session")
def pgbouncer_front() -> Iterator[PgBouncer | None]:
    """With ``TEST_VIA_PGBOUNCER`` set: PgBouncer (transaction pooling, fewer server connections
    than an app has clients) in front of the PostgreSQL server of ``DATABASE_URL``, for the whole
    session; ``None`` otherwise. Refuses to run without PostgreSQL rather than test SQLite instead."""
    if os.environ.get("TEST_VIA_PGBOUNCER", "") in ("", "0"):
        yield None
        return
    url = postgres_url()
    if url is None:
        pytest.exit("TEST_VIA_PGBOUNCER needs DATABASE_URL=postgresql+asyncpg://…", returncode=2)
    try:
        bouncer = PgBouncer.in_front_of(url, pool_size=6)
    except pytest.skip.Exception as missing:  # not a run of every test skipped, passing
        pytest.exit(f"TEST_VIA_PGBOUNCER: {missing}", returncode=2)
    bouncer.start()
    yield bouncer
    bouncer.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, pgbouncer_front: PgBouncer | None) -> Settings:
    if pgbouncer_front is not None:  # in the URL: a command-line run given it goes the same way
        database_url = pgbouncer_front.url_for(database_url)
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        environment="test",
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def sessionmaker(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return maker


@dataclass
class Staff:
    """A staff account created for a test, with ready-made ``Authorization`` headers."""

    id: uuid.UUID
    email: str
    role: str
    headers: dict[str, str]


@pytest.fixture
def make_staff(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings):  # type: ignore[no-untyped-def]
    """``await make_staff("agent", ["CASA-BASE"])`` → :class:`Staff` (password: ``PASSWORD``)."""

    async def make(role: str = "agent", desks: list[str] | None = None, email: str | None = None) -> Staff:
        desks = ["CASA-BASE"] if desks is None else desks
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@desk.example"
        async with sessionmaker() as session:
            user = StaffUser(email=email.casefold(), full_name=f"Test {role}", role=role, password_hash=_PASSWORD_HASH)
            session.add(user)
            await session.flush()
            for code in desks:
                desk_id = (await session.execute(select(Desk.id).where(Desk.code == code))).scalar_one()
                session.add(DeskMembership(user_id=user.id, desk_id=desk_id))
            await session.commit()
        token = create_access_token(
            user_id=user.id, role=role, token_version=user.token_version, key=TEST_SECRET, ttl_seconds=900
        )
        return Staff(id=user.id, email=user.email, role=role, headers={"Authorization": f"Bearer {token}"})

    return make


class AuditLog:
    """The app's audit log as a test drives it: seal now (no background task runs in tests), verify."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def seal(self) -> int:
        sealed: int = await self.app.state.audit_sequencer.seal_all()
        return sealed

    async def verify(self, against: Any = None) -> Any:
        from app.audit.service import verify_chain

        async with self.app.state.sessionmaker() as session:
            return await verify_chain(session, self.app.state.audit_sequencer.signer, against=against)


@pytest.fixture
def audit_log(app: FastAPI) -> AuditLog:
    """Seal and verify the test app's audit log (:class:`AuditLog`)."""
    return AuditLog(app)


@pytest.fixture
def seal_cursor(settings: Settings) -> Callable[[dict[str, Any], str], str]:
    """``seal_cursor(fields, context)``: a cursor sealed as the test app seals its own
    (``context``: ``"sync"``, or ``"list:<table>.<column>,…"`` for a list), to try the checks that
    stand behind the seal on values the API would never issue."""

    def seal(fields: dict[str, Any], context: str) -> str:
        return cursors.seal(fields, key=cursors.cursor_key(settings), context=context)

    return seal


@pytest.fixture
async def desk_ids(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, uuid.UUID]:
    """``{"CASA-BASE": id, "DKR-MOB": id}`` of the seeded desks."""
    async with sessionmaker() as session:
        rows = await session.execute(select(Desk.code, Desk.id))
        return {code: desk_id for code, desk_id in rows}
