"""Benchmark: the register import on PostgreSQL at 2,000 and 20,000 rows, and a login during it.

Creates a scratch database (``BENCH_DATABASE_URL`` names the server; default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), migrates and seeds it, generates two
registers with ``bench/dedup_tools/make_register.py`` (2,000 rows seed 2, 20,000 rows seed 1),
starts one ``uvicorn app.asgi:app`` process and uploads them through ``POST
/api/v1/imports/registers``: a dry run of each on the empty registry, then a real run of each.
During the 20,000-row real run a client logs in (``POST /api/v1/auth/token``) every 3 seconds
(their CPU, measured on three logins beforehand, is taken out of the import's CPU per row).

Prints per run: rows per second (wall time of the request), milliseconds per row, the server's
CPU milliseconds per row (a busy machine moves wall time, much less CPU time), and the ratio of
time per row at 20,000 to that at 2,000; then the logins' latencies. Next to them, the figures
measured before imports were chunked (issue 11: 57 rows/s at 2,000 rows, 32 at 10,000; a login
took 40.8 s during a 3,000-row import). Targets: ≥ 1,000 rows/s at 20,000 rows, per-row time at
20,000 within 1.2× that at 2,000, a login during the import within 1 s.

    python bench/imports.py [--rows 20000] [--small 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BenchDatabase, Server  # noqa: E402

SECRET = "bench-secret-key-imports-0123456789-0123456789"
ADMIN, PASSWORD = "bench-admin@diaspora-desk.local", "bench-admin-password-0123"
BEFORE = {"rows_per_s_2000": 57.0, "rows_per_s_10000": 32.0, "login_during_3000_rows_s": 40.8}


async def _prepare(db: BenchDatabase) -> None:
    from app.cli import migrate_database
    from app.core.config import Settings
    from app.core.db import create_engine, create_sessionmaker
    from app.seed import seed_all

    settings = Settings(database_url=db.url, secret_key=SECRET, desk_admin_email=ADMIN, desk_admin_password=PASSWORD)  # type: ignore[arg-type]
    await asyncio.to_thread(migrate_database, settings)
    engine = create_engine(db.url)
    async with create_sessionmaker(engine)() as session:
        await seed_all(session, settings)
        await session.commit()
    await engine.dispose()


def _register(path: Path, rows: int, seed: int) -> Path:
    subprocess.run(
        [sys.executable, str(ROOT / "bench/dedup_tools/make_register.py"), str(path), "--rows", str(rows),
         "--seed", str(seed)],
        check=True,
    )  # fmt: skip
    return path


async def _token(client: httpx.AsyncClient) -> tuple[str, float]:
    began = time.perf_counter()
    response = await client.post("/api/v1/auth/token", data={"username": ADMIN, "password": PASSWORD})
    response.raise_for_status()
    return response.json()["access_token"], time.perf_counter() - began


async def _import(
    client: httpx.AsyncClient, server: Server, token: str, register: Path, *, dry_run: bool
) -> dict[str, float]:
    content = await asyncio.to_thread(register.read_bytes)
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    response = await client.post(
        "/api/v1/imports/registers",
        files={"file": (register.name, content, "text/csv")},
        data={"desk_code": "CASA-BASE", "dry_run": "true" if dry_run else "false"},
        headers={"Authorization": f"Bearer {token}"},
    )
    seconds = time.perf_counter() - began
    if response.status_code not in (200, 201):
        raise RuntimeError(f"import failed: {response.status_code} {response.text[:300]}")
    counts = response.json()["counts"]
    rows = counts["total"]
    return {
        "rows": rows,
        "imported": counts["imported"],
        "flagged": counts["flagged"],
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "ms_per_row": 1000 * seconds / rows,
        "cpu_ms_per_row": 1000 * (server.cpu_seconds() - cpu) / rows,
    }


async def _logins_during(client: httpx.AsyncClient, work: asyncio.Task[dict[str, float]]) -> list[float]:
    latencies = []
    await asyncio.sleep(2.0)  # the file is being parsed; log in while rows are being stored
    while not work.done():
        _, seconds = await _token(client)
        latencies.append(seconds)
        await asyncio.sleep(3.0)
    return latencies


def _line(name: str, r: dict[str, float]) -> str:
    return (
        f"  {name:22} {int(r['rows']):>6,} rows  {r['seconds']:7.1f} s  {r['rows_per_s']:>7,.0f} rows/s  "
        f"{r['ms_per_row']:6.2f} ms/row  server CPU {r['cpu_ms_per_row']:5.2f} ms/row  "
        f"(imported {int(r['imported']):,}, flagged {int(r['flagged']):,})"
    )


async def main(rows: int, small: int) -> None:
    db = BenchDatabase("dd_bench_imports")
    await db.create()
    try:
        await _prepare(db)
        with tempfile.TemporaryDirectory() as tmp:
            registers = {small: _register(Path(tmp) / f"register_{small}.csv", small, 2),
                         rows: _register(Path(tmp) / f"register_{rows}.csv", rows, 1)}  # fmt: skip
            env = {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "DATA_DIR": tmp,
                   "IMPORT_MAX_BYTES": str(64 << 20)}  # fmt: skip
            with Server("app.asgi:app", env) as server:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=3600) as client:
                    token, _ = await _token(client)
                    cpu = server.cpu_seconds()
                    alone = sorted([(await _token(client))[1] for _ in range(3)])
                    login_cpu = (server.cpu_seconds() - cpu) / 3
                    results = {}
                    for dry_run in (True, False):
                        for n in (small, rows):
                            job = asyncio.create_task(_import(client, server, token, registers[n], dry_run=dry_run))
                            logins = await _logins_during(client, job) if not dry_run and n == rows else []
                            results[(dry_run, n)] = await job
                            if logins:
                                results[("logins", n)] = {"latencies": logins}  # type: ignore[dict-item]
                                # the logins' own CPU (Argon2) is not the import's
                                results[(dry_run, n)]["cpu_ms_per_row"] -= 1000 * len(logins) * login_cpu / n
        print(f"\n== register import, PostgreSQL, one server process (uvicorn), {time.strftime('%H:%M:%S')}")
        for dry_run in (True, False):
            kind = "dry run" if dry_run else "real run"
            for n in (small, rows):
                print(_line(f"{kind} {n:,}", results[(dry_run, n)]))
            ratio = results[(dry_run, rows)]["ms_per_row"] / results[(dry_run, small)]["ms_per_row"]
            cpu_ratio = results[(dry_run, rows)]["cpu_ms_per_row"] / results[(dry_run, small)]["cpu_ms_per_row"]
            speed = results[(dry_run, rows)]["rows_per_s"]
            print(
                f"  {kind}: time per row {rows:,} / {small:,} = {ratio:.2f}x (CPU {cpu_ratio:.2f}x; target <= 1.2x); "
                f"{speed:,.0f} rows/s at {rows:,} (target >= 1,000: {'met' if speed >= 1000 else 'NOT met'})"
            )
        logins = sorted(results[("logins", rows)]["latencies"])  # type: ignore[arg-type]
        print(
            f"  logins during the {rows:,}-row real run: {len(logins)}, median {logins[len(logins) // 2]:.2f} s, "
            f"max {logins[-1]:.2f} s (target <= 1 s); a login with no import running: {alone[1]:.2f} s (median of 3)"
        )
        print(
            f"  before (issue 11): {BEFORE['rows_per_s_2000']:.0f} rows/s at 2,000 rows, "
            f"{BEFORE['rows_per_s_10000']:.0f} at 10,000; a login during a 3,000-row import "
            f"{BEFORE['login_during_3000_rows_s']} s"
        )
    finally:
        await db.drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.small))
