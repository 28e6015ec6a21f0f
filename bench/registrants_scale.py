"""Issue 12 benchmark: registration with the duplicate check and name/phone/document search at
10,000 and at 1,000,000 registrants on PostgreSQL, printed side by side.

For each registry size ``N`` it

1. creates a PostgreSQL database (``scale_<N>`` on ``BENCH_DATABASE_URL``; kept with ``--keep``
   and reused by a later run with ``--reuse``), migrates and seeds it;
2. bulk-loads ``N`` invented Senegalese registrants (``bench/dedup_tools/make_register.py``'s
   generator: 40 family names, 48 given names, 8 % of people registered again under another
   spelling) through the app's own normalisation: each person goes through
   :func:`app.registrants.bulk.build` (phones, documents, areas, name keys) and
   :func:`app.registrants.bulk.key_rows` (match keys), and the rows are written with ``COPY``
   (secondary indexes dropped during the copy and rebuilt after, foreign-key triggers off), then
   counts the term frequencies as the worker's hourly job would (``frequencies s``; the server runs
   with ``JOBS_IN_PROCESS=false``, its worker being elsewhere);
3. starts the real app (uvicorn, one process) on each registry, then drives them over HTTP in
   ``--rounds`` alternating rounds (default 3: 10,000, 1,000,000, 10,000, …), one scenario at a
   time, with ``--concurrency`` keep-alive clients (default 1: the latency of one request, not of
   a queue): registrations (``POST /api/v1/registrants``, duplicate check on: 201 or 409; the
   same new people in every registry of a round), and searches (``GET /api/v1/registrants?q=``)
   for ``Fatou Diop``, a single family name, a rare name, a name nobody has, a 9-digit phone
   fragment and a passport number;
4. records p50/p95 latency and the server process's CPU time per request (``/proc/<pid>/stat``
   before and after the measured part), over the rounds together, and the CPU ratio of each
   round (on a shared 2-core machine one round's ratio moves by ±20 %: the rounds show it).

    python bench/registrants_scale.py                          # 10,000 and 1,000,000
    python bench/registrants_scale.py --sizes 10000 --seconds 5
    python bench/registrants_scale.py --keep                   # keep the databases for --reuse
    python bench/registrants_scale.py --reuse                  # skip loading when already loaded
                                                               # (and grown by at most 5 %)
    python bench/registrants_scale.py --drop                   # drop the scale_<N> databases

Target (issue 12): p95 <= 50 ms at 1,000,000 registrants, server CPU per request within 1.2x of
its value at 10,000.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.common import BenchDatabase, Request, Result, Server, _dsn, load, print_table, to_json
from bench.dedup_tools import make_register as gen

SECRET = "bench-secret-key-bench-secret-key-bench-secret-key"
DESK = "CASA-BASE"
RARE = ("Yandé", "Bassène")  # a name the generator never makes: RARE_COUNT people carry it
RARE_COUNT = 3
NOBODY = "Zyxwo Qwertzuiop"
COMMON = [("Fatou", "Diop", "F"), ("Mamadou", "Ndiaye", "M"), ("Awa", "Fall", "F"), ("Moussa", "Sow", "M")]
CHUNK = 5_000
REUSE_GROWTH = 1.05
"""``--reuse`` takes a kept registry while earlier runs' registrations grew it by at most 5 %."""


# --- people ---------------------------------------------------------------------------------


def _iso(rng: random.Random, born: dt.date) -> str | None:
    r = rng.random()
    if r < 0.90:
        return born.isoformat()
    if r < 0.95:
        return str(born.year)
    return None


