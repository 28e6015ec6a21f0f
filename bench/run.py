"""``make bench``: every benchmark, on a throw-away PostgreSQL database, printing its figures.

Needs PostgreSQL: ``BENCH_DATABASE_URL`` names a database the benchmark can connect to in order
to create its own (default ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``).
``BENCH_SECONDS`` sets each scenario's measured duration (default 10). ``BENCH_TEMPLATE`` and
``BENCH_TEMPLATE_PYTHON`` add the official FastAPI full-stack template's item POST to the same
run (:mod:`bench.template`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import registrants, template
from bench.common import BenchDatabase, Server, print_table

SECRET = "bench-secret-key-bench-secret-key-bench-secret-key"


async def prepare(db: BenchDatabase) -> dict[str, str]:
    """Migrate and seed the database; return the headers of a CASA-BASE agent."""
    from app.cli import migrate_database
    from app.core.config import Settings
    from app.core.context import SYSTEM_ACTOR
    from app.core.db import create_engine, create_sessionmaker
    from app.core.security import create_access_token
    from app.seed import seed_all
    from app.users import service as users

    settings = Settings(database_url=db.url, secret_key=SECRET, desk_admin_password="bench-admin-password")  # type: ignore[arg-type]
    await asyncio.to_thread(migrate_database, settings)
    engine = create_engine(db.url)
    async with create_sessionmaker(engine)() as session:
        await seed_all(session, settings)
        agent = await users.create(
            session,
            actor=SYSTEM_ACTOR,
            email="bench-agent@desk.example",
            full_name="Bench Agent",
            role="agent",
            password="bench-agent-password",
            desk_codes=["CASA-BASE"],
        )
        await session.commit()
    await engine.dispose()
    token = create_access_token(
        user_id=agent.id, role="agent", token_version=agent.token_version, key=SECRET, ttl_seconds=3600
    )
    return {"Authorization": f"Bearer {token}"}


async def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    db = BenchDatabase("dd_bench")
    await db.create()
    try:
        headers = await prepare(db)
        env = {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
        with Server("bench.baseline_app:app", env) as server:
            results = await registrants.run(server, headers, seconds=seconds, dsn=db.dsn())
        items = await template.run(seconds=seconds)
        print(f"\n== registrants (PostgreSQL, 1 server process, 32 concurrent clients, {seconds:.0f} s each)")
        print_table([r.row() for r in results + ([items] if items else [])])
        base, read = results[0], results[1]
        print(f"GET registrant / baseline throughput: {read.rps / base.rps:.2f}x (target >= 0.5x)")
        if base.server_cpu_seconds and read.server_cpu_seconds:
            cost = (base.server_cpu_seconds / base.requests) / (read.server_cpu_seconds / read.requests)
            print(f"baseline / GET registrant server CPU per request: {cost:.2f}x")
        insert, shell, create, keyed = results[2], results[3], results[4], results[5]
        print(f"POST registrant / raw INSERT throughput: {create.rps / insert.rps:.2f}x (target >= 0.3x)")
        print(f"  with Idempotency-Key (as the web client sends it) / raw INSERT: {keyed.rps / insert.rps:.2f}x")
        print(f"POST shell (signature + raw INSERT) / raw INSERT throughput: {shell.rps / insert.rps:.2f}x")
        scenarios = (("raw INSERT", insert), ("POST shell", shell), ("POST registrant", create), ("  keyed", keyed))
        for label, result in scenarios:
            if result.server_cpu_seconds is not None and result.database_cpu_seconds is not None and result.requests:
                server, database = (
                    1000 * s / result.requests for s in (result.server_cpu_seconds, result.database_cpu_seconds)
                )
                print(f"{label}: CPU per request {server:.2f} ms in the server + {database:.2f} ms in PostgreSQL")
        if items is None:
            print("template: not measured (BENCH_TEMPLATE and BENCH_TEMPLATE_PYTHON unset; see bench/template.py)")
        elif items.rps:
            print(f"POST registrant / template's POST item throughput: {create.rps / items.rps:.2f}x (target >= 3x)")
            print(f"  with Idempotency-Key / template's POST item: {keyed.rps / items.rps:.2f}x")
        print(f"PostgreSQL alone, audited read / baseline throughput: {results[6].rps / base.rps:.2f}x")
    finally:
        await db.drop()


if __name__ == "__main__":
    asyncio.run(main())
