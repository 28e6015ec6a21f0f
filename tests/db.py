"""Test databases: one migrated, seeded template per run, cloned for every test.

SQLite: the template file is copied. PostgreSQL (when ``DATABASE_URL`` names one): the template is
a real database and each test gets ``CREATE DATABASE … TEMPLATE``, dropped afterwards. Both run
the real migrations, never ``metadata.create_all``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
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


class TestDatabases:
    """Creates the template once and hands out fresh clones of it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pg_url = postgres_url()
        self.prefix = f"dd_test_{os.getpid()}"
        self.template = f"{self.prefix}_tmpl"

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
        name = f"{self.prefix}_{next(_counter)}"
        if self.pg_url:
            await self._pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        else:
            src = self.workdir / f"{self.template}.sqlite3"
            shutil.copyfile(src, self.workdir / f"{name}.sqlite3")
        return name

    async def drop(self, name: str) -> None:
        if self.pg_url:
            await self._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                (self.workdir / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)

    def drop_template(self) -> None:
        if self.pg_url:
            asyncio.run(self._pg_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
