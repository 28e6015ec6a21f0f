"""Benchmark: N queued notifications delivered to a local SMTP server across a worker ``kill -9``.

Creates a scratch PostgreSQL database (``BENCH_DATABASE_URL`` names the server; default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), migrates it, queues N e-mail
notifications (default 10,000; ``python bench/notifications.py 2000`` for another N) with
``enqueue_message`` in transactions of 1,000, starts an aiosmtpd server in this process and a real
``diaspora-desk worker`` process, kills the worker with SIGKILL once a third of the messages have
arrived, starts a new one, and waits until every row is ``sent``.

Prints: queueing rate; delivery throughput before the kill and overall (including the restart
and the lease of ``NOTIFY_LEASE_SECONDS`` = 5 s the new worker waits out for the message that
was in flight); **lost** (Message-IDs queued and never received) and **duplicated** (received
more than once); and the baseline: the same SMTP sender sending straight to the same server with
no database (the ceiling the worker can approach). The database is dropped at the end.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP, Envelope, Session  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.cli import migrate_database  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import create_engine, create_sessionmaker  # noqa: E402
from app.notifications.channels import Outgoing, SmtpSender  # noqa: E402
from app.notifications.models import Notification  # noqa: E402
from app.notifications.outbox import enqueue_message  # noqa: E402
from bench.common import BenchDatabase, free_port  # noqa: E402

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


class Sink:
    """Counts the Message-IDs the SMTP server receives."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        found = MESSAGE_ID.search(raw.replace(b"\r\n ", b" "))
        with self.lock:
            self.ids.append(found.group(1).decode() if found else "?")
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.ids)


def start_worker(url: str, port: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": data_dir,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-0123456789",
        "SMTP_PORT": str(port),
        "NOTIFY_POLL_SECONDS": "0.2",
        "NOTIFY_LEASE_SECONDS": "5",
        "NOTIFY_BATCH": "100",
        "LOG_LEVEL": "WARNING",
    }
    command = Path(sys.executable).parent / "diaspora-desk"
    return subprocess.Popen([str(command), "worker"], env=env, cwd=data_dir)


async def baseline(port: int, count: int) -> float:
    settings = Settings(smtp_port=port, _env_file=None)  # type: ignore[call-arg]
    sender = SmtpSender(settings)
    started = time.perf_counter()
    for n in range(count):
        await sender.send(
            Outgoing(str(n), f"<baseline-{n}@bench>", "email", f"p{n}@example.org", "fr", "Code", f"Code {n:06d}")
        )
    await sender.close()
    return count / (time.perf_counter() - started)


async def main(count: int) -> None:
    database = BenchDatabase("bench_notifications")
    await database.create()
    data_dir = tempfile.mkdtemp(prefix="bench-notify-")
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    engine = create_engine(database.url)
    try:
        await asyncio.to_thread(migrate_database, Settings(database_url=database.url, _env_file=None))  # type: ignore[call-arg]
        sessionmaker = create_sessionmaker(engine)
        started = time.perf_counter()
        for first in range(0, count, 1000):
            async with sessionmaker() as session:
                for n in range(first, min(first + 1000, count)):
                    await enqueue_message(
                        session,
                        event="one_time_code",
                        channel="email",
                        recipient=f"person{n}@example.org",
                        language="fr",
                        context={"code": f"{n:06d}", "expires_minutes": 10},
                        dedupe_key=f"bench:{n}",
                    )
                await session.commit()
        queue_rate = count / (time.perf_counter() - started)
        async with sessionmaker() as session:
            expected = set((await session.execute(select(Notification.message_id))).scalars())

        started = time.perf_counter()
        worker = start_worker(database.url, port, data_dir)
        while sink.count() < count // 3:  # noqa: ASYNC110 (the SMTP server thread fills it)
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        before_kill = sink.count()
        phase_one = time.perf_counter() - started
        worker = start_worker(database.url, port, data_dir)
        while True:
            async with sessionmaker() as session:
                sent = (await session.execute(select(func.count()).where(Notification.status == "sent"))).scalar_one()
            if sent == count:
                break
            await asyncio.sleep(0.2)
        total = time.perf_counter() - started
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

        received = collections.Counter(sink.ids)
        lost = len(expected - set(received))
        duplicated = sum(n - 1 for n in received.values() if n > 1)
        ceiling = await baseline(port, min(count, 2000))
        print(f"notifications: {count} queued at {queue_rate:,.0f}/s (enqueue_message, 1,000 per transaction)")
        print(f"  killed with SIGKILL after {before_kill} received ({before_kill / phase_one:,.0f}/s before the kill)")
        print(
            f"  delivered: {len(set(received) & expected)} in {total:.1f} s across the restart = {count / total:,.0f}/s"
        )
        print(f"  lost: {lost}   duplicated: {duplicated} (same Message-ID)")
        print(f"  baseline (SmtpSender straight to the server, no database): {ceiling:,.0f}/s")
    finally:
        await engine.dispose()
        controller.stop()
        await database.drop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
