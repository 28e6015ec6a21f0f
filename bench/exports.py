"""Benchmark: CSV and XLSX export of 100,000 cases from a real uvicorn server on loopback,
pseudonymised and named, beside ``psql \\copy`` of the same rows.

Creates a scratch PostgreSQL database (``BENCH_DATABASE_URL`` names the server; default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), migrates and seeds it, inserts 20,000
registrants (80 % of them with a ``named_export`` consent in force) and 100,000 cases (1,000 of
them opened on 2024-12-31, the rest in 2025), then:

* baseline: ``psql \\copy`` of the export's own query (the same rows and columns, as the
  database writes CSV) to /dev/null: the database's own speed;
* for each of pseudonymised and named, each format and size (1,000 and 100,000 rows): ONE fresh
  ``uvicorn app.asgi:app`` process on a random loopback port, warmed up with an export matching
  no row, its peak-RSS counter reset (``/proc/<pid>/clear_refs``), the export downloaded three
  times with a streaming httpx client, reporting the server's peak memory growth during the first
  download (peak RSS minus RSS before it; for XLSX also its writer process's peak RSS, read every
  50 ms while it runs) and, of the three, the best rows per second (rows ÷ wall
  time of the download) and the least server CPU per row (user + system of the server and of its
  XLSX writer processes, ``/proc/<pid>/stat``: steadier than wall time on a shared machine).

Targets: ≥ 50,000 rows/s at 100,000 rows; growth at 100,000 rows within 1.2× the growth at 1,000
rows (constant memory). The machine's load average is printed (wall times on a shared machine
follow it). Run with ``PYTHONPATH=. python bench/exports.py``; the database is dropped at the end.
``BENCH_EXPORT_LABELS=fr`` (or ``en``) measures the exports in words instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.audit.signing import load_signer  # noqa: E402
from app.auth.models import StaffUser  # noqa: E402
from app.cases.models import Case, ServiceType  # noqa: E402
from app.cli import migrate_database  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import create_engine, create_sessionmaker  # noqa: E402
from app.core.security import create_access_token, hash_password  # noqa: E402
from app.core.text import fold  # noqa: E402
from app.desks.models import Desk  # noqa: E402
from app.privacy.purposes import NAMED_EXPORT_PURPOSE  # noqa: E402
from app.registrants.models import Consent, Registrant  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-0123456789-0123456789-0123456789"
REGISTRANTS = 20_000
CASES = 100_000
LABELS = os.environ.get("BENCH_EXPORT_LABELS")
"""``fr`` or ``en``: the exports in words (``labels=``) rather than in codes."""
SMALL = 1_000
ROUNDS = 3  # downloads per server; the best one's speed is reported
FAMILY = ["Ndiaye", "Diop", "Fall", "Sarr", "Ba", "Seck", "Diallo", "Sy", "Gueye", "Mbaye", "Faye", "Sow"]
GIVEN = ["Awa", "Modou", "Fatou", "Ibrahima", "Aminata", "Cheikh", "Mariama", "Ousmane", "Khady", "Pape"]


def _dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(_dsn(ADMIN_URL, make_url(ADMIN_URL).database or "postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _populate(url: str) -> str:
    from app.cases.catalogue import seed_service_types
    from app.reference import service as reference
    from app.seed import seed_desks

    rng = random.Random(2026)
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        await reference.seed(session)
        await seed_desks(session)
        await seed_service_types(session)
        admin = StaffUser(email="bench-admin@desk.example", full_name="Bench", role="admin",
                          password_hash=hash_password("unused password 123"))  # fmt: skip
        session.add(admin)
        await session.commit()
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        types = list((await session.execute(select(ServiceType.id))).scalars().all())
    now = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
    people = []
    for i in range(REGISTRANTS):
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        year = rng.randint(1950, 2008)
        dob = f"{year}" if i % 5 == 0 else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        people.append(
            {
                "id": uuid.uuid4(), "desk_id": desk_id, "registration_number": f"CASA-2024-{i:06d}",
                "given_names": given, "family_name": family, "given_names_key": fold(given),
                "family_name_key": fold(family), "given_names_phonetic": fold(given),
                "family_name_phonetic": fold(family), "sex": rng.choice(["female", "male"]),
                "date_of_birth": dob,
                "birth_year": year, "languages": ["wo", "fr"], "source": "bench", "version": 1,
                "created_at": now, "updated_at": now,
            }
        )  # fmt: skip
    cases = []
    for i in range(CASES):
        opened = dt.date(2024, 12, 31) if i < SMALL else dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        closed = rng.random() < 0.6
        cases.append(
            {
                "id": uuid.uuid4(), "case_number": f"CASA-2025-C-{i:06d}", "desk_id": desk_id,
                "registrant_id": people[rng.randrange(REGISTRANTS)]["id"], "service_type_id": rng.choice(types),
                "channel": rng.choice(["walk_in", "phone", "web"]), "priority": "normal",
                "vulnerability_flags": [], "description": "", "interpreter_used": False,
                "status": "resolved" if closed else "in_follow_up", "outcome_category": "social" if closed else None,
                "opened_on": opened, "due_date": opened + dt.timedelta(days=14),
                "closed_at": dt.datetime.combine(opened + dt.timedelta(days=rng.randint(1, 40)), dt.time(10), dt.UTC)
                if closed else None,
                "version": 1, "created_at": now, "updated_at": now,
            }
        )  # fmt: skip
    consents = [
        {"registrant_id": person["id"], "purpose": NAMED_EXPORT_PURPOSE, "granted": True, "channel": "counter",
         "notice_version": "v1", "language": "fr", "recorded_at": now, "extra": {}}
        for i, person in enumerate(people) if i % 5
    ]  # fmt: skip
    async with engine.begin() as conn:
        for chunk in range(0, REGISTRANTS, 5000):
            await conn.execute(insert(Registrant.__table__), people[chunk : chunk + 5000])
        for chunk in range(0, len(consents), 5000):
            await conn.execute(insert(Consent.__table__), consents[chunk : chunk + 5000])
        for chunk in range(0, CASES, 5000):
            await conn.execute(insert(Case.__table__), cases[chunk : chunk + 5000])
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()
    return create_access_token(user_id=admin.id, role="admin", token_version=admin.token_version, key=SECRET,
                               ttl_seconds=3600)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One ``uvicorn app.asgi:app`` process on a free loopback port."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT),
               "ENVIRONMENT": "production", "LOG_LEVEL": "WARNING"}  # fmt: skip
        cmd = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        deadline = time.monotonic() + 120  # a busy machine imports slowly
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def status(self) -> dict[str, int]:
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
        return out

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process and its finished children (the XLSX
        writer processes) have used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def children_peak_kib(self) -> int:
        """The largest peak RSS (VmHWM, KiB) among the server's child processes now running (the
        XLSX writer), 0 when there is none."""
        peak = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                try:
                    status = Path(f"/proc/{child}/status").read_text()
                except OSError:  # finished meanwhile
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        return peak

    def reset_peak(self) -> bool:
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def _download(port: int, token: str, fmt: str, start: str, end: str, named: bool) -> tuple[int, int, float]:
    params = {"format": fmt, "start": start, "end": end}
    if named:
        params |= {"named": "true", "purpose": "benchmark of the named export"}
    if LABELS:
        params["labels"] = LABELS
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
        began = time.perf_counter()
        async with client.stream(
            "GET", "/api/v1/exports/cases", params=params, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            response.raise_for_status()
            rows = int(response.headers["x-export-rows"])
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
        return rows, size, time.perf_counter() - began


def measure(url: str, token: str, fmt: str, rows_wanted: int, named: bool) -> dict[str, float]:
    end = "2024-12-31" if rows_wanted == SMALL else "2025-12-31"
    server = Server(url)
    try:
        # Warm-up: an export of the same kind and format matching no row (imports, query compilation).
        asyncio.run(_download(server.port, token, fmt, "2024-11-30", "2024-11-30", named))
        time.sleep(0.5)
        exact = server.reset_peak()
        before = server.status()["VmRSS"]
        cpu = server.cpu_seconds()
        watching, child_peak = threading.Event(), [0]

        def watch_children() -> None:  # the writer process ends with the export: read it meanwhile
            while not watching.wait(0.05):
                child_peak[0] = max(child_peak[0], server.children_peak_kib())

        watcher = threading.Thread(target=watch_children)
        watcher.start()
        try:
            rows, size, seconds = asyncio.run(_download(server.port, token, fmt, "2024-12-31", end, named))
        finally:
            watching.set()
            watcher.join()
        peak = server.status()["VmHWM"]  # the first download's: the memory figure
        cpu_per_row = (server.cpu_seconds() - cpu) / max(rows, 1)
        for _ in range(ROUNDS - 1):  # the speed figures: best of ROUNDS downloads
            cpu = server.cpu_seconds()
            seconds = min(seconds, asyncio.run(_download(server.port, token, fmt, "2024-12-31", end, named))[2])
            cpu_per_row = min(cpu_per_row, (server.cpu_seconds() - cpu) / max(rows, 1))
        return {"rows": rows, "bytes": size, "seconds": seconds, "rows_per_s": rows / seconds,
                "cpu_us_per_row": cpu_per_row * 1e6,
                "growth_kib": max(0, peak - before), "rss_before_kib": before, "exact_peak": float(exact),
                "child_peak_kib": child_peak[0]}  # fmt: skip
    finally:
        server.stop()


async def _export_sql(url: str, named: bool) -> str:
    """The cases export's query for the 100,000 rows, with its values written in (for psql)."""
    from sqlalchemy.dialects import postgresql

    from app.core.context import Actor
    from app.reports.export_base import ExportContext
    from app.reports.exports import BUILDERS
    from app.reports.pseudonyms import Pseudonymizer
    from app.reports.scope import resolve

    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        admin = (await session.execute(select(StaffUser).where(StaffUser.role == "admin"))).scalars().first()
        assert admin is not None
        actor = Actor(user_id=admin.id, email=admin.email, role="admin", desk_ids=None)
        scope = await resolve(
            session, actor=actor, start=dt.date(2024, 12, 31), end=dt.date(2025, 12, 31), period_required=False
        )
    await engine.dispose()
    from app.reports.service import age_bands

    ctx = ExportContext(scope, named, Pseudonymizer(b"unused"), age_bands(Settings(_env_file=None)), False)  # type: ignore[call-arg]
    counted = BUILDERS["cases"](ctx).count.get_final_froms()[0]  # the export's select, as a subquery
    stmt = counted.element.order_by(Case.opened_on, Case.id)  # type: ignore[attr-defined]
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def psql_copy(url: str, sql: str) -> float | None:
    """Seconds ``psql`` takes to ``\\copy`` the rows of ``sql`` as CSV to /dev/null (None without psql)."""
    psql = shutil.which("psql")
    if psql is None:
        return None
    dsn = _dsn(url, make_url(url).database or "")
    started = time.perf_counter()
    subprocess.run([psql, "-q", "-X", dsn, "-c", f"\\copy ({sql}) to /dev/null with (format csv)"], check=True)
    return time.perf_counter() - started