def body_of(p: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A ``POST /api/v1/registrants`` body for one generated person (as a desk would type it)."""
    body: dict[str, Any] = {
        "given_names": p["first"],
        "family_name": p["last"],
        "sex": "male" if p["sex"] == "M" else "female",
        "place_of_birth": p["birthplace"],
        "origin_region": p["region"],
        "host_city": p["city"],
        "phones": [{"number": p["phone"], "whatsapp": rng.random() < 0.5}],
        "desk_code": DESK,
    }
    if (born := _iso(rng, p["born"])) is not None:
        body["date_of_birth"] = born
    if rng.random() < 0.7:
        body["documents"] = [{"doc_type": "passport", "number": p["passport"]}]
    if p["job"]:
        body["occupation"] = p["job"]
    if rng.random() < 0.6 and p["arrived"] <= dt.date.today():
        body["arrival_date"] = p["arrived"].isoformat()
    return body


def people(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """``count`` request bodies: the generator's people, 8 % of them again under another spelling,
    and :data:`RARE_COUNT` people named :data:`RARE`."""
    rng = random.Random(seed)
    seen: list[dict[str, Any]] = []
    for i in range(1, count + 1):
        if seen and rng.random() < 0.08:
            p = dict(rng.choice(seen))
            p["first"] = gen.variant(rng, p["first"].split(" ")[0], gen.FIRST_VARIANTS)
            p["last"] = gen.variant(rng, p["last"], gen.VARIANTS)
            if rng.random() < 0.5:
                p["phone"] = gen.phone(rng)
        else:
            p = gen.person(rng, i)
            if len(seen) < 200_000:
                seen.append(p)
            else:
                seen[rng.randrange(len(seen))] = p
        if i % (count // RARE_COUNT) == 0 and i // (count // RARE_COUNT) <= RARE_COUNT:
            p = dict(p, first=RARE[0], last=RARE[1])
        yield body_of(p, rng)


# --- bulk load --------------------------------------------------------------------------------


def _column_rows(row: Mapping[str, Any], table: Any, now: dt.datetime) -> tuple[list[str], tuple[Any, ...]]:
    names, values = [], []
    for column in table.columns:
        if column.primary_key and column.autoincrement is True and column.type.python_type is int:
            continue
        value = row.get(column.key)
        if value is None and column.default is not None:
            value = column.default.arg if column.default.is_scalar else column.default.arg(None)
        if column.key in ("created_at", "updated_at"):
            value = now
        if isinstance(value, (list, dict)):
            value = json.dumps(value)
        names.append(column.name)
        values.append(value)
    return names, tuple(values)


async def _secondary_indexes(conn: asyncpg.Connection, table: str) -> tuple[list[str], list[str]]:
    """(drop statements, create statements) of ``table``'s indexes and unique constraints but its
    primary key."""
    rows = await conn.fetch(
        """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def,
                  c.conname, pg_get_constraintdef(c.oid) AS condef
           FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
           WHERE i.indrelid = $1::regclass AND NOT i.indisprimary""",
        table,
    )
    drops, creates = [], []
    for r in rows:
        if r["conname"]:
            drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{r["conname"]}"')
            creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{r["conname"]}" {r["condef"]}')
        else:
            drops.append(f"DROP INDEX {r['name']}")
            creates.append(r["def"])
    return drops, creates


async def bulk_load(url: str, count: int, *, seed: int = 12) -> dict[str, float]:
    """Load ``count`` registrants at desk :data:`DESK` through the app's normalisation; timings."""
    from sqlalchemy import select

    from app.core.context import SYSTEM_ACTOR
    from app.core.db import create_engine, create_sessionmaker
    from app.desks.models import Desk
    from app.registrants import bulk, prepare
    from app.registrants.models import IdentityDocument, Registrant, RegistrantKey, RegistrantPhone
    from app.registrants.schemas import RegistrantCreate

    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        desk = (await session.execute(select(Desk).where(Desk.code == DESK))).scalar_one()
        areas = await prepare.AreaIndex.load(session, [desk.country, "SN"])
        session.expunge(desk)
    await engine.dispose()
    tables = {
        "registrants": Registrant.__table__,
        "registrant_phones": RegistrantPhone.__table__,
        "identity_documents": IdentityDocument.__table__,
        "registrant_keys": RegistrantKey.__table__,
    }
    conn = await asyncpg.connect(_dsn(url))
    timings = {"build s": 0.0, "copy s": 0.0, "index s": 0.0}
    try:
        await conn.execute("SET session_replication_role = replica")  # no FK triggers during COPY
        restore: list[str] = []
        for table in tables:
            drops, creates = await _secondary_indexes(conn, table)
            for statement in drops:
                await conn.execute(statement)
            restore += creates
        columns: dict[str, list[str]] = {}
        batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in tables}
        start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30 * count)  # one every 30 s
        actor = SYSTEM_ACTOR
        year_start = 100_000_000

        async def flush() -> None:
            started = time.perf_counter()
            for table, rows in batch.items():
                if rows:
                    await conn.copy_records_to_table(table, records=rows, columns=columns[table])
                    rows.clear()
            timings["copy s"] += time.perf_counter() - started

        started = time.perf_counter()
        for n, body in enumerate(people(count, seed), start=1):
            data = RegistrantCreate.model_validate(body)
            new = bulk.build(actor=actor, desk=desk, data=data, find_area=areas.find, source="import")
            new.values["registration_number"] = f"BULK-2019-{year_start + n}"
            now = start + dt.timedelta(seconds=30 * n)
            for row, table in (
                (new.values, "registrants"),
                *(({"registrant_id": new.id, **p}, "registrant_phones") for p in new.phones),
                *(({"registrant_id": new.id, **d}, "identity_documents") for d in new.documents),
            ):
                names, values = _column_rows(row, tables[table], now)
                columns.setdefault(table, names)
                batch[table].append(values)
            for key in bulk.key_rows(new, new.keys):
                columns.setdefault("registrant_keys", ["registrant_id", "kind", "value"])
                batch["registrant_keys"].append((key["registrant_id"], key["kind"], key["value"]))
            if n % CHUNK == 0:
                timings["build s"] += time.perf_counter() - started
                await flush()
                started = time.perf_counter()
                if n % (CHUNK * 20) == 0:
                    print(f"  loaded {n:,} registrants", flush=True)
        timings["build s"] += time.perf_counter() - started
        await flush()
        started = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for statement in restore:
            await conn.execute(statement)
        await conn.execute("RESET session_replication_role")
        for table in tables:
            await conn.execute(f"VACUUM ANALYZE {table}")
        timings["index s"] = time.perf_counter() - started
    finally:
        await conn.close()
    return {k: round(v, 1) for k, v in timings.items()}


