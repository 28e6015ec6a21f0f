"""Periodic jobs (appointment reminders, retention runs…) run by the worker, once per due time
across every worker process.

Why not a separate job queue: the deployment already has a database, and the work is either the
outbox itself (delivery) or a few periodic jobs. A row per job in ``scheduled_runs`` is leased the
way outbox rows are (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so
two workers never run the same job at the same time, a crashed run is taken over when its lease
expires, and nothing else (no broker, no pickled job store) has to be deployed or backed up.

Other domains add their job with :func:`register` (the retention runs:
``register(PeriodicJob("retention", lambda s: 86_400, run_retention))``), at import time of their
module, which ``app.notifications.jobs`` imports.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import run_after_commit, utcnow
from app.notifications.models import ScheduledRun

log = logging.getLogger(__name__)

JobRun = Callable[[AsyncSession, Settings, dt.datetime], Awaitable[str]]
"""A job's work, in the transaction it is given (committed after it returns); returns a summary."""


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every ``interval(settings)`` seconds; ``lease_seconds`` bounds one run."""

    name: str
    interval: Callable[[Settings], float]
    run: JobRun
    lease_seconds: float = 600


JOBS: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> None:
    """Add (or replace) a periodic job by name."""
    JOBS[job.name] = job


async def _lease(session: AsyncSession, job: PeriodicJob, now: dt.datetime) -> bool:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    first = module.insert(ScheduledRun).values(name=job.name, next_run_at=now)
    await session.execute(first.on_conflict_do_nothing(index_elements=["name"]))
    row = (
        await session.execute(
            select(ScheduledRun).where(ScheduledRun.name == job.name).with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()
    if row is None or row.next_run_at > now or (row.lease_until is not None and row.lease_until > now):
        return False
    row.lease_until = now + dt.timedelta(seconds=job.lease_seconds)
    row.last_started_at = now
    return True


async def run_due_jobs(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, now: dt.datetime | None = None
) -> list[str]:
    """Run every registered job whose time has come; returns their names. A job that raises is
    logged, keeps its lease until it expires (no tight retry loop), and runs again after it."""
    from app.notifications import jobs  # registers every job (it imports this module)

    ran: list[str] = []
    for job in list(jobs.JOBS.values()):
        when = now or utcnow()
        async with sessionmaker() as session:
            leased = await _lease(session, job, when)
            await session.commit()
        if not leased:
            continue
        try:
            async with sessionmaker() as session:
                summary = await job.run(session, settings, when)
                await session.commit()
                await run_after_commit(session)  # objects of rows the job deleted
        except Exception:
            log.exception("periodic job %s failed", job.name)
            continue
        async with sessionmaker() as session:
            row = await session.get(ScheduledRun, job.name)
            if row is not None:
                finished = utcnow()
                row.lease_until = None
                row.last_finished_at = finished
                row.last_result = summary[:2000]
                row.next_run_at = when + dt.timedelta(seconds=job.interval(settings))
            await session.commit()
        ran.append(job.name)
    return ran
