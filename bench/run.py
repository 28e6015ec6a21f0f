"""``make bench``: throughput and latency of the registrant endpoints on PostgreSQL.

One run: creates a scratch PostgreSQL database (``BENCH_DATABASE_URL``, default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres`` names the server), migrates and seeds it,
creates an agent and some registrants, starts ONE uvicorn process on a random loopback port
(``bench/bench_app.py``: the real app plus a raw-asyncpg baseline route), then drives it with 32
concurrent httpx clients for ``BENCH_SECONDS`` (default 8) per endpoint:

* ``GET /bench/baseline/{id}`` — one row read with raw asyncpg (the floor);
* ``GET /api/v1/registrants/{id}`` — auth, scoping, ORM load and the audited read;
* ``POST /api/v1/registrants`` — validation, duplicate check, numbering, insert, audit.

Prints a table (requests, req/s, p50, p99 in ms, errors) and the read/baseline ratio (target
≥ 0.5), then stops the server and drops the database. The load generator runs on the same
machine as the server and competes with it for the CPU.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.models import DeskMembership, StaffUser  # noqa: E402
from app.cli import migrate_database  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import create_engine, create_sessionmaker  # noqa: E402
from app.core.security import create_access_token, hash_password  # noqa: E402
from app.desks.models import Desk  # noqa: E402

CONCURRENCY = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
SECRET = "bench-secret-key-0123456789-0123456789-0123456789"
GIVEN = ["Awa", "Modou", "Fatou", "Ibrahima", "Aminata", "Cheikh", "Mariama", "Ousmane", "Khady", "Pape"]
FAMILY = ["Ndiaye", "Diop", "Fall", "Sarr", "Ba", "Seck", "Diallo", "Sy", "Gueye", "Mbaye", "Faye", "Sow"]


def _admin_dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _prepare(url: str) -> str:
    from app.reference import service as reference
    from app.seed import seed_desks
    from app.seed_hooks import seed_catalogues

    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        await reference.seed(session)
        await seed_desks(session)
        await seed_catalogues(session)
        user = StaffUser(email="bench-agent@desk.example", full_name="Bench", role="agent",
                         password_hash=hash_password("unused password 123"))  # fmt: skip
        session.add(user)
        await session.flush()
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        session.add(DeskMembership(user_id=user.id, desk_id=desk_id))
        await session.commit()
    await engine.dispose()
    token = create_access_token(user_id=user.id, role="agent", token_version=user.token_version, key=SECRET,
                                ttl_seconds=3600)  # fmt: skip
    return token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _body(i: int) -> dict[str, object]:
    rnd = random.Random(i)
    return {
        "given_names": rnd.choice(GIVEN),
        "family_name": f"{rnd.choice(FAMILY)}-{uuid.uuid4().hex[:6]}",
        "sex": rnd.choice(["female", "male"]),
        "date_of_birth": f"{rnd.randint(1950, 2005)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
        "phones": [{"number": f"0612{rnd.randint(100_000, 999_999)}"}],
    }


async def _phase(base: str, headers: dict[str, str], make_request, seconds: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await make_request(client, next(counter))
                latencies.append(time.perf_counter() - start)
                if response.status_code >= 400:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
        "errors": errors,
    }


async def _load(base: str, token: str) -> dict[str, dict[str, float]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(100):
            try:
                if (await client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        ids = []
        for i in range(200):
            r = await client.post("/api/v1/registrants", json=_body(-i - 1), params={"confirm_duplicates": "true"})
            if r.status_code != 201:
                raise RuntimeError(f"seeding failed: {r.status_code} {r.text}")
            ids.append(r.json()["id"])

    async def baseline(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.get(f"/bench/baseline/{ids[i % len(ids)]}")

    async def read(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.get(f"/api/v1/registrants/{ids[i % len(ids)]}")

    async def create(c: httpx.AsyncClient, i: int) -> httpx.Response:
        return await c.post("/api/v1/registrants", json=_body(i), params={"confirm_duplicates": "true"})

    results = {}
    await _phase(base, headers, baseline, 1.0)  # warm-up: pools, caches
    for name, fn in (("GET /bench/baseline/{id} (raw asyncpg)", baseline),
                     ("GET /api/v1/registrants/{id}", read),
                     ("POST /api/v1/registrants", create)):  # fmt: skip
        results[name] = await _phase(base, headers, fn, SECONDS)
    return results


def main() -> int:
    server_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    name = f"dd_bench_{os.getpid()}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    admin = _admin_dsn(server_url, make_url(server_url).database or "postgres")

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    server: subprocess.Popen[bytes] | None = None
    try:
        data_dir = ROOT / "var" / "bench"
        settings = Settings(database_url=url, data_dir=data_dir, environment="test", secret_key=SECRET,  # type: ignore[arg-type]
                            _env_file=None)  # type: ignore[call-arg]  # fmt: skip
        migrate_database(settings)
        token = asyncio.run(_prepare(url))
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENVIRONMENT": "production",
               "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bench_app:app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        results = asyncio.run(_load(f"http://127.0.0.1:{port}", token))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    print(f"\n{CONCURRENCY} concurrent clients, {SECONDS:.0f} s per endpoint, one server process, PostgreSQL\n")
    print(f"{'endpoint':42} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for endpoint, r in results.items():
        print(
            f"{endpoint:42} {r['requests']:>9.0f} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p99']:>8.1f}"
            f" {r['errors']:>7.0f}"
        )
    names = list(results)
    ratio = results[names[1]]["rps"] / results[names[0]]["rps"]
    print(f"\nGET registrant / baseline throughput: {ratio:.2f} (target ≥ 0.50)")
    return 0 if all(r["errors"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
