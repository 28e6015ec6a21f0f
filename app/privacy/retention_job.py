"""The retention run as a periodic job of the worker (:mod:`app.notifications.scheduler`).

Every ``RETENTION_INTERVAL_SECONDS`` (daily by default; ``0`` turns it off) the worker applies
:func:`app.privacy.retention.run_retention` (anonymising what is past its retention period, audited),
then forgets the address and content of messages older than ``RETENTION_NOTIFICATION_DAYS`` and
deletes the sign-in codes that expired before then. ``diaspora-desk retention`` runs the same
retention by hand (with ``--dry-run`` to look first).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.documents.storage import create_storage
from app.notifications.models import Notification
from app.notifications.scheduler import PeriodicJob, register
from app.privacy.erasure import forget_notifications
from app.privacy.retention import RetentionPolicy, run_retention
from app.selfservice.models import OneTimeCode


async def retention_job(session: AsyncSession, settings: Settings, now: dt.datetime) -> str:
    """One retention run at ``now`` in ``session``'s transaction; returns a one-line summary."""
    if settings.retention_interval_seconds <= 0:
        return "off"
    report = await run_retention(
        session, now=now, apply=True, policy=RetentionPolicy.of(settings), storage=create_storage(settings)
    )
    cutoff = now - dt.timedelta(days=settings.retention_notification_days)
    messages = await forget_notifications(session, Notification.created_at < cutoff, reason="retention")
    codes = await session.execute(delete(OneTimeCode).where(OneTimeCode.expires_at < cutoff))
    return (
        f"anonymised {len(report.done)}, held {len(report.held)}, messages forgotten {messages}, "
        f"codes deleted {codes.rowcount or 0}"  # type: ignore[attr-defined]
    )


register(PeriodicJob("retention", lambda s: s.retention_interval_seconds or 86_400, retention_job))
