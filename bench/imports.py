"""Benchmark: the register import on PostgreSQL at 2,000 and 20,000 rows, and logins during it,
side by side with the baseline (another commit's code, by default where this branch left
``main``) measured in the same run.

For each of the two versions (the working tree, then the baseline exported with ``git archive``
into a temporary directory), creates a scratch database (``BENCH_DATABASE_URL`` names the server;
default ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), migrates and seeds it with
that version's own code (a server refuses a database another version migrated), starts one ``uvicorn app.asgi:app``
process from that version's sources and uploads two registers made by
``bench/dedup_tools/make_register.py`` (2,000 rows seed 2, 20,000 rows seed 1) through ``POST
/api/v1/imports/registers``: a dry run of each on the empty registry, then a real run of each.
During both 20,000-row runs a client logs in (``POST /api/v1/auth/token``) every
``--login-every`` seconds (their CPU, measured on three logins beforehand, is taken out of the
import's CPU per row).

Prints per version and run: rows per second (wall time of the request), milliseconds per row, the
server's CPU milliseconds per row (a busy machine moves wall time much more than CPU time), the
ratio of time per row at 20,000 to that at 2,000, the logins' latencies (median, max); then the
two versions side by side. Targets: ≥ 1,000 rows/s at 20,000 rows, per-row time at 20,000 within
1.2× that at 2,000, a login during the import within 1 s.

    python bench/imports.py [--rows 20000] [--small 2000] [--baseline REF | --no-baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BenchDatabase, Server  # noqa: E402

SECRET = "bench-secret-key-imports-0123456789-0123456789"
ADMIN, PASSWORD = "bench-admin@diaspora-desk.example", "bench-admin-password-0123"


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


def _export(ref: str, into: Path) -> str:
    """Export commit ``ref`` of this repository into ``into``; its short id and subject."""
    git = ["git", "-C", str(ROOT)]
    archive = subprocess.run([*git, "archive", "--format=tar", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return subprocess.run(
        [*git, "log", "-1", "--format=%h %s", ref], check=True, capture_output=True, text=True
    ).stdout.strip()


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


async def _logins_during(client: httpx.AsyncClient, work: asyncio.Task[dict[str, float]], every: float) -> list[float]:
    latencies = []
    await asyncio.sleep(1.0)  # the upload is on its way; log in while the rows are processed
    while not work.done():
        _, seconds = await _token(client)
        latencies.append(seconds)
        await asyncio.sleep(every)
    return latencies


def _prepared_by(root: Path, db: BenchDatabase) -> None:
    """``db`` migrated and seeded by the code under ``root`` (its own migrations: a server refuses a
    database another version migrated)."""
    code = (  # that version's _prepare reads only the database's url
        "import asyncio, sys, types; from bench.imports import _prepare; "
        "asyncio.run(_prepare(types.SimpleNamespace(url=sys.argv[1])))"
    )
    subprocess.run(
        [sys.executable, "-c", code, db.url],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=True,
        capture_output=True,
        text=True,
    )


async def _measure(root: Path, registers: dict[int, Path], rows: int, small: int, every: float) -> dict[Any, Any]:
    """Every run of one version of the code (sources under ``root``) on a database of its own,
    migrated and seeded by that version."""
    db = BenchDatabase("dd_bench_imports")
    await db.create()
    try:
        await asyncio.to_thread(_prepared_by, root, db)
        with tempfile.TemporaryDirectory() as data_dir:
            env = {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "DATA_DIR": data_dir,
                   "IMPORT_MAX_BYTES": str(64 << 20)}  # fmt: skip
            with Server("app.asgi:app", env, root=root) as server:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=3600) as client:
                    token, _ = await _token(client)
                    cpu = server.cpu_seconds()
                    alone = sorted([(await _token(client))[1] for _ in range(3)])
                    login_cpu = (server.cpu_seconds() - cpu) / 3
                    results: dict[Any, Any] = {"login_alone": alone[1]}
                    for dry_run in (True, False):
                        for n in (small, rows):
                            job = asyncio.create_task(_import(client, server, token, registers[n], dry_run=dry_run))
                            logins = await _logins_during(client, job, every) if n == rows else []
                            results[(dry_run, n)] = await job
                            if logins:
                                results[("logins", dry_run)] = logins
                                # the logins' own CPU (Argon2) is not the import's
                                results[(dry_run, n)]["cpu_ms_per_row"] -= 1000 * len(logins) * login_cpu / n
        return results
    finally:
        await db.drop()


def _line(name: str, r: dict[str, float]) -> str:
    return (
        f"  {name:20} {int(r['rows']):>6,} rows  {r['seconds']:7.1f} s  {r['rows_per_s']:>7,.0f} rows/s  "
        f"{r['ms_per_row']:6.2f} ms/row  server CPU {r['cpu_ms_per_row']:5.2f} ms/row  "
        f"(imported {int(r['imported']):,}, flagged {int(r['flagged']):,})"
    )


def _report(title: str, results: dict[Any, Any], rows: int, small: int) -> dict[str, float]:
    print(f"\n-- {title}, ended {time.strftime('%H:%M:%S')}")
    summary: dict[str, float] = {}
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
        logins = sorted(results.get(("logins", dry_run)) or [float("nan")])  # nan: over before a login
        print(
            f"  logins during the {rows:,}-row {kind}: {len(logins)}, median {statistics.median(logins):.2f} s, "
            f"max {logins[-1]:.2f} s (target <= 1 s)"
        )
        key = "dry" if dry_run else "real"
        summary |= {
            f"{key}_small": results[(dry_run, small)]["rows_per_s"],
            f"{key}_large": speed,
            f"{key}_ratio": ratio,
            f"{key}_cpu_small": results[(dry_run, small)]["cpu_ms_per_row"],
            f"{key}_cpu_large": results[(dry_run, rows)]["cpu_ms_per_row"],
            f"{key}_login_p50": statistics.median(logins),
            f"{key}_login_max": logins[-1],
        }
    print(f"  a login with no import running: {results['login_alone']:.2f} s (median of 3)")
    return summary


def _side_by_side(ours: dict[str, float], base: dict[str, float] | None, base_name: str, rows: int, small: int) -> None:
    print(f"\n== side by side: this tree | baseline {base_name}")
    lines = [
        (f"dry run rows/s at {small:,}", "dry_small", "{:,.0f}"),
        (f"dry run rows/s at {rows:,}", "dry_large", "{:,.0f}"),
        ("dry run per-row ratio", "dry_ratio", "{:.2f}x"),
        (f"dry run CPU ms/row at {rows:,}", "dry_cpu_large", "{:.2f}"),
        (f"real run rows/s at {small:,}", "real_small", "{:,.0f}"),
        (f"real run rows/s at {rows:,}", "real_large", "{:,.0f}"),
        ("real run per-row ratio", "real_ratio", "{:.2f}x"),
        (f"real run CPU ms/row at {rows:,}", "real_cpu_large", "{:.2f}"),
        ("login p50 during real run (s)", "real_login_p50", "{:.2f}"),
        ("login max during real run (s)", "real_login_max", "{:.2f}"),
        ("login p50 during dry run (s)", "dry_login_p50", "{:.2f}"),
        ("login max during dry run (s)", "dry_login_max", "{:.2f}"),
    ]
    for label, key, fmt in lines:
        theirs = fmt.format(base[key]) if base else "-"
        print(f"  {label:34} {fmt.format(ours[key]):>10} | {theirs:>10}")


async def main(rows: int, small: int, baseline: str | None, every: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        registers = {small: _register(Path(tmp) / f"register_{small}.csv", small, 2),
                     rows: _register(Path(tmp) / f"register_{rows}.csv", rows, 1)}  # fmt: skip
        print(f"\n== register import, PostgreSQL, one server process (uvicorn), started {time.strftime('%H:%M:%S')}")
        summary = _report("this tree", await _measure(ROOT, registers, rows, small, every), rows, small)
        base_summary, base_name = None, "(not measured)"
        if baseline:
            base_root = Path(tmp) / "baseline"
            base_root.mkdir()
            base_name = _export(baseline, base_root)
            try:
                base_summary = _report(
                    f"baseline {base_name}", await _measure(base_root, registers, rows, small, every), rows, small
                )
            except (httpx.HTTPError, RuntimeError) as exc:
                print(f"\n-- baseline {base_name}: failed ({type(exc).__name__}: {exc})")
    _side_by_side(summary, base_summary, base_name, rows, small)


def _default_baseline() -> str | None:
    found = subprocess.run(["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], capture_output=True, text=True)
    return found.stdout.strip() or None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--login-every", type=float, default=2.0, help="seconds between two logins during a run")
    parser.add_argument(
        "--baseline", help="the commit measured as the baseline (default: where HEAD left main, `git merge-base`)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="measure this tree only")
    args = parser.parse_args()
    chosen = None if args.no_baseline else (args.baseline or _default_baseline())
    asyncio.run(main(args.rows, args.small, chosen, args.login_every))