async def count_frequencies(url: str) -> int:
    """Count the common match keys into ``term_frequencies``, as the worker's hourly job does
    (:func:`app.registrants.frequencies.refresh`); returns how many were kept."""
    from app.core.db import create_engine, create_sessionmaker
    from app.registrants.frequencies import refresh

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            kept = await refresh(session)
            await session.commit()
        return kept
    finally:
        await engine.dispose()


async def sample(url: str) -> dict[str, str]:
    """A loaded phone's last 9 digits and a loaded passport number, to search for."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        phone = await conn.fetchval(
            "SELECT e164 FROM registrant_phones WHERE e164 IS NOT NULL ORDER BY registrant_id LIMIT 1"
        )
        passport = await conn.fetchval(
            "SELECT number FROM identity_documents WHERE doc_type = 'passport' ORDER BY registrant_id LIMIT 1"
        )
        size = await conn.fetchval("SELECT count(*) FROM registrants")
    finally:
        await conn.close()
    return {"phone": phone[-9:], "passport": passport, "size": str(size)}


# --- load over HTTP ---------------------------------------------------------------------------


def registrations(seed: int) -> Callable[[int], dict[str, Any]]:
    """Request bodies: new people (a quarter of them with a very common name), and one in ten an
    already loaded person again (same generator and seed as the load)."""
    fresh = people(10**7, seed)
    again = people(10**7, 12)
    rng = random.Random(seed)

    def make(n: int) -> dict[str, Any]:
        if n % 10 == 9:
            return next(again)
        body = next(fresh)
        if n % 4 == 0:
            given, family, sex = COMMON[(n // 4) % len(COMMON)]
            body.update(given_names=given, family_name=family, sex="male" if sex == "M" else "female")
        body["phones"] = [{"number": gen.phone(rng), "whatsapp": False}]
        body.pop("documents", None) if rng.random() < 0.5 else None
        return body

    return make


SEARCHES = {
    "search 'Fatou Diop'": lambda s: "Fatou Diop",
    "search family name 'Diop'": lambda s: "Diop",
    f"search rare name '{RARE[0]} {RARE[1]}'": lambda s: f"{RARE[0]} {RARE[1]}",
    "search name nobody has": lambda s: NOBODY,
    "search 9-digit phone fragment": lambda s: s["phone"],
    "search passport number": lambda s: s["passport"],
}


async def drive(server: Server, headers: dict[str, str], samples: dict[str, str], args: Any, seed: int) -> list[Result]:
    """One round of every scenario on one registry; ``seed`` picks the registrations' people (the
    same in every registry of a round: the sizes are compared on the same requests)."""
    json_headers = {**headers, "Content-Type": "application/json"}
    make = registrations(seed=seed)
    results = [
        await load(
            "POST registrant (duplicate check)",
            server.port,
            lambda n: Request("POST", "/api/v1/registrants", json_headers, to_json(make(n))),
            concurrency=args.concurrency,
            seconds=args.seconds,
            warmup=1.0,
            expect=(201, 409),
            server=server,
        )
    ]
    for name, q in SEARCHES.items():
        path = f"/api/v1/registrants?q={quote(q(samples))}"
        results.append(
            await load(
                name,
                server.port,
                lambda n, path=path: Request("GET", path, headers),
                concurrency=args.concurrency,
                seconds=args.seconds,
                warmup=1.0,
                server=server,
            )
        )
    return results


async def prepare_size(count: int, args: Any) -> tuple[BenchDatabase, dict[str, Any], dict[str, str], dict[str, str]]:
    """The ``scale_<count>`` database loaded (or reused) and its term frequencies counted as the
    worker's job would: the database, what loading it took, the agent's headers, what to search."""
    from bench.run import prepare

    db = BenchDatabase(f"{args.prefix}_{count}", per_run=False)
    info: dict[str, Any] = {"registrants": count}
    # the registrations of earlier runs stay: a registry they grew past REUSE_GROWTH is loaded again
    if args.reuse and await db.exists() and int((await sample(db.url))["size"]) <= count * REUSE_GROWTH:
        headers = await _headers(db.url)
    else:
        await db.create()
        headers = await prepare(db)  # type: ignore[arg-type]
        started = time.perf_counter()
        info |= await bulk_load(db.url, count)
        info["load s"] = round(time.perf_counter() - started, 1)
        info["rows/s"] = round(count / info["load s"])
        headers = await _headers(db.url)  # a new token: a long load outlives the first one
    started = time.perf_counter()
    info["frequent keys"] = await count_frequencies(db.url)
    info["frequencies s"] = round(time.perf_counter() - started, 1)
    samples = await sample(db.url)
    info["registrants"] = int(samples["size"])
    return db, info, headers, samples


def merged(rounds: Sequence[Result]) -> Result:
    """A scenario's rounds as one result: their requests, errors, time, latencies and CPU together."""
    cpu = [r.server_cpu_seconds for r in rounds]
    return Result(
        name=rounds[0].name,
        requests=sum(r.requests for r in rounds),
        errors=sum(r.errors for r in rounds),
        seconds=sum(r.seconds for r in rounds),
        latencies_ms=[ms for r in rounds for ms in r.latencies_ms],
        server_cpu_seconds=None if None in cpu else sum(c for c in cpu if c is not None),
    )


