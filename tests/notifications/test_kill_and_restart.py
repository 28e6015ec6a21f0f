"""A real worker process killed with SIGKILL in the middle of a run and started again: every
message reaches the SMTP server, none is lost, and a resend (only the one message in flight at
the kill can be resent) carries the same Message-ID."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.config import Settings
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from tests.conftest import TEST_SECRET
from tests.notifications.servers import SmtpSink, smtp_server

COUNT = 200


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


def _start_worker(settings: Settings, smtp: SmtpSink, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SMTP_", "NOTIFY_"))},
        "DATABASE_URL": settings.effective_database_url,
        "DATA_DIR": str(settings.data_dir),
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "NOTIFY_POLL_SECONDS": "0.1",
        "NOTIFY_LEASE_SECONDS": "2",
        "NOTIFY_BATCH": "20",
    }
    command = Path(sys.executable).parent / "diaspora-desk"
    return subprocess.Popen([str(command), "worker"], env=env, cwd=cwd, stdout=subprocess.DEVNULL)


async def _until(condition) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(90):
        while not await condition():  # noqa: ASYNC110 (another process and a server thread change what is polled)
            await asyncio.sleep(0.005)


async def test_a_worker_killed_mid_run_loses_nothing_and_resends_at_most_the_message_in_flight(
    sessionmaker, settings, smtp, tmp_path
) -> None:
    async with sessionmaker() as session:
        for n in range(COUNT):
            await enqueue_message(
                session,
                event="one_time_code",
                channel="email",
                recipient=f"person{n}@example.org",
                language="fr",
                context={"code": f"{n:06d}", "expires_minutes": 10},
                dedupe_key=f"kill-test:{n}",
            )
        await session.commit()
        expected = set((await session.execute(select(Notification.message_id))).scalars())
    smtp.delay_seconds = 0.005  # so that the kill lands mid-run

    async def received(n: int):  # type: ignore[no-untyped-def]
        async def check() -> bool:
            return len(smtp.message_ids()) >= n

        return check

    worker = _start_worker(settings, smtp, tmp_path)
    try:
        await _until(await received(COUNT // 3))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    at_kill = len(smtp.message_ids())
    assert at_kill < COUNT  # killed mid-run, not after

    async def all_sent() -> bool:
        async with sessionmaker() as session:
            sent = (await session.execute(select(func.count()).where(Notification.status == "sent"))).scalar_one()
        return sent == COUNT and set(smtp.message_ids()) == expected

    restarted = _start_worker(settings, smtp, tmp_path)
    try:
        await _until(all_sent)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=30) == 0

    counts = collections.Counter(smtp.message_ids())
    duplicated = [mid for mid, n in counts.items() if n > 1]
    assert set(counts) == expected  # none lost, nothing foreign
    assert len(duplicated) <= 1 and all(counts[mid] == 2 for mid in duplicated)
    async with sessionmaker() as session:
        attempts = collections.Counter((await session.execute(select(Notification.attempts))).scalars())
    assert set(attempts) <= {1, 2}
