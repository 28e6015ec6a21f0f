"""Issue 13 benchmark: delta sync (``GET /api/v1/sync``) on PostgreSQL.

For each desk size (default 1,000 then 10,000 records: 60 % registrants with a phone, 40 % cases,
plus 20 % as many at the other desk, which the agent must never receive), it measures:

* the **first sync** of the desk (every page of ``limit=1000``): bytes and seconds;
* an **incremental sync** after 100 changes made through the API (``PATCH`` of 100 registrants,
  then the audit sequencer's pass): bytes and seconds.

The incremental cost should stay flat when the desk grows tenfold (it reads the events after the
cursor, not the desk); the first sync grows with the desk. The app runs in-process (httpx's ASGI
transport), so the seconds include the client's JSON decoding; nothing runs concurrently.

Run alone: ``python bench/sync.py`` (``BENCH_DATABASE_URL``; ``BENCH_SYNC_SIZES=1000,10000``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchDatabase, print_table

SECRET = "bench-secret-key-bench-secret-key-bench-secret-key"
CHANGES = 100
PAGE = 1000


async def seed(settings: Any, records: int) -> tuple[dict[str, str], list[uuid.UUID]]:
    """Migrate, seed the reference data, insert the desk's records; the agent's headers and the
    ids of the Casablanca registrants."""
    from sqlalchemy import insert, select

    from app.auth.models import DeskMembership, StaffUser
    from app.cases.models import Case, ServiceType
    from app.cli import migrate_database
    from app.core.db import create_engine, create_sessionmaker
    from app.core.security import create_access_token, hash_password
    from app.desks.models import Desk
    from app.registrants.models import Registrant, RegistrantPhone
    from app.seed import seed_all

    await asyncio.to_thread(migrate_database, settings)
    engine = create_engine(settings.database_url)
    casa_ids: list[uuid.UUID] = []
    async with create_sessionmaker(engine)() as session:
        await seed_all(session, settings)
        desks = dict((await session.execute(select(Desk.code, Desk.id))).all())
        type_id = (await session.execute(select(ServiceType.id).where(ServiceType.code == "SOCIAL"))).scalar_one()
        agent = StaffUser(
            email="sync-agent@desk.example", full_name="Sync Agent", role="agent", password_hash=hash_password("x" * 12)
        )
        session.add(agent)
        await session.flush()
        session.add(DeskMembership(user_id=agent.id, desk_id=desks["CASA-BASE"]))
        now = dt.datetime.now(dt.UTC)
        for code, size in (("CASA-BASE", records), ("DKR-MOB", records // 5)):
            people = size * 6 // 10
            ids = [uuid.uuid4() for _ in range(people)]
            if code == "CASA-BASE":
                casa_ids = ids
            for start in range(0, people, 2000):
                chunk = ids[start : start + 2000]
                await session.execute(
                    insert(Registrant),
                    [
                        {
                            "id": rid,
                            "desk_id": desks[code],
                            "registration_number": f"{code[:4]}-2026-S{start + i:06d}",
                            "given_names": "Awa",
                            "family_name": "Ndiaye",
                            "given_names_key": "awa",
                            "family_name_key": "ndiaye",
                            "given_names_phonetic": "A",
                            "family_name_phonetic": "NTY",
                            "sex": "female",
                            "languages": ["wo", "fr"],
                        }
                        for i, rid in enumerate(chunk)
                    ],
                )
                await session.execute(
                    insert(RegistrantPhone),
                    [
                        {"registrant_id": rid, "e164": f"+2126{start + i:08d}", "whatsapp": True}
                        for i, rid in enumerate(chunk)
                    ],
                )
            cases = size - people
            for start in range(0, cases, 2000):
                await session.execute(
                    insert(Case),
                    [
                        {
                            "id": uuid.uuid4(),
                            "case_number": f"{code[:4]}-2026-C-{i:06d}",
                            "desk_id": desks[code],
                            "registrant_id": ids[i % people],
                            "service_type_id": type_id,
                            "channel": "walk_in",
                            "status": "received",
                            "opened_on": now.date(),
                            "due_date": now.date() + dt.timedelta(days=14),
                            "created_at": now,
                            "updated_at": now,
                        }
                        for i in range(start, min(start + 2000, cases))
                    ],
                )
        await session.commit()
        token = create_access_token(user_id=agent.id, role="agent", token_version=1, key=SECRET, ttl_seconds=3600)
    await engine.dispose()
    return {"Authorization": f"Bearer {token}"}, casa_ids


async def sync_pages(client: Any, headers: dict[str, str], cursor: str | None) -> tuple[int, int, float, str]:
    """Every page from ``cursor``: (items, bytes of the bodies, seconds, last cursor)."""
    items = size = 0
    started = time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": PAGE}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/api/v1/sync", params=params, headers=headers)
        assert response.status_code == 200, response.text
        size += len(response.content)
        body = response.json()
        items += len(body["items"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, size, time.perf_counter() - started, cursor


async def measure(records: int) -> list[dict[str, Any]]:
    import httpx

    from app.core.config import Settings
    from app.main import create_app

    db = BenchDatabase("bench_sync")
    await db.create()
    try:
        settings = Settings(database_url=db.url, secret_key=SECRET, environment="test", _env_file=None)  # type: ignore[arg-type,call-arg]
        headers, casa_ids = await seed(settings, records)
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await app.state.audit_sequencer.seal_all()
            first_items, first_bytes, first_seconds, cursor = await sync_pages(client, headers, None)
            for rid in casa_ids[:CHANGES]:
                response = await client.patch(
                    f"/api/v1/registrants/{rid}", json={"host_city": "Fès"}, headers={**headers, "If-Match": '"v1"'}
                )
                assert response.status_code == 200, response.text
            await app.state.audit_sequencer.seal_all()
            items, size, seconds, _ = await sync_pages(client, headers, cursor)
        await app.state.engine.dispose()
    finally:
        await db.drop()
    return [
        {
            "desk records": records,
            "sync": "first",
            "items": first_items,
            "bytes": first_bytes,
            "seconds": f"{first_seconds:.2f}",
        },
        {
            "desk records": records,
            "sync": f"incremental ({CHANGES} changes)",
            "items": items,
            "bytes": size,
            "seconds": f"{seconds:.3f}",
        },
    ]


async def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SYNC_SIZES", "1000,10000").split(",")]
    rows: list[dict[str, Any]] = []
    for records in sizes:
        rows.extend(await measure(records))
    print("Delta sync, PostgreSQL, one agent of CASA-BASE (pages of 1000)")
    print_table(rows)
    print("Target (issue 13): incremental cost proportional to the changes, not to the desk size.")


if __name__ == "__main__":
    asyncio.run(main())