def cpu_per_request(r: Result) -> float:
    """Server CPU seconds per request (NaN without a measure)."""
    return r.server_cpu_seconds / r.requests if r.server_cpu_seconds and r.requests else float("nan")


async def _headers(url: str) -> dict[str, str]:
    """The bearer token of the bench agent of an already prepared database."""
    from app.core.security import create_access_token

    conn = await asyncpg.connect(_dsn(url))
    try:
        row = await conn.fetchrow("SELECT id, token_version FROM staff_users WHERE email = 'bench-agent@desk.example'")
    finally:
        await conn.close()
    token = create_access_token(
        user_id=row["id"], role="agent", token_version=row["token_version"], key=SECRET, ttl_seconds=3600
    )
    return {"Authorization": f"Bearer {token}"}


async def explain(url: str, samples: dict[str, str]) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of every query of a duplicate check for ``Fatou Diop``
    (born 1990-05-04) and of the searches, run in process through the service functions."""
    from sqlalchemy import event, select

    from app.core.context import Actor
    from app.core.db import create_engine, create_sessionmaker
    from app.desks.models import Desk
    from app.registrants import matching, repository, service

    engine = create_engine(url)
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    async with create_sessionmaker(engine)() as session:
        desk = (await session.execute(select(Desk).where(Desk.code == DESK))).scalar_one()
        actor = Actor(user_id=None, email="bench@desk.example", role="agent", desk_ids=frozenset({desk.id}))
        person = matching.PersonKeys.of(
            given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04", sex="female",
            phones=["+212661234567"], place_of_birth="Dakar", host_city="Casablanca",
        )  # fmt: skip
        work: list[tuple[str, Any]] = [
            (
                "duplicate check 'Fatou Diop' 1990-05-04",
                service.find_duplicates(session, data=person, desk_ids=[desk.id]),
            )
        ]
        for name, q in SEARCHES.items():
            filters = repository.SearchFilters(q=q(samples))
            work.append((name, service.search(session, actor=actor, filters=filters, cursor=None, limit=20)))
        for name, job in work:
            seen.clear()
            started = time.perf_counter()
            await job
            print(f"\n### {name}: {1000 * (time.perf_counter() - started):.1f} ms in process")
            for statement, parameters in list(seen):
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
                plan = await session.connection()
                rows = (await plan.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)).all()
                event.listen(engine.sync_engine, "before_cursor_execute", capture)
                print("--", " ".join(statement.split())[:300])
                print("\n".join("   " + r[0] for r in rows))
    await engine.dispose()


def side_by_side(sizes: Sequence[int], runs: dict[int, list[Result]]) -> list[dict[str, Any]]:
    rows = []
    first, last = sizes[0], sizes[-1]
    for i, result in enumerate(runs[first]):
        row: dict[str, Any] = {"scenario": result.name}
        for size in sizes:
            r = runs[size][i]
            cpu = 1000 * r.server_cpu_seconds / r.requests if r.server_cpu_seconds and r.requests else float("nan")
            row[f"{size:,} p50"] = round(r.percentile(0.50), 1)
            row[f"{size:,} p95"] = round(r.percentile(0.95), 1)
            row[f"{size:,} CPU ms"] = round(cpu, 2)
            row[f"{size:,} err"] = r.errors
        if len(sizes) > 1:
            a, b = runs[first][i], runs[last][i]
            ca = a.server_cpu_seconds / a.requests if a.server_cpu_seconds and a.requests else float("nan")
            cb = b.server_cpu_seconds / b.requests if b.server_cpu_seconds and b.requests else float("nan")
            row["CPU ratio"] = round(cb / ca, 2)
        rows.append(row)
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of every scenario on every size")
    parser.add_argument("--prefix", default="scale", help="database name prefix (default scale: scale_<N>)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing scale_<N> database")
    parser.add_argument("--drop", action="store_true", help="only drop the scale_<N> databases")
    parser.add_argument("--explain", action="store_true", help="only EXPLAIN ANALYZE the queries (existing databases)")
    args = parser.parse_args()
    if args.explain:
        for size in args.sizes:
            db = BenchDatabase(f"{args.prefix}_{size}", per_run=False)
            await explain(db.url, await sample(db.url))
        return
    if args.drop:
        for size in args.sizes:
            await BenchDatabase(f"{args.prefix}_{size}", per_run=False).drop()
        return
    prepared = {size: await prepare_size(size, args) for size in args.sizes}
    for _, info, _, _ in prepared.values():
        print(f"\n== {info['registrants']:,} registrants: {info}", flush=True)
    # request bodies new to every registry (each run's registrations grow them), same in every one
    base_seed = 1000 + sum(info["registrants"] for _, info, _, _ in prepared.values())
    rounds: dict[int, list[list[Result]]] = {size: [] for size in args.sizes}
    with contextlib.ExitStack() as stack:
        # one server per registry, all started first; the worker's periodic jobs run elsewhere
        # (the term frequencies were just counted, as it would)
        servers = {
            size: stack.enter_context(
                Server(
                    "bench.baseline_app:app",
                    {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "JOBS_IN_PROCESS": "false"},
                )
            )
            for size, (db, _, _, _) in prepared.items()
        }
        for n in range(args.rounds):
            for size, (_, _, headers, samples) in prepared.items():
                rounds[size].append(await drive(servers[size], headers, samples, args, seed=base_seed + n))
                print(f"   round {n + 1}, {size:,}: {rounds[size][-1][0].row()}", flush=True)
    for db, info, _, _ in prepared.values():
        info["registrants after"] = int((await sample(db.url))["size"])
        if not args.keep:
            await db.drop()
    runs = {size: [merged(scenario) for scenario in zip(*rounds[size], strict=True)] for size in args.sizes}
    for size in args.sizes:
        info = prepared[size][1]
        grown = f"{info['registrants']:,} registrants ({info['registrants after']:,} after the run's registrations)"
        print(f"\n== {grown}, {args.rounds} round(s) together")
        print_table([r.row() | {"p95 ms": round(r.percentile(0.95), 2)} for r in runs[size]])
    print(
        f"\n== side by side (PostgreSQL, 1 server process per registry, {args.concurrency} client(s), "
        f"{args.rounds} alternating round(s) of {args.seconds:.0f} s per scenario; latency ms, "
        "server CPU ms per request)"
    )
    print_table(side_by_side(args.sizes, runs))
    first, last = args.sizes[0], args.sizes[-1]
    if first != last:
        for i, result in enumerate(runs[first]):
            ratios = (
                cpu_per_request(b[i]) / cpu_per_request(a[i]) for a, b in zip(rounds[first], rounds[last], strict=True)
            )
            print(f"CPU ratio by round, {result.name}: {', '.join(f'{r:.2f}' for r in ratios)}")
    print("target: p95 <= 50 ms at 1,000,000; CPU per request within 1.2x of its value at 10,000")


if __name__ == "__main__":
    asyncio.run(main())
