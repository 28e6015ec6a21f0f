"""Term frequencies of the common match keys, counted ahead of the requests that weigh them.

The duplicate check weighs agreement on a name by how many registrants carry it
(:func:`app.registrants.keys.counts`; Fellegi–Sunter term-frequency adjustment). Counting a
common key on the request reads one index entry per carrier: 25,000 for ``Ndèye Fatou`` in a
registry of 1,000,000, 35 to 180 ms, more than the rest of a registration. So, as Splink builds
its term-frequency tables from the data before it compares records (Splink documentation, "Term
frequency adjustments"), the worker's periodic job ``term_frequencies`` counts every key carried by
at least :data:`FREQUENT_FROM` registrants, and the registry's size, into ``term_frequencies`` (one
grouped scan of the ``(kind, value)`` index), every ``TERM_FREQUENCY_INTERVAL_SECONDS`` (hourly by
default; ``0`` turns it off). ``diaspora-desk refresh-frequencies`` does the same by hand.

A request reads a key's frequency from that table; a key not in it (rarer at the last count, or
the table not filled yet) is counted on the request, at most :data:`COUNT_CAP` index entries, so
no registration reads more than that for one key whatever the registry's size. Between two counts
a frequency may lag the registry by an hour of registrations: a weight, not a fact, and the same
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.notifications.scheduler import PeriodicJob, register
from app.registrants.models import Registrant, RegistrantKey, TermFrequency

FREQUENT_FROM = 1_000
"""The fewest registrants a key is carried by to be kept in ``term_frequencies``."""
COUNT_CAP = 20_000
"""The most index entries a request reads to count one key missing from ``term_frequencies``: a
key carried by more counts as this many (at most an hour's growth past :data:`FREQUENT_FROM` once
the table is filled)."""
REGISTRY = ("*", "")
"""The ``(kind, value)`` of the row holding the registry's size (every registrant, all desks)."""


async def refresh(session: AsyncSession) -> int:
    """Count again, in ``session``'s transaction, every key carried by at least
    :data:`FREQUENT_FROM` registrants and the registry's size; returns the number of keys kept.
    Readers see the previous counts until the transaction commits."""
    await session.execute(delete(TermFrequency))
    carriers = func.count(RegistrantKey.registrant_id)
    frequent = (
        select(RegistrantKey.kind, RegistrantKey.value, carriers)
        .group_by(RegistrantKey.kind, RegistrantKey.value)
        .having(carriers >= FREQUENT_FROM)
    )
    columns = ["kind", "value", "registrants"]
    kept = await session.execute(insert(TermFrequency).from_select(columns, frequent))
    size = select(literal(REGISTRY[0]), literal(REGISTRY[1]), func.count()).select_from(Registrant)
    await session.execute(insert(TermFrequency).from_select(columns, size))
    return int(kept.rowcount or 0)  # type: ignore[attr-defined]


async def frequencies_job(session: AsyncSession, settings: Settings, now: dt.datetime) -> str:
    """The periodic job: :func:`refresh`, unless ``TERM_FREQUENCY_INTERVAL_SECONDS`` is 0."""
    if settings.term_frequency_interval_seconds <= 0:
        return "off"
    return f"{await refresh(session)} frequent keys counted"


register(
    PeriodicJob(
        "term_frequencies", lambda s: s.term_frequency_interval_seconds or 86_400, frequencies_job, lease_seconds=3_600
    )
)
