"""The shape shared by every export: its spec (columns, count, row source) and its context."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.privacy.service import latest_in_force
from app.registrants.models import Consent
from app.reports.ages import AgeBands
from app.reports.pseudonyms import Pseudonymizer
from app.reports.scope import Scope
from app.reports.streaming import AnySelect, Batch, RowSource, stream_batches
from app.reports.writers import Column


@dataclass(frozen=True)
class ExportSpec:
    """An export ready to run: columns, a count of its rows and the row source."""

    kind: str
    named: bool
    columns: list[Column]
    count: Select[int]
    source: RowSource


@dataclass
class ConsentGate:
    """Named exports name only the people whose consent for ``purpose`` is in force at ``at``
    (the rule of :func:`app.privacy.service.latest_in_force`); the others' rows keep their
    pseudonymised columns and have the named ones left empty. ``withheld`` counts those rows."""

    purpose: str
    at: dt.datetime
    withheld: int = field(default=0)

    async def allowed(self, conn: AsyncConnection, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of ``ids`` (registrant ids, one batch) may be named."""
        wanted = set(ids)
        if not wanted:
            return set()
        table = Consent.__table__
        rows = await conn.execute(
            select(table)
            .where(table.c.registrant_id.in_(wanted), table.c.purpose == self.purpose)
            .order_by(table.c.registrant_id, table.c.recorded_at, table.c.id)
        )
        by_person: dict[uuid.UUID, list[Any]] = {}
        for row in rows:
            by_person.setdefault(row.registrant_id, []).append(row)
        return {rid for rid, decisions in by_person.items() if latest_in_force(decisions, at=self.at) is not None}

    def blank(self, row: list[Any], width: int) -> list[Any]:
        """``row`` with its last ``width`` (named) cells emptied; counted in ``withheld``."""
        self.withheld += 1
        return row[: len(row) - width] + [None] * width


@dataclass(frozen=True)
class ExportContext:
    scope: Scope
    named: bool
    pseudonym: Pseudonymizer
    bands: AgeBands
    desk_filter_given: bool
    gate: ConsentGate | None = None


def map_batches(
    stmt: AnySelect,
    convert: Callable[[Any], Sequence[Any]],
    *,
    gate: ConsentGate | None = None,
    person: Callable[[Any], uuid.UUID] | None = None,
    named_width: int = 0,
) -> RowSource:
    """Rows of ``stmt`` converted batch by batch; with a ``gate``, the last ``named_width`` cells
    of rows whose ``person`` may not be named are emptied."""

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        async for batch in stream_batches(conn, stmt):
            converted: list[Sequence[Any]]
            if gate is not None and person is not None:
                allowed = await gate.allowed(conn, (person(row) for row in batch))
                converted = [
                    list(convert(row)) if person(row) in allowed else gate.blank(list(convert(row)), named_width)
                    for row in batch
                ]
            else:
                converted = [convert(row) for row in batch]
            del batch
            yield converted
            del converted

    return source


def count_of(stmt: AnySelect) -> Select[int]:
    return select(func.count()).select_from(stmt.order_by(None).subquery())
