"""Alembic environment: migrates the database named by the settings (or ``-x url=…``).

SQLite: migrations run in batch mode (``render_as_batch``), which recreates a table to alter it
(create a copy, copy the rows, drop the old table, rename). With foreign keys enforced, dropping a
parent table deletes or nulls its children through ``ON DELETE`` (SQLite "ALTER TABLE", section
"Making Other Kinds Of Table Schema Changes", https://www.sqlite.org/lang_altertable.html#otheralter),
so foreign keys are switched off for the migration — ``PRAGMA foreign_keys`` is a no-op inside a
transaction (https://www.sqlite.org/pragma.html#pragma_foreign_keys), so it is set on the driver
connection before Alembic begins one — and ``PRAGMA foreign_key_check`` runs before the commit of
the run (one transaction on SQLite): any row it reports fails the migration, which is then rolled
back (:class:`ForeignKeyViolations`).
Time zones are the pinned ``tzdata`` package's (importing ``app`` sets it up).
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from app.core import timezones
from app.core.config import Settings
from app.core.db import create_engine
from app.models import Base

timezones.check_database()

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    explicit = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return explicit or Settings().effective_database_url


class ForeignKeyViolations(RuntimeError):
    """A SQLite migration left rows whose foreign keys point at nothing (``PRAGMA foreign_key_check``)."""


def _sqlite_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    """Set ``PRAGMA foreign_keys`` on the driver connection, outside any transaction, and check it took."""
    assert not connection.in_transaction(), "PRAGMA foreign_keys is ignored inside a transaction"
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
        cursor.execute("PRAGMA foreign_keys")
        state = cursor.fetchone()
    finally:
        cursor.close()
    if state is None or bool(state[0]) != enabled:
        raise RuntimeError(f"could not set PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    """Raise :class:`ForeignKeyViolations` naming what ``PRAGMA foreign_key_check`` reports."""
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        found = "; ".join(f"{table} rowid {rowid} → {parent}" for table, rowid, parent, _ in rows[:20])
        raise ForeignKeyViolations(f"the migration broke {len(rows)} foreign key reference(s): {found}")


def _applied(*, step: Any, **_: Any) -> None:
    """Note each revision applied (``diaspora-desk migrate`` says how many)."""
    config.attributes.setdefault("applied", []).append(step.up_revision_id)


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, enabled=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            # SQLite's DDL is transactional (https://www.sqlite.org/lang_transaction.html): one
            # transaction for the whole run, so the foreign-key check below can still roll it back.
            transactional_ddl=True if sqlite else None,
            compare_type=True,
            on_version_apply=_applied,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.rollback()
            _sqlite_foreign_keys(connection, enabled=True)


async def _run_async() -> None:
    url = _url()
    if url.startswith("sqlite"):
        from pathlib import Path

        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    # The owner's own search_path: the migrations create their objects unqualified, in public.
    engine = create_engine(url, search_path=None)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()  # also when a migration fails: no connection left open


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
