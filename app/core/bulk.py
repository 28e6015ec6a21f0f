"""Inserting many rows at once inside the session's transaction, at the database's own speed.

Bulk writers (the register import) build plain column values and hand them here instead of ORM
objects: building, tracking and flushing ORM objects costs several times the work itself.

- PostgreSQL: one binary ``COPY … FROM STDIN`` per table (asyncpg ``copy_records_to_table``),
  on the session's own connection and transaction, so the rows commit or roll back with the rest
  of the transaction (PostgreSQL documentation, "COPY": row triggers and constraints apply as for
  ``INSERT``; the role needs only ``INSERT`` on the table).
- SQLite: one ``executemany`` of a Core ``INSERT``.

Values are given as Python values of the columns' types (``uuid.UUID``, ``datetime.date``, timezone-aware
``datetime.datetime``); values of ``JSON`` columns are serialised here as SQLAlchemy would
(``json.dumps``). Columns left out take their server default (never their Python-side default).
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import UTCDateTime

_START = text("SELECT 1")


def _as_json(value: Any) -> str:
    return json.dumps(value)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: times are stored in UTC and must carry an offset")
    return value


def _converters(table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    out: list[Callable[[Any], Any] | None] = []
    for name in columns:
        kind = table.c[name].type
        if isinstance(kind, JSON):
            out.append(_as_json)
        elif isinstance(kind, UTCDateTime):
            out.append(_as_utc)
        else:
            out.append(None)
    return out


@dataclass(frozen=True)
class Prepared:
    """Rows of one table ready for :func:`insert_prepared`: ``rows`` as given, and on PostgreSQL
    the COPY ``records`` (one tuple per row, values of ``columns`` in order, JSON serialised)."""

    table: Table
    rows: Sequence[Mapping[str, Any]]
    columns: tuple[str, ...] = ()
    records: list[tuple[Any, ...]] | None = None


def prepare(table: Table, rows: Sequence[Mapping[str, Any]], *, dialect: str) -> Prepared:
    """``rows`` (column name → value; every row with the same columns) made ready to insert into
    ``table`` on a database of ``dialect`` (``postgresql``, ``sqlite``). CPU only: a worker thread
    may run it, leaving the event loop only the round trips."""
    if dialect != "postgresql" or not rows:
        return Prepared(table, rows)
    columns = tuple(rows[0])
    get = operator.itemgetter(*columns)
    records: list[tuple[Any, ...]] = [(get(row),) for row in rows] if len(columns) == 1 else list(map(get, rows))
    convert = [(i, fn) for i, fn in enumerate(_converters(table, columns)) if fn is not None]
    if convert:
        converted = []
        for record in records:
            values = list(record)
            for i, fn in convert:
                values[i] = fn(values[i])
            converted.append(tuple(values))
        records = converted
    return Prepared(table, rows, columns, records)


async def insert_prepared(session: AsyncSession, prepared: Prepared) -> None:
    """Insert :func:`prepare`'s rows in the session's transaction: one binary COPY on PostgreSQL,
    one executemany on SQLite.

    Raises what the database raises (a constraint violated: ``IntegrityError`` on SQLite,
    asyncpg's ``UniqueViolationError``… on PostgreSQL); the caller rolls the transaction back.
    """
    if not prepared.rows:
        return
    if prepared.records is None:
        await session.execute(insert(prepared.table), list(prepared.rows))
        return
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN with the transaction's first statement: send one,
        # so that the COPY runs inside the transaction the session commits or rolls back.
        await connection.execute(_START)
    table = prepared.table
    await driver.copy_records_to_table(
        table.name, records=prepared.records, columns=list(prepared.columns), schema_name=table.schema
    )


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (column name → value; every row with the same columns) into ``table`` in
    the session's transaction: :func:`prepare`, then :func:`insert_prepared`."""
    await insert_prepared(session, prepare(table, rows, dialect=session.get_bind().dialect.name))
