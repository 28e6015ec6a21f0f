"""Upgrading a database whose audit log was written before revision 0501 (links v1 and v2 on the
events, one head row): the log keeps verifying, is signed, and goes on.

The old log is built with the formulas as the earlier revisions documented them (written out here
with hashlib and json, not with the code under test).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.audit.sequencer import Sequencer, signer_for
from app.audit.service import verify_chain
from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from tests.alembic_config import alembic_config
from tests.audit.tampering import lift_protection


def _canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _content(seq: int) -> dict:
    return {
        "occurred_at": f"2026-11-01T09:0{seq}:00.000000+00:00",
        "actor_id": None,
        "actor_label": "system",
        "actor_role": "system",
        "action": "test.before_upgrade",
        "entity_type": "test",
        "entity_id": str(seq),
        "request_id": None,
        "ip": None,
        "user_agent": None,
        "details": {"note": "Ndèye"},
    }


def _v1(seq: int, prev: str) -> str:  # revision 0001: everything, seq and prev_hash included
    return hashlib.sha256(
        _canonical({**_content(seq), "seq": seq, "desk_id": None, "prev_hash": prev}).encode()
    ).hexdigest()


def _v2(seq: int, prev: str) -> str:  # revision 0006: prev:seq:desk:content digest
    digest = hashlib.sha256(_canonical(_content(seq)).encode()).hexdigest()
    return hashlib.sha256(f"{prev}:{seq}::{digest}".encode()).hexdigest()


def _migrate(url: str, revision: str) -> None:
    command.upgrade(alembic_config(url), revision)


def _downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


async def _old_log(url: str) -> None:
    """Five events as revision 0006 stored them: 1-3 linked by v1, 4-5 by v2."""
    engine = create_engine(url)
    prev = "0" * 64
    async with engine.begin() as conn:
        for seq in range(1, 6):
            digest = _v1(seq, prev) if seq <= 3 else _v2(seq, prev)
            await conn.execute(
                text(
                    "INSERT INTO audit_events (seq, occurred_at, actor_label, actor_role, action, entity_type, "
                    "entity_id, details, prev_hash, hash) VALUES (:seq, :at, 'system', 'system', "
                    "'test.before_upgrade', 'test', :eid, :details, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": dt.datetime(2026, 11, 1, 9, seq, tzinfo=dt.UTC)
                    if url.startswith("postgresql")
                    else f"2026-11-01 09:0{seq}:00.000000",
                    "eid": str(seq),
                    "details": json.dumps({"note": "Ndèye"}),
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
        await conn.execute(text("UPDATE audit_chain_head SET seq = 5, hash = :h, link_v2_from_seq = 4"), {"h": prev})
    await engine.dispose()


@contextlib.asynccontextmanager
async def _upgraded(databases, tmp_path, name: str) -> AsyncIterator[tuple[AsyncEngine, Sequencer, Any]]:
    """A database holding :func:`_old_log`, upgraded to head: its engine, a sequencer and a
    ``verify()`` of the log; the database is dropped afterwards."""
    name = f"{databases.prefix}_{name}"
    if databases.pg_url:
        await databases._pg_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = databases.url_for(name)
    settings = Settings(database_url=url, data_dir=tmp_path / "var", environment="test", _env_file=None)
    engine = create_engine(url)
    try:
        await asyncio.to_thread(_migrate, url, "0006")
        await _old_log(url)
        await asyncio.to_thread(_migrate, url, "head")
        sequencer = Sequencer(engine, signer_for(settings))
        sessions = create_sessionmaker(engine)

        async def verify():
            async with sessions() as session:
                return await verify_chain(session, sequencer.signer)

        yield engine, sequencer, verify
    finally:
        await engine.dispose()
        await databases.drop(name)


async def _write_after_upgrade(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
                "VALUES (:at, 'system', 'system', 'test.after_upgrade', 'test', '{}')"
            ),
            {"at": dt.datetime.now(dt.UTC) if conn.dialect.name == "postgresql" else "2026-11-30 04:00:00.000000"},
        )


async def test_a_log_from_before_the_sequencer_verifies_after_the_upgrade_and_goes_on(databases, tmp_path) -> None:
    async with _upgraded(databases, tmp_path, "upgrade") as (engine, sequencer, verify):
        unsigned = await verify()
        assert (unsigned.ok, unsigned.checked, unsigned.reason) == (
            False,
            5,
            "the last link 5 is not signed by a checkpoint",
        )
        assert await sequencer.seal_all() == 0  # nothing new: the carried-over head gets signed
        assert (await verify()).ok
        await _write_after_upgrade(engine)
        assert await sequencer.seal_all() == 1
        result = await verify()
        assert (result.ok, result.checked, result.checkpoints) == (True, 6, 2)
        async with create_sessionmaker(engine)() as session:
            await lift_protection(session)
            await session.execute(text("UPDATE audit_events SET entity_id = 'forged' WHERE entity_id = '2'"))
            await session.commit()
        broken = await verify()
        assert (broken.broken_seq, broken.reason) == (2, "content does not match its hash")
        await engine.dispose()
        url = engine.url.render_as_string(hide_password=False)
        await asyncio.to_thread(_downgrade, url, "0006")
        async with engine.connect() as conn:
            head = (await conn.execute(text("SELECT seq, link_v2_from_seq FROM audit_chain_head"))).one()
            seqs = (await conn.execute(text("SELECT seq FROM audit_events ORDER BY seq"))).scalars().all()
        assert (tuple(head), seqs) == ((6, 4), [1, 2, 3, 4, 5, 6])


async def test_events_waiting_at_the_first_round_after_the_upgrade_are_sealed_past_the_carried_links(
    databases, tmp_path
) -> None:
    """The first round then signs their head, not the carried one: the carried links, sealed at
    their events' times, end at no checkpoint of theirs and are still no batch one is missing for."""
    async with _upgraded(databases, tmp_path, "upgrade_busy") as (engine, sequencer, verify):
        await _write_after_upgrade(engine)
        assert await sequencer.seal_all() == 1
        result = await verify()
        assert (result.ok, result.checked, result.checkpoints) == (True, 6, 1)
