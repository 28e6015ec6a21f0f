"""The worker's retention job: run by the scheduler, it forgets old messages' addresses and
content, deletes sign-in codes expired long ago, and leaves recent ones alone."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.notifications.models import Notification
from app.notifications.outbox import enqueue_message
from app.notifications.scheduler import run_due_jobs
from app.selfservice.models import OneTimeCode

NOW = dt.datetime(2027, 6, 1, 3, 0, tzinfo=dt.UTC)


async def test_the_retention_job_forgets_old_messages_and_codes_and_keeps_recent_ones(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    old_day = NOW - dt.timedelta(days=settings.retention_notification_days + 1)
    recent_day = NOW - dt.timedelta(days=settings.retention_notification_days - 1)
    async with sessionmaker() as session:
        for key, day in (("old", old_day), ("recent", recent_day)):
            row = await enqueue_message(
                session,
                event="one_time_code",
                channel="email",
                recipient=f"{key}@example.org",
                language="fr",
                context={"code": "123456", "expires_minutes": 10},
                dedupe_key=f"retention-test:{key}",
            )
            assert row is not None
            await session.flush()
            await session.execute(update(Notification).where(Notification.id == row.id).values(created_at=day))
            session.add(
                OneTimeCode(
                    id=uuid.uuid4(), identifier=f"{key}@example.org", channel="email", code_hash="0" * 64,
                    created_at=day, expires_at=day + dt.timedelta(minutes=10), attempts=0,
                )
            )  # fmt: skip
        await session.commit()

    assert "retention" in await run_due_jobs(sessionmaker, settings, now=NOW)

    async with sessionmaker() as session:
        messages = {n.dedupe_key: n for n in (await session.execute(select(Notification))).scalars()}
        codes = set((await session.execute(select(OneTimeCode.identifier))).scalars())
    old, recent = messages["retention-test:old"], messages["retention-test:recent"]
    assert (old.recipient, old.context, old.status, old.reason) == ("", {}, "withheld", "retention")
    assert (recent.recipient, recent.status) == ("recent@example.org", "queued")
    assert recent.context["code"] == "123456"
    assert codes == {"recent@example.org"}
    assert "retention" not in await run_due_jobs(sessionmaker, settings, now=NOW + dt.timedelta(hours=1))  # daily
