"""Test databases: one migrated, seeded template per run, cloned for every test.

SQLite: the template file is copied. PostgreSQL (when ``DATABASE_URL`` names one): the template is
a real database and each test gets ``CREATE DATABASE … TEMPLATE``, dropped afterwards. Both run
the real migrations, never ``metadata.create_all``.

On PostgreSQL a clone and a drop take ~0.15 s together (the server writes the copy to its WAL),
about a third of a typical test: a thread of their own (:class:`_Clones`) makes them and drops
used ones while the tests run. It makes a clone when a test asks for one, not ahead: ``DROP
DATABASE`` forces a checkpoint, which writes every other database's dirty pages to disk, so a
clone made ahead (10 MB) was written out at the previous test's drop, then dropped in its turn;
made on demand, the clone being dropped is the only one, its pages are discarded unwritten and
the checkpoint has next to nothing to write (measured on ``tests/cases``, 237 tests on a loaded
machine: 261–279 s wall, 67–71 s CPU, against 297–488 s and 73–79 s with two made ahead).
``TEST_CLONES_AHEAD=2`` makes them ahead again.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app.cli import migrate_database
from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker

_counter = itertools.count(1)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


class _Clones:
    """PostgreSQL clones of ``template`` made when a test asks (or :data:`READY` ahead), and used
    ones dropped first, by one thread with its own connection: :meth:`take` hands a clone out,
    :meth:`give_back` queues its drop."""

    READY = int(os.environ.get("TEST_CLONES_AHEAD", "0"))
    """Clones made ahead of the tests' asking (0: on demand, see the module docstring)."""

    def __init__(self, dsn: str, template: str, names: Iterator[str]) -> None:
        self.dsn, self.template, self.names = dsn, template, names
        self.ready: queue.Queue[str] = queue.Queue(maxsize=max(self.READY, 1))
        self.wanted = threading.Event()
        self.used: queue.Queue[str | None] = queue.Queue()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="test-databases", daemon=True)
        self.thread.start()

    async def _run(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            while True:
                try:  # drops first: they free what the next clones need
                    idle = self.ready.full() or (self.READY == 0 and not self.wanted.is_set())
                    name = self.used.get(timeout=0.02 if idle else 0)
                except queue.Empty:
                    if not self.ready.full() and (self.READY or self.wanted.is_set()):
                        self.wanted.clear()
                        name = next(self.names)
                        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                        self.ready.put(name)
                    continue
                if name is None:  # closing: drop the clones nobody took
                    while not self.ready.empty():
                        await conn.execute(f'DROP DATABASE IF EXISTS "{self.ready.get()}" WITH (FORCE)')
                    return
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except BaseException as exc:
            self.failure = exc
            raise
        finally:
            await conn.close()

    def take(self) -> str:
        self.wanted.set()
        while True:
            try:
                return self.ready.get(timeout=1)
            except queue.Empty:
                if self.failure is not None or not self.thread.is_alive():
                    raise RuntimeError("the test databases' thread stopped") from self.failure

    def give_back(self, name: str) -> None:
        self.used.put(name)

    def close(self) -> None:
        self.used.put(None)
        self.thread.join(timeout=120)


class TestDatabases:
    """Creates the template once and hands out fresh clones of it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pg_url = postgres_url()
        self.prefix = f"dd_test_{os.getpid()}"
        self.template = f"{self.prefix}_tmpl"
        self._clones: _Clones | None = None

    @property
    def backend(self) -> str:
        return "postgresql" if self.pg_url else "sqlite"

    def url_for(self, name: str) -> str:
        if self.pg_url:
            return make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)
        return f"sqlite+aiosqlite:///{self.workdir / (name + '.sqlite3')}"

    def build_template(self) -> None:
        if self.pg_url:
            asyncio.run(
                self._pg_admin(f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"')
            )
        url = self.url_for(self.template)
        settings = Settings(database_url=url, data_dir=self.workdir / "var", environment="test")
        migrate_database(settings)
        asyncio.run(self._seed(url, settings))
        if self.pg_url:
            admin = _dsn(self.pg_url, make_url(self.pg_url).database or "postgres")
            self._clones = _Clones(admin, self.template, (f"{self.prefix}_{n}" for n in _counter))

    async def _seed(self, url: str, settings: Settings) -> None:
        from app.cases.catalogue import seed_service_types
        from app.reference import service as reference
        from app.seed import seed_desks

        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            await reference.seed(session)
            await seed_desks(session)
            await seed_service_types(session)
            await session.commit()
        await engine.dispose()

    async def _pg_admin(self, *statements: str) -> None:
        assert self.pg_url
        conn = await asyncpg.connect(_dsn(self.pg_url, make_url(self.pg_url).database or "postgres"))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def clone(self) -> str:
        if self._clones is not None:
            return await asyncio.to_thread(self._clones.take)
        name = f"{self.prefix}_{next(_counter)}"
        src = self.workdir / f"{self.template}.sqlite3"
        shutil.copyfile(src, self.workdir / f"{name}.sqlite3")
        return name

    async def drop(self, name: str) -> None:
        """Drop a clone (on PostgreSQL queued: the database goes away shortly after)."""
        if self._clones is not None:  # PostgreSQL, from the template's build on
            self._clones.give_back(name)
        else:
            for suffix in ("", "-wal", "-shm"):
                (self.workdir / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)

    def drop_template(self) -> None:
        if self._clones is not None:
            self._clones.close()
        if self.pg_url:
            asyncio.run(self._pg_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
