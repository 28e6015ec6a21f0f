"""Inserting many rows at once inside the session's transaction, at the database's own speed.

Bulk writers (the register import) build plain column values and hand them here instead of ORM
objects: building, tracking and flushing ORM objects costs several times the work itself.

- PostgreSQL: one binary ``COPY … FROM STDIN`` per table (asyncpg ``copy_records_to_table``),
  on the session's own connection and transaction, so the rows commit or roll back with the rest
  of the transaction (PostgreSQL documentation, "COPY": row triggers and constraints apply as for
  ``INSERT``; the role needs only ``INSERT`` on the table).
- SQLite: one ``executemany`` of a Core ``INSERT``.

A few rows of several tables at once (one registration: its registrant, phones, keys and audit
event) go in one statement instead (:func:`insert_together`): on PostgreSQL one ``INSERT … SELECT
FROM unnest(…)`` per table, chained as data-modifying ``WITH`` queries (PostgreSQL documentation,
"WITH Queries", 7.8.4: foreign keys are checked at the end of the statement, so a table may refer to
one inserted earlier in it), one round trip and no ORM work.

Values are given as Python values of the columns' types (``uuid.UUID``, ``datetime.date``, timezone-aware
``datetime.datetime``); values of ``JSON`` columns are serialised here as SQLAlchemy would
(``json.dumps``; :class:`~app.core.db.CanonicalJSON` ones as that type writes them). Columns left
out take their server default (never their Python-side default).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import JSON, Table, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import json_text
from app.core.db import CanonicalJSON, UTCDateTime, transaction_driver

_as_json = json_text.writer()  # json.dumps(value)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: times are stored in UTC and must carry an offset")
    return value


@functools.lru_cache(maxsize=256)
def _converters(table: Table, columns: tuple[str, ...]) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The columns of ``columns`` (by position) whose values are converted, with their converter.
    Kept per table and columns: a registration prepares seven lots."""
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, CanonicalJSON):
            out.append((i, CanonicalJSON.serialize))
        elif isinstance(kind, JSON):
            out.append((i, _as_json))
        elif isinstance(kind, UTCDateTime):
            out.append((i, _as_utc))
    return tuple(out)


@dataclass(frozen=True)
class Prepared:
    """Rows of one table ready for :func:`insert_prepared`: ``rows`` as given, and on PostgreSQL
    the COPY ``records`` (one tuple per row, values of ``columns`` in order, JSON serialised)."""

    table: Table
    rows: Sequence[Mapping[str, Any]]
    columns: tuple[str, ...] = ()
    records: list[tuple[Any, ...]] | None = None


def prepare(table: Table, rows: Sequence[Mapping[str, Any]], *, dialect: str | None) -> Prepared:
    """``rows`` (column name → value; every row with the same columns) made ready to insert into
    ``table`` on a database of ``dialect`` (``postgresql``: a COPY; ``sqlite``, or ``None`` for a
    few rows on any database: a Core ``INSERT``, whose constraint violations raise SQLAlchemy's
    ``IntegrityError`` as the ORM's do). CPU only: a worker thread may run it, leaving the event
    loop only the round trips."""
    if dialect != "postgresql" or not rows:
        return Prepared(table, rows)
    columns = tuple(rows[0])
    get = operator.itemgetter(*columns)
    records: list[tuple[Any, ...]] = [(get(row),) for row in rows] if len(columns) == 1 else list(map(get, rows))
    convert = _converters(table, columns)
    if convert:
        # column by column (map and zip run in C): a Python loop over every row and converted
        # column cost more than the conversions themselves
        by_column: list[Sequence[Any]] = list(zip(*records, strict=True))
        for i, fn in convert:
            by_column[i] = list(map(fn, by_column[i]))
        records = list(zip(*by_column, strict=True))
    return Prepared(table, rows, columns, records)


async def insert_prepared(session: AsyncSession, prepared: Prepared) -> None:
    """Insert :func:`prepare`'s rows in the session's transaction: one binary COPY on PostgreSQL,
    one executemany of a Core ``INSERT`` otherwise (SQLite, or ``dialect=None``).

    Raises what the database raises (a constraint violated: ``IntegrityError`` on SQLite,
    asyncpg's ``UniqueViolationError``… on PostgreSQL); the caller rolls the transaction back.
    """
    if not prepared.rows:
        return
    if prepared.records is None:
        await session.execute(insert(prepared.table), list(prepared.rows))
        return
    driver = await transaction_driver(session)  # the COPY runs inside the session's transaction
    table = prepared.table
    await driver.copy_records_to_table(
        table.name, records=prepared.records, columns=list(prepared.columns), schema_name=table.schema
    )


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (column name → value; every row with the same columns) into ``table`` in
    the session's transaction: :func:`prepare`, then :func:`insert_prepared`."""
    await insert_prepared(session, prepare(table, rows, dialect=session.get_bind().dialect.name))


async def insert_together(
    session: AsyncSession, lots: Sequence[Prepared], *, returning_ids_of: Table | None = None
) -> list[Any]:
    """Insert the rows of ``lots`` (:func:`prepare`'s; in this order: a table before those
    referring to it) in the session's transaction, in one statement on PostgreSQL.

    ``returning_ids_of``: the table of ``lots`` whose generated ``id`` values are wanted: returned
    in the order of its rows (``[]`` otherwise, or when it has no rows). Lots prepared without COPY
    records (SQLite, or ``dialect=None``) are one Core ``INSERT`` each. A constraint violated raises
    SQLAlchemy's ``IntegrityError`` on both databases (a UNIQUE one is answered 409
    ``unique-violation``).
    """
    lots = [lot for lot in lots if lot.rows]
    position = next((i for i, lot in enumerate(lots) if lot.table is returning_ids_of), None)
    if any(lot.records is None for lot in lots):
        ids: list[Any] = []
        for i, lot in enumerate(lots):
            if i == position:
                statement = insert(lot.table).returning(lot.table.c.id, sort_by_parameter_order=True)
                ids = list((await session.execute(statement, list(lot.rows))).scalars())
            else:
                await session.execute(insert(lot.table), list(lot.rows))
        return ids
    if not lots:
        return []
    sql = _together_sql(tuple((lot.table, lot.columns) for lot in lots), position)
    arguments = [list(column) for lot in lots for column in zip(*(lot.records or ()), strict=True)]
    driver = await transaction_driver(session)
    try:
        rows = await driver.fetch(sql, *arguments)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(sql, None, exc) from exc
    return [row[0] for row in rows] if position is not None else []


@functools.lru_cache(maxsize=64)
def _together_sql(shape: tuple[tuple[Table, tuple[str, ...]], ...], wanted: int | None) -> str:
    """The statement of :func:`insert_together` for tables and columns ``shape``: each column's
    values bound as one array (``$n::type[]``), so one statement serves any number of rows."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    parts, n = [], 0
    for i, (table, columns) in enumerate(shape):
        arrays = []
        for name in columns:
            n += 1
            kind = re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect))
            arrays.append(f"${n}::{kind}[]")
        names = ", ".join(f'"{c}"' for c in columns)
        returning = " RETURNING id" if i == wanted else ""
        # Composed from the tables' own metadata, never from input; values are bound parameters.
        source = f"SELECT * FROM unnest({', '.join(arrays)})"  # noqa: S608
        parts.append(f'q{i} AS (INSERT INTO "{table.name}" ({names}) {source}{returning})')
    last = f"SELECT id FROM q{wanted} ORDER BY id" if wanted is not None else "SELECT 1"  # noqa: S608
    return "WITH " + ",\n".join(parts) + "\n" + last
