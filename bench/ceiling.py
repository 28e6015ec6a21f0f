"""What PostgreSQL alone allows: the registrant read statement run straight from asyncpg by 32
connections, with and without its audit event, no HTTP and no application code in between.

An audited statement also inserts its audit event (sealed into the chain later by the
sequencer, no shared row locked); this measures that ceiling on the same machine, next to the HTTP
figures of bench/registrants.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid

import asyncpg
from sqlalchemy import text

from app.audit import chain
from app.registrants import repository
from app.registrants.schemas import RegistrantOut
from app.registrants.service import READ_RECORD
from bench.common import Result


def _content(registrant_id: str) -> chain.Content:
    return chain.Content(
        occurred_at=dt.datetime.now(dt.UTC),
        actor_id=None,
        actor_label="bench",
        actor_role="agent",
        action="registrant.read",
        entity_type="registrant",
        entity_id=registrant_id,
        desk_id=None,
        request_id=None,
        ip="127.0.0.1",
        user_agent=None,
        details={},
    )


async def _json_codec(conn: asyncpg.Connection) -> None:
    # The codec SQLAlchemy's asyncpg dialect installs: JSON as text in, parsed out.
    await conn.set_type_codec(
        "json", encoder=str.encode, decoder=lambda b: json.loads(b.decode()), schema="pg_catalog", format="binary"
    )


async def run(dsn: str, ids: list[str], *, seconds: float, concurrency: int = 32) -> list[Result]:
    """Statements per second for the audited read and for the same read without its event."""
    plain = chain.DriverStatement.compile(text(repository.record_sql(RegistrantOut.model_fields)))
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency, init=_json_codec)

    async def audited(conn: asyncpg.Connection, n: int) -> None:
        registrant_id = ids[n % len(ids)]
        values = {"registrant_id": uuid.UUID(registrant_id), "desk_ids": None, **chain.values(_content(registrant_id))}
        await conn.fetchrow(READ_RECORD.sql, *READ_RECORD.arguments(values))

    async def unaudited(conn: asyncpg.Connection, n: int) -> None:
        values = {"registrant_id": uuid.UUID(ids[n % len(ids)]), "desk_ids": None, "details": {}}
        await conn.fetchrow(plain.sql, *plain.arguments(values))

    results = []
    try:
        for name, statement in (
            ("PostgreSQL alone: read + audit event", audited),
            ("PostgreSQL alone: read, no audit event", unaudited),
        ):
            latencies: list[float] = []
            counter = iter(range(10**9))
            stop_at = time.perf_counter() + seconds

            async def worker(statement=statement, latencies=latencies, counter=counter, stop_at=stop_at) -> None:  # type: ignore[no-untyped-def]
                async with pool.acquire() as conn:
                    while (start := time.perf_counter()) < stop_at:
                        await statement(conn, next(counter))
                        latencies.append((time.perf_counter() - start) * 1000)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            results.append(Result(name, len(latencies), 0, seconds, latencies))
    finally:
        await pool.close()
    return results
