"""A real worker process killed with SIGKILL in the middle of a run and started again, twice:
nothing is lost, nothing reaches the SMTP server twice, and the status never claims more than is
known. The first kill lands at the worst moment — the server has kept the message and the worker
dies before reading its ``250`` — so the old design (resend what was ``sending`` when the lease
expires) sent that message twice; the second lands wherever the run happens to be."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.context import Actor
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from app.notifications.service import resolve_in_doubt
from app.notifications.worker import deliver_due
from tests.conftest import TEST_SECRET
from tests.notifications.servers import SmtpSink, smtp_server

COUNT = 150
FIRST_KILL = COUNT // 3
SECOND_KILL = 2 * COUNT // 3


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
    async with asyncio.timeout(120):
        while not await condition():  # noqa: ASYNC110 (another process and a server thread change what is polled)
            await asyncio.sleep(0.005)


async def _statuses(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = (await session.execute(select(Notification.message_id, Notification.status))).all()
    return {mid: status for mid, status in rows}


async def test_a_worker_killed_twice_mid_run_loses_nothing_sends_nothing_twice_and_holds_what_is_unknown(
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
    expected = set(await _statuses(sessionmaker))
    assert len(expected) == COUNT
    workers: list[subprocess.Popen[bytes]] = []

    def kill_before_the_reply(received: int) -> None:  # in the SMTP server's thread
        if received == FIRST_KILL:
            os.kill(workers[-1].pid, signal.SIGKILL)

    smtp.on_received = kill_before_the_reply
    smtp.delay_seconds = 0.002
    try:
        workers.append(_start_worker(settings, smtp, tmp_path))
        assert workers[-1].wait(timeout=120) == -signal.SIGKILL
        smtp.on_received = None
        first_victim = smtp.message_ids()[FIRST_KILL - 1]

        workers.append(_start_worker(settings, smtp, tmp_path))

        async def two_thirds_received() -> bool:
            return len(smtp.message_ids()) >= SECOND_KILL

        await _until(two_thirds_received)
        workers[-1].send_signal(signal.SIGKILL)
        assert workers[-1].wait(timeout=30) == -signal.SIGKILL

        workers.append(_start_worker(settings, smtp, tmp_path))

        async def settled() -> bool:
            return set((await _statuses(sessionmaker)).values()) <= {"sent", "in_doubt"}

        await _until(settled)
        workers[-1].send_signal(signal.SIGTERM)
        assert workers[-1].wait(timeout=30) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    received = collections.Counter(smtp.message_ids())
    statuses = await _statuses(sessionmaker)
    in_doubt = {mid for mid, status in statuses.items() if status == "in_doubt"}
    assert [mid for mid, n in received.items() if n > 1] == []  # nothing sent twice
    assert set(received) <= expected
    assert expected - set(received) <= in_doubt  # nothing lost silently: what did not arrive is held
    assert all(received[mid] == 1 for mid, status in statuses.items() if status == "sent")  # "sent" is true
    assert first_victim in in_doubt  # arrived, but the worker never heard the 250: not claimed sent, not resent
    assert 1 <= len(in_doubt) <= 2  # at most the one message in flight per kill

    # A person checks each message in doubt (here against the server's log) and decides.
    staff = Actor(user_id=None, email="supervisor@example.org", role="supervisor")
    async with sessionmaker() as session:
        ids = {mid: nid for mid, nid in (await session.execute(select(Notification.message_id, Notification.id))).all()}
        for mid in in_doubt:
            decision: Literal["sent", "resend"] = "sent" if received[mid] else "resend"
            await resolve_in_doubt(session, actor=staff, notification_id=ids[mid], decision=decision, note="checked")
        await session.commit()
    smtp_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    await deliver_due(sessionmaker, smtp_settings)
    assert collections.Counter(smtp.message_ids()) == dict.fromkeys(expected, 1)  # every message, once
    assert set((await _statuses(sessionmaker)).values()) == {"sent"}
