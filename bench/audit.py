"""Benchmark: sealing and verifying the audit log on PostgreSQL, side by side with a plain read.

Creates a scratch database (``BENCH_DATABASE_URL`` names the server; default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), migrates it, inserts N events (default
200,000; ``python bench/audit.py 50000`` for another N) with one bulk ``INSERT … SELECT
generate_series``, their details stored as the application stores them (canonical JSON text;
``python bench/audit.py 200000 legacy``: as versions before it did), then reports, in events per
second:

* seal: the sequencer linking and signing them (batches of ``AUDIT_SEAL_BATCH``, here 5,000);
* psql \\copy: the rows verification reads (links joined to events, in ``seq`` order) copied by
  ``psql`` to /dev/null: the database's own speed, the baseline;
* plain read: the same rows fetched with raw asyncpg in keyset batches, doing nothing with them;
* verify (keyset, reference): the previous reader, ``verify_log(streamed=False)``;
* verify (COPY, streamed): ``verify_log`` as the CLI runs it (reading, canonical JSON, two
  SHA-256 per event, checkpoint signatures, then the personal values of the events that refer to
  them: one in four here).

Three alternating rounds, best of each. Also the benchmark process's CPU time per event, which a
busy machine disturbs less than wall time (the machine's load average is printed: on a shared
machine wall times follow it).

The target is verify ≥ 100,000 events/s. The database is dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.audit.copy_reader import PG_COPY  # noqa: E402
from app.audit.sequencer import Sequencer, signer_for  # noqa: E402
from app.audit.signing import Verifier  # noqa: E402
from app.audit.verify import _PG_BATCH, BATCH, verify_log  # noqa: E402
from app.cli import migrate_database  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import create_engine  # noqa: E402
from bench.common import BenchDatabase, _dsn  # noqa: E402

# Details and personal values as the application writes them (app.core.db.CanonicalJSON: their
# canonical JSON text), or, with ``legacy`` as the second argument, as versions before it did
# (``json.dumps``'s default: spaces, keys in the order written, non-ASCII escaped): the verifier
# then reads and encodes each one.
DETAILS = {
    False: """CASE WHEN i % 4 = 1 THEN ('{"n":' || i || ',"personal":{"digest":"' || {digest}
                 || '","payload":"' || md5('payload' || i)::uuid::text || '"}}')::json
            WHEN i % 3 = 0 THEN '{}'::json
            ELSE ('{"changes":{"host_city":{"after":"Fès","before":"Rabat"}},"n":' || i || '}')::json END""",
    True: """CASE WHEN i % 4 = 1 THEN ('{"n": ' || i || ', "personal": {"payload": "' || md5('payload' || i)::uuid::text
                 || '", "digest": "' || {digest} || '"}}')::json
            WHEN i % 3 = 0 THEN '{}'::json
            ELSE ('{"changes": {"host_city": {"before": "Rabat", "after": "F\\u00e8s"}}, "n": '
                  || i || '}')::json END""",
}
DIGEST = """encode(sha256(convert_to(md5('salt' || i) || ':' || '{"family_name":"Diop ' || i || '"}', 'UTF8')),
                  'hex')"""
GENERATE = """
INSERT INTO audit_events (occurred_at, actor_id, actor_label, actor_role, action, entity_type, entity_id,
                          desk_id, request_id, ip, user_agent, details)
SELECT now() - make_interval(secs => $1 - i),
       CASE WHEN i % 10 = 0 THEN NULL ELSE md5('actor' || (i % 50))::uuid END,
       'agent' || (i % 50) || '@desk.example', 'agent',
       (ARRAY['registrant.read', 'registrant.create', 'case.transition', 'auth.login'])[1 + i % 4],
       'registrant', md5(i::text)::uuid::text,
       CASE WHEN i % 7 = 0 THEN NULL ELSE md5('desk' || (i % 2))::uuid END,
       md5('request' || i), '203.0.113.' || (i % 250), 'Mozilla/5.0 (bench)',
       {details}
