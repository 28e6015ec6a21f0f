"""Issue 3 benchmark: the agent's "my queue" (``GET /api/v1/cases?queue=mine``) with 100,000 cases
in the database, and a case transition's throughput (``POST /api/v1/cases/{id}/transitions``,
``received → qualified`` with ``If-Match``), at 32 concurrent clients against one server process on
PostgreSQL, next to raw-asyncpg baselines in the same process (one registrant row; the same queue
page in one SQL statement).

Run alone: ``python bench/cases.py`` (``BENCH_DATABASE_URL``, ``BENCH_SECONDS``, ``BENCH_CASES``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchDatabase, Request, Result, Server, load, print_table, to_json

SECRET = "bench-secret-key-bench-secret-key-bench-secret-key"
OPEN = ("received", "qualified", "oriented", "referred", "in_follow_up")
CLOSED = ("resolved", "closed_no_response", "closed_withdrawn")
AGENTS = 50
REGISTRANTS = 20_000


async def prepare(db: BenchDatabase, total_cases: int) -> tuple[dict[str, str], uuid.UUID, list[str], str]:
    """Migrate, seed, and insert ``total_cases`` cases; return the bench agent's headers and id,
    the ids of fresh ``received`` cases for the transition run, and a registrant id."""
    from sqlalchemy import insert, select

    from app.cases.models import Case, ServiceType
    from app.cli import migrate_database
    from app.core.config import Settings
    from app.core.context import SYSTEM_ACTOR
    from app.core.db import create_engine, create_sessionmaker
    from app.core.security import create_access_token
    from app.desks.models import Desk
    from app.registrants.models import Registrant
    from app.seed import seed_all
    from app.users import service as users

    settings = Settings(database_url=db.url, secret_key=SECRET, desk_admin_password="bench-admin-password")  # type: ignore[arg-type]
    await asyncio.to_thread(migrate_database, settings)
    engine = create_engine(db.url)
    rng = random.Random(3)
    async with create_sessionmaker(engine)() as session:
        await seed_all(session, settings)
        agents = []
        for n in range(AGENTS):
            agents.append(
                await users.create(
                    session,
                    actor=SYSTEM_ACTOR,
                    email=f"bench-agent-{n}@desk.example",
                    full_name=f"Bench Agent {n}",
                    role="agent",
                    password="bench-agent-password",
                    desk_codes=["CASA-BASE"],
                )
            )
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        type_ids = list((await session.execute(select(ServiceType.id))).scalars())
        registrant_ids = [uuid.uuid4() for _ in range(REGISTRANTS)]
        now = dt.datetime.now(dt.UTC)
        for start in range(0, REGISTRANTS, 5000):
            await session.execute(
                insert(Registrant),
                [
                    {
                        "id": rid,
                        "desk_id": desk_id,
                        "registration_number": f"CASA-2026-B{i:06d}",
                        "given_names": "Awa",
                        "family_name": "Ndiaye",
                        "given_names_key": "awa",
                        "family_name_key": "ndiaye",
                        "given_names_phonetic": "A",
                        "family_name_phonetic": "NTY",
                        "languages": ["wo"],
                    }
                    for i, rid in enumerate(registrant_ids[start : start + 5000], start)
                ],
            )
        fresh: list[str] = []
        for start in range(0, total_cases, 5000):
            rows = []
            for i in range(start, min(start + 5000, total_cases)):
                created = now - dt.timedelta(minutes=total_cases - i)
                # 10 % are fresh unassigned received cases (the transition run uses them); the rest
                # spread over the agents, one third of them still open.
                if i % 10 == 0:
                    status, assignee = "received", None
                else:
                    status = rng.choice(OPEN) if rng.random() < 1 / 3 else rng.choice(CLOSED)
                    assignee = agents[i % AGENTS].id
                case_id = uuid.uuid4()
                if status == "received" and assignee is None:
                    fresh.append(str(case_id))
                rows.append(
                    {
                        "id": case_id,
                        "case_number": f"CASA-2026-C-{i + 1:06d}",
                        "desk_id": desk_id,
                        "registrant_id": registrant_ids[i % REGISTRANTS],
                        "service_type_id": type_ids[i % len(type_ids)],
                        "channel": "walk_in",
                        "status": status,
                        "assignee_id": assignee,
                        "outcome_category": "social" if status in CLOSED else None,
                        "opened_on": created.date(),
                        "due_date": created.date() + dt.timedelta(days=14),
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            await session.execute(insert(Case), rows)
        await session.commit()
    await engine.dispose()
    me = agents[0]
    token = create_access_token(
        user_id=me.id, role="agent", token_version=me.token_version, key=SECRET, ttl_seconds=3600
    )
    return {"Authorization": f"Bearer {token}"}, me.id, fresh, str(registrant_ids[0])


async def run(
    server: Server, headers: dict[str, str], user_id: uuid.UUID, fresh: list[str], registrant_id: str, *, seconds: float
) -> list[Result]:
    port = server.port
    rng = random.Random(7)
    rng.shuffle(fresh)
    return [
        await load(
            "baseline: raw asyncpg row",
            port,
            lambda n: Request("GET", f"/bench/baseline/{registrant_id}"),
            seconds=seconds,
        ),
        await load(
            "baseline: raw asyncpg my-queue page",
            port,
            lambda n: Request("GET", f"/bench/baseline/my-queue/{user_id}"),
            seconds=seconds,
        ),
        await load(
            "GET /api/v1/cases?queue=mine",
            port,
            lambda n: Request("GET", "/api/v1/cases?queue=mine", headers),
            seconds=seconds,
        ),
        await load(
            "POST /api/v1/cases/{id}/transitions",
            port,
            lambda n: Request(
                "POST",
                f"/api/v1/cases/{fresh[n]}/transitions",
                {**headers, "Content-Type": "application/json", "If-Match": '"v1"'},
                to_json({"to": "qualified"}),
            ),
            seconds=seconds,
        ),
    ]


async def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    total = int(os.environ.get("BENCH_CASES", "100000"))
    db = BenchDatabase("dd_bench_cases")
    await db.create()
    try:
        headers, user_id, fresh, registrant_id = await prepare(db, total)
        env = {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
        with Server("bench.cases_app:app", env) as server:
            results = await run(server, headers, user_id, fresh, registrant_id, seconds=seconds)
        print(
            f"\n== cases ({total:,} cases, PostgreSQL, 1 server process, 32 concurrent clients, {seconds:.0f} s each)"
        )
        print_table([r.row() for r in results])
    finally:
        await db.drop()


if __name__ == "__main__":
    asyncio.run(main())
