"""The application's role may give itself timeouts (``ALTER ROLE … SET statement_timeout``): a
millisecond would end every statement and idle transaction of ``verify-audit``, so no check could
ever end. The command's connections override them (PostgreSQL; SQLite has no roles)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.audit.conftest import write_events
from tests.audit.test_audit_chain import _cli


async def test_verify_audit_ends_whatever_timeouts_the_database_gives_its_sessions(
    sessionmaker, database_url, settings
) -> None:
    await write_events(sessionmaker, 3)
    async with sessionmaker() as session:
        if session.bind.dialect.name != "postgresql":
            pytest.skip("run-time parameters per role or database are PostgreSQL's")
        name = (await session.execute(text("SELECT current_database()"))).scalar_one()
        for parameter in ("statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout"):
            await session.execute(text(f'ALTER DATABASE "{name}" SET {parameter} = 1'))  # 1 ms
        await session.commit()
    sealed = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--seal")
    assert sealed.returncode == 0, sealed.stderr
    assert "sealed 3 events" in sealed.stdout
    assert "audit chain valid: 3 events, 1 signed checkpoint" in sealed.stdout
    again = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit")
    assert again.returncode == 0, again.stderr
