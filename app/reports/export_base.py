"""The shape shared by every export: its spec (columns, count, row source) and its context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

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


@dataclass(frozen=True)
class ExportContext:
    scope: Scope
    named: bool
    pseudonym: Pseudonymizer
    bands: AgeBands
    desk_filter_given: bool


def map_batches(stmt: AnySelect, convert: Callable[[Any], Sequence[Any]]) -> RowSource:
    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        async for batch in stream_batches(conn, stmt):
            converted = [convert(row) for row in batch]
            del batch
            yield converted
            del converted

    return source


def count_of(stmt: AnySelect) -> Select[int]:
    return select(func.count()).select_from(stmt.order_by(None).subquery())
