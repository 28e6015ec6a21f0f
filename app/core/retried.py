"""A small write the database refused as a request ended (an outage, a restart), tried again in the
background until it is taken or its time is over: a count given back, which must not stay counted
against a person because the database failed.

``retry_in_background(work, until=…, gave_up=…)`` runs ``work()`` after pauses of 0.5, 1, 2, then
every 4 seconds, until one call succeeds or ``until`` (UTC) has passed, then calls ``gave_up()``.
The tasks are kept referenced until they end (asyncio keeps only weak references to tasks).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
from collections.abc import Awaitable, Callable

from app.core.db import utcnow

PAUSES_SECONDS = (0.5, 1.0, 2.0, 4.0)
"""Pauses before each try (then the last, again and again)."""

_running: set[asyncio.Task[None]] = set()


def retry_in_background(
    work: Callable[[], Awaitable[None]], *, until: dt.datetime, gave_up: Callable[[], None]
) -> None:
    """Try ``work`` again in a task of its own (module docstring); never raises."""
    task = asyncio.create_task(_retry(work, until, gave_up))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _retry(work: Callable[[], Awaitable[None]], until: dt.datetime, gave_up: Callable[[], None]) -> None:
    for n in itertools.count():
        await asyncio.sleep(PAUSES_SECONDS[min(n, len(PAUSES_SECONDS) - 1)])
        if utcnow() >= until:
            break
        with contextlib.suppress(Exception):  # still refused: tried again after the next pause
            await work()
            return
    gave_up()