def main() -> None:
    name = f"dd_bench_exports_{os.getpid()}"
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    keys = tempfile.TemporaryDirectory()
    # production settings need the audit checkpoints' signing key from a file outside the database
    os.environ["AUDIT_SIGNING_KEY_FILE"] = str(Path(keys.name) / "audit_signing_key.pem")
    load_signer(Path(os.environ["AUDIT_SIGNING_KEY_FILE"]), create=True)
    try:
        migrate_database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
        began = time.perf_counter()
        token = asyncio.run(_populate(url))
        print(f"populated {REGISTRANTS:,} registrants and {CASES:,} cases in {time.perf_counter() - began:.1f} s")
        print(f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"exports in words ({LABELS})" if LABELS else "exports in codes")
        results = {}
        for named in (False, True):
            label = "named" if named else "pseudonymised"
            sql = asyncio.run(_export_sql(url, named))
            copies = [s for s in (psql_copy(url, sql) for _ in range(3)) if s is not None]
            if copies:
                best = min(copies)
                print(f"{label}: baseline psql \\copy of the same {CASES + SMALL:,} rows: {best:.2f} s, "
                      f"{(CASES + SMALL) / best:,.0f} rows/s (best of 3)")  # fmt: skip
            for fmt in ("csv", "xlsx"):
                for n in (SMALL, CASES):
                    r = measure(url, token, fmt, n, named)
                    results[(label, fmt, n)] = r
                    peak = "" if r["exact_peak"] else ", peak not reset"
                    print(
                        f"{label:13} {fmt:4} {int(r['rows']):>7,} rows  {r['bytes'] / 1e6:7.1f} MB  "
                        f"{r['seconds']:6.2f} s  {r['rows_per_s']:>9,.0f} rows/s  "
                        f"server CPU {r['cpu_us_per_row']:5.1f} us/row  "
                        f"server peak RSS growth {r['growth_kib'] / 1024:6.1f} MiB "
                        f"(RSS before {r['rss_before_kib'] / 1024:.0f} MiB{peak})"
                        + (f"; writer peak RSS {r['child_peak_kib'] / 1024:.1f} MiB" if r["child_peak_kib"] else "")
                    )
        print(f"machine load average {os.getloadavg()[0]:.1f} at the end")
        for (label, fmt, n), r in results.items():
            if n != CASES:
                continue
            small, large = results[(label, fmt, SMALL)]["growth_kib"], r["growth_kib"]
            ratio = large / small if small else float("inf")
            memory = "within target" if large <= 1.2 * small else "ABOVE TARGET"
            speed = "met" if r["rows_per_s"] >= 50_000 else "NOT met"
            print(
                f"{label} {fmt}: {r['rows_per_s']:,.0f} rows/s (target 50,000: {speed}); "
                f"growth 100k / 1k = {large / 1024:.1f} / {small / 1024:.1f} MiB = {ratio:.2f}x [{memory}]"
                + (
                    f"; writer peak RSS 100k / 1k = {r['child_peak_kib'] / 1024:.1f} / "
                    f"{results[(label, fmt, SMALL)]['child_peak_kib'] / 1024:.1f} MiB"
                    if r["child_peak_kib"]
                    else ""
                )
            )
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        keys.cleanup()


if __name__ == "__main__":
    main()