FROM generate_series(1, $1) AS i
"""
# Every fourth event (a registrant.create) refers to personal values kept apart, as real ones do:
# the payload whose salted digest its details hold (app/audit/payloads.py), which verification checks.
PAYLOADS = """
INSERT INTO audit_payloads (id, registrant_id, salt, value, created_at)
SELECT md5('payload' || i)::uuid, md5(i::text)::uuid, md5('salt' || i), {value}, now()
FROM generate_series(1, $1) AS i WHERE i % 4 = 1
"""
VALUES = {
    False: """('{"family_name":"Diop ' || i || '"}')::json""",
    True: """('{"family_name": "Diop ' || i || '"}')::json""",
}


async def _plain_read(url: str) -> int:
    conn = await asyncpg.connect(_dsn(url))
    try:
        last, count = 0, 0
        while True:
            rows = await conn.fetch(_PG_BATCH, last, BATCH)
            if not rows:
                return count
            count += len(rows)
            last = rows[-1][0]
    finally:
        await conn.close()


def _psql_copy(url: str) -> float | None:
    """Seconds ``psql`` takes to ``\\copy`` the rows verification reads to /dev/null (None without psql)."""
    psql = shutil.which("psql")
    if psql is None:
        return None
    started = time.perf_counter()
    subprocess.run([psql, "-q", "-X", _dsn(url), "-c", f"\\copy ({PG_COPY}) to /dev/null"], check=True)
    return time.perf_counter() - started


async def _verify(engine: AsyncEngine, signer: Verifier, n: int, *, streamed: bool) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), time.process_time()
    async with engine.connect() as c:
        await c.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        result = await verify_log(c, signer, streamed=streamed)
    assert result.ok and result.checked == n, result
    return time.perf_counter() - started, time.process_time() - cpu, result.checkpoints


async def main(n: int, legacy: bool) -> None:
    db = BenchDatabase("dd_bench_audit")
    await db.create()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(database_url=db.url, data_dir=Path(tmp), environment="test", _env_file=None)
            await asyncio.to_thread(migrate_database, settings)
            conn = await asyncpg.connect(_dsn(db.url))
            started = time.perf_counter()
            await conn.execute(PAYLOADS.replace("{value}", VALUES[legacy]), n)
            await conn.execute(GENERATE.replace("{details}", DETAILS[legacy].replace("{digest}", DIGEST)), n)
            await conn.execute("ANALYZE audit_events")
            generated = time.perf_counter() - started
            await conn.close()
            engine = create_engine(db.url)
            sequencer = Sequencer(engine, signer_for(settings), batch=5000)
            started = time.perf_counter()
            sealed = await sequencer.seal_all()
            seal_s = time.perf_counter() - started
            assert sealed == n, sealed
            async with engine.begin() as c:  # what autovacuum would have done by the time anyone verifies
                await c.exec_driver_sql("ANALYZE audit_links")
                await c.exec_driver_sql("ANALYZE audit_events")
            rounds: dict[str, list[tuple[float, float]]] = {"copy": [], "plain": [], "keyset": [], "streamed": []}
            checkpoints = 0
            for _ in range(3):  # alternate, best of 3 each
                copy_s = _psql_copy(db.url)
                if copy_s is not None:
                    rounds["copy"].append((copy_s, 0.0))
                started, cpu = time.perf_counter(), time.process_time()
                assert await _plain_read(db.url) == n
                rounds["plain"].append((time.perf_counter() - started, time.process_time() - cpu))
                *keyset, _ = await _verify(engine, sequencer.signer, n, streamed=False)
                rounds["keyset"].append((keyset[0], keyset[1]))
                *streamed, checkpoints = await _verify(engine, sequencer.signer, n, streamed=True)
                rounds["streamed"].append((streamed[0], streamed[1]))
            await engine.dispose()
        best = {k: (min(r[0] for r in v), min(r[1] for r in v)) for k, v in rounds.items() if v}
        load = os.getloadavg()[0]
        stored = "as earlier versions stored them" if legacy else "canonical JSON, as the application stores them"
        print(f"audit log, {n:,} events on PostgreSQL (generated by bulk SQL in {generated:.1f} s); details {stored}")
        print(f"  machine load average {load:.1f} on {os.cpu_count()} CPUs; best of 3 alternating rounds")
        seal = f"{n / seal_s:>10,.0f} events/s  ({seal_s:.2f} s, {checkpoints} checkpoints)"
        print(f"  seal                       {seal}")
        base = best.get("copy")
        if base is not None:
            print(f"  baseline psql \\copy        {n / base[0]:>10,.0f} events/s  ({base[0]:.2f} s, the same rows)")
        labels = {
            "plain": "plain asyncpg read        ",
            "keyset": "verify, keyset (previous) ",
            "streamed": "verify, COPY streamed     ",
        }
        for key, label in labels.items():
            wall, cpu = best[key]
            ratio = f"; {base[0] / wall:.0%} of psql \\copy" if base is not None else ""
            detail = f"{wall:.2f} s, client CPU {cpu / n * 1e6:.1f} us/event{ratio}"
            print(f"  {label} {n / wall:>10,.0f} events/s  ({detail})")
        rate = n / best["streamed"][0]
        print(f"  target   verify >= 100,000 events/s: {'met' if rate >= 100_000 else 'NOT met'} ({rate:,.0f})")
    finally:
        await db.drop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000, sys.argv[2:3] == ["legacy"]))
