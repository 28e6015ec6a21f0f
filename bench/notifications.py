"""Benchmark: N queued notifications delivered to a local SMTP server across a worker ``kill -9``.

Creates a scratch PostgreSQL database (``BENCH_DATABASE_URL`` names the server; default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``), migrates it, queues N e-mail
notifications (default 10,000; ``python bench/notifications.py 2000`` for another N) with
``enqueue_message`` in transactions of 1,000, starts an aiosmtpd server in this process and a real
``diaspora-desk worker`` process, and kills the worker with SIGKILL **at the worst moment**: from
inside the SMTP server, once it has kept message N/3 and before its ``250`` reply (the message
arrived; the worker never learns it). A new worker is started and runs until every row is
``sent`` or ``in_doubt``. Then, as the desk's staff would after checking the server's log, each
message in doubt is resolved (``sent`` if the server has it, ``resend`` otherwise) and the
queue is drained again.

Prints: queueing rate; throughput before the kill and overall (restart and the lease of
``NOTIFY_LEASE_SECONDS`` = 5 s included); **delivered**, **lost** (queued and never received),
**duplicates** (received more than once), **in doubt** (held for a person); and the baselines:
the same SMTP sender straight to the same server with no database (the ceiling), and the
previous design's last measurement (N = 2,000: 0 lost, 1 duplicate, 12–13 messages/s on the
shared machine). The database is dropped at the end.
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
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP, Envelope, Session  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.cli import migrate_database  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.context import Actor  # noqa: E402
from app.core.db import create_engine, create_sessionmaker  # noqa: E402
from app.notifications.channels import Outgoing, SmtpSender  # noqa: E402
from app.notifications.models import Notification  # noqa: E402
from app.notifications.outbox import enqueue_message  # noqa: E402
from app.notifications.service import resolve_in_doubt  # noqa: E402
from app.notifications.worker import deliver_due  # noqa: E402
from bench.common import BenchDatabase, free_port  # noqa: E402

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


class Sink:
    """Counts the Message-IDs the SMTP server receives; kills ``victim`` (a pid) with SIGKILL once
    message ``kill_at`` is kept, before answering it."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.kill_at = 0
        self.victim = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        found = MESSAGE_ID.search(raw.replace(b"\r\n ", b" "))
        with self.lock:
            self.ids.append(found.group(1).decode() if found else "?")
            received = len(self.ids)
        if received == self.kill_at and self.victim:
            os.kill(self.victim, signal.SIGKILL)
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
        sink.kill_at, sink.victim = max(count // 3, 1), worker.pid
        await asyncio.to_thread(worker.wait)
        before_kill = sink.count()
        phase_one = time.perf_counter() - started
        worker = start_worker(database.url, port, data_dir)
        while True:
            async with sessionmaker() as session:
                open_rows = (
                    await session.execute(select(func.count()).where(Notification.status.not_in(("sent", "in_doubt"))))
                ).scalar_one()
            if open_rows == 0:
                break
            await asyncio.sleep(0.2)
        total = time.perf_counter() - started
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

        received = collections.Counter(sink.ids)
        async with sessionmaker() as session:
            doubts = (
                await session.execute(
                    select(Notification.id, Notification.message_id).where(Notification.status == "in_doubt")
                )
            ).all()
            in_doubt_received = sum(1 for _, mid in doubts if received[mid])
            staff = Actor(user_id=None, email="bench@desk.example", role="admin")
            for notification_id, mid in doubts:  # what a person does after reading the server's log
                decision: Literal["sent", "resend"] = "sent" if received[mid] else "resend"
                await resolve_in_doubt(session, actor=staff, notification_id=notification_id, decision=decision)
            await session.commit()
        settings = Settings(database_url=database.url, smtp_port=port, data_dir=Path(data_dir), _env_file=None)  # type: ignore[call-arg]
        await deliver_due(sessionmaker, settings)
        async with sessionmaker() as session:
            sent = (await session.execute(select(func.count()).where(Notification.status == "sent"))).scalar_one()

        received = collections.Counter(sink.ids)
        lost = len(expected - set(received))
        duplicated = sum(n - 1 for n in received.values() if n > 1)
        ceiling = await baseline(port, min(count, 2000))
        print(f"notifications: {count} queued at {queue_rate:,.0f}/s (enqueue_message, 1,000 per transaction)")
        print(f"  killed with SIGKILL after {before_kill} received, before the 250 of the last one")
        print(f"    ({before_kill / phase_one:,.0f}/s before the kill)")
        print(
            f"  delivered: {len(set(received) & expected)} in {total:.1f} s across the restart = {count / total:,.0f}/s"
        )
        print(
            f"  in doubt after the restart: {len(doubts)} ({in_doubt_received} of them had arrived) — "
            f"resolved by a person, then {sent} of {count} rows sent"
        )
        print(f"  lost: {lost}   duplicates: {duplicated} (same Message-ID)")
        print(f"  baseline, SmtpSender straight to the server (no database): {ceiling:,.0f}/s")
        print("  baseline, previous design (resend after the lease), N = 2,000: lost 0, duplicates 1, 12-13/s")
    finally:
        await engine.dispose()
        controller.stop()
        await database.drop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
