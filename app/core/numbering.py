"""Human-readable numbers: ``CASA-2026-000123`` (registration), ``CASA-2026-C-000042`` (case),
``CASA-2026-T-000007`` (a registrant copied to a desk by a transfer).

A number prints ``{prefix}-{year}[-{kind}]-{value:06d}``: ``prefix`` is the desk's stored, unique
``number_prefix``, ``year`` the desk's local year, ``kind`` ``""``, ``"C"`` or ``"T"``. The counter
is keyed by exactly what is printed (the *series* ``prefix``/``kind``/``year``), so two series can
never print the same number, whoever shares a prefix; every human-number column also carries a
UNIQUE constraint, and a value already present there (written before this scheme, or by hand) is
skipped rather than reused.

Allocation never holds a shared row until the request commits:

- PostgreSQL: one sequence per series (``human_number_casa_c_2026``), created on the series' first
  use (by the owner's function ``number_series.create_series_sequence``: the application's role may
  create nothing) and started after the ``number_counters`` row the upgrade left for it (numbers
  issued before). ``nextval`` takes no lock held to commit, so concurrent registrations do not queue on
  each other. ``nextval`` is not transactional (PostgreSQL documentation, "Sequence Manipulation
  Functions"): a request that fails after drawing a number leaves a **gap** in its series. Numbers
  are unique and increasing, not gap-free.
- SQLite: the series' row of ``number_counters`` is incremented in the caller's transaction
  (SQLite has one writer at a time anyway, ``BEGIN IMMEDIATE``): gap-free.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from sqlalchemy import Integer, String, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from app.core.db import Base, transaction_driver
from app.core.errors import Conflict

KINDS = ("", "C", "T")
_MAX_SKIPS = 1000
_SAFE = re.compile(r"^[A-Za-z0-9]{1,24}$")


class NumberCounter(Base):
    """The last number issued in one series: ``scope`` is the prefix and kind (``CASA``,
    ``CASA-C``, ``CASA-T``), ``year`` the year printed. On PostgreSQL the row only records where
    the series stood when its sequence was created."""

    __tablename__ = "number_counters"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class NumberUnavailable(Conflict):
    slug = "number-unavailable"
    title_fr, title_en = "Numéro indisponible", "Number unavailable"


def series_scope(prefix: str, kind: str) -> str:
    """The ``number_counters.scope`` of a series: ``CASA`` or ``CASA-C``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of human number: {kind!r}")
    return f"{prefix}-{kind}" if kind else prefix


def format_number(prefix: str, kind: str, year: int, value: int) -> str:
    """``format_number("CASA", "C", 2026, 42)`` → ``"CASA-2026-C-000042"``."""
    middle = f"{year}-{kind}" if kind else str(year)
    return f"{prefix}-{middle}-{value:06d}"


SEQUENCE_SCHEMA = "number_series"
"""The PostgreSQL schema of the series' sequences, the owner's. The application's role may create
nothing there (nor anywhere: ``app/core/roles.py``); its sequences are created by the owner's
``SECURITY DEFINER`` function ``number_series.create_series_sequence`` (:func:`_create_sequence`).
Every statement names them schema-qualified, never through the ``search_path``."""


def sequence_name(prefix: str, kind: str, year: int) -> str:
    """The PostgreSQL sequence of a series, schema-qualified: ``number_series.human_number_casa_c_2026``
    (a digest for prefixes that are not plain letters and digits)."""
    if _SAFE.match(prefix):
        return f"{SEQUENCE_SCHEMA}.human_number_{prefix.lower()}_{(kind or 'r').lower()}_{year}"
    digest = hashlib.sha256(series_scope(prefix, kind).encode()).hexdigest()[:20]
    return f"{SEQUENCE_SCHEMA}.human_number_{digest}_{year}"


async def allocate(
    session: AsyncSession,
    *,
    prefix: str,
    kind: str,
    year: int,
    column: InstrumentedAttribute[Any],
) -> str:
    """The next unused human number of the series, e.g. ``CASA-2026-C-000042``.

    ``column`` is the (UNIQUE) column the number goes into: a value already there is skipped.
    Raises ``NumberUnavailable`` (409) if a thousand values in a row are taken (a counter far
    behind its column: set the series' counter or sequence forward).
    """
    scope = series_scope(prefix, kind)
    for _ in range(_MAX_SKIPS):
        if session.get_bind().dialect.name == "postgresql":
            [(value, taken)] = await _draw_from_sequence(session, prefix=prefix, kind=kind, year=year, column=column)
            if not taken:
                return format_number(prefix, kind, year, value)
            continue
        value = await _next_from_counter(session, scope=scope, year=year)
        number = format_number(prefix, kind, year, value)
        if not await _taken(session, column, number):
            return number
    raise NumberUnavailable(
        f"No free number in series {scope} {year}; the counter is behind the stored numbers.",
        detail_fr=f"Aucun numéro libre dans la série {scope} {year} : le compteur est en retard.",
    )


async def allocate_many(
    session: AsyncSession,
    *,
    prefix: str,
    kind: str,
    year: int,
    column: InstrumentedAttribute[Any],
    count: int,
) -> list[str]:
    """``count`` next unused numbers of the series, at once (a bulk writer such as the register
    import): increasing, except that a value already in ``column`` is replaced in its place by
    the next free one (:func:`allocate`, drawn after the others).

    PostgreSQL draws them from the series' sequence and tells which are taken in one round trip
    (:func:`_draw_from_sequence`); SQLite moves its counter row by ``count``, then asks which
    are taken.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        drawn = await _draw_from_sequence(session, prefix=prefix, kind=kind, year=year, column=column, count=count)
        numbers = [format_number(prefix, kind, year, v) for v, _ in drawn]
        taken = {number for number, (_, was_taken) in zip(numbers, drawn, strict=True) if was_taken}
    else:
        last = await _next_from_counter(session, scope=series_scope(prefix, kind), year=year, step=count)
        numbers = [format_number(prefix, kind, year, v) for v in range(last - count + 1, last + 1)]
        taken = set((await session.execute(select(column).where(column.in_(numbers)))).scalars())
    out = []
    for number in numbers:
        out.append(number if number not in taken else await allocate(
            session, prefix=prefix, kind=kind, year=year, column=column
        ))  # fmt: skip
    return out


async def _taken(session: AsyncSession, column: InstrumentedAttribute[Any], number: str) -> bool:
    """Whether ``number`` is already in ``column`` (SQLite; PostgreSQL asks in the statement that
    draws the number, :func:`_draw_from_sequence`)."""
    return (await session.execute(select(column).where(column == number).limit(1))).first() is not None


async def _next_from_counter(session: AsyncSession, *, scope: str, year: int, step: int = 1) -> int:
    stmt = select(NumberCounter).where(NumberCounter.scope == scope, NumberCounter.year == year).with_for_update()
    counter = (await session.execute(stmt)).scalar_one_or_none()
    if counter is None:
        try:
            async with session.begin_nested():
                session.add(NumberCounter(scope=scope, year=year, last_value=0))
        except IntegrityError:
            pass  # a concurrent transaction created the series first; lock its row below
        counter = (await session.execute(stmt)).scalar_one()
    counter.last_value += step
    await session.flush()
    return counter.last_value


@functools.lru_cache(maxsize=16)
def _draw_sql(table: str, column: str, *, many: bool) -> str:
    """The next value of a series' sequence (``many``: the next ``$3``; no row when the sequence
    does not exist yet), each with whether its number is already in ``table.column``: one round
    trip. The number is printed as :func:`format_number` does (``$2`` its part before the value;
    the value on six digits or more). One value is drawn without ``generate_series``: PostgreSQL
    then keeps a generic plan for the statement (a registration's), where the count made it plan
    every call again (its generic plan estimated for a thousand rows)."""
    printed = "$2 || CASE WHEN s.v < 1000000 THEN lpad(s.v::text, 6, '0') ELSE s.v::text END"
    values = " FROM generate_series(1, $3::integer)" if many else ""
    # Composed from the model's own metadata, never from input; values are bound parameters.
    return (
        f'SELECT s.v, EXISTS (SELECT 1 FROM "{table}" WHERE "{column}" = {printed}) AS taken\n'  # noqa: S608
        f"FROM (SELECT nextval(to_regclass($1)) AS v{values} WHERE to_regclass($1) IS NOT NULL) AS s"
    )


async def _draw_from_sequence(
    session: AsyncSession, *, prefix: str, kind: str, year: int, column: InstrumentedAttribute[Any], count: int = 1
) -> list[tuple[int, bool]]:
    """The next ``count`` values of the series' sequence (created on first use), increasing, each
    with whether its number is already in ``column``, asked together on the driver
    (:func:`app.core.db.transaction_driver`: a registration's hot path, an import's chunk)."""
    name = sequence_name(prefix, kind, year)
    target = column.property.columns[0]
    sql = _draw_sql(target.table.name, target.name, many=count > 1)
    before_value = format_number(prefix, kind, year, 0)[: -len("000000")]
    arguments = (name, before_value, count) if count > 1 else (name, before_value)
    for _ in range(3):
        rows = await (await transaction_driver(session)).fetch(sql, *arguments)
        if rows:
            return sorted((int(v), bool(taken)) for v, taken in rows)
        await _create_sequence(session, name=name, scope=series_scope(prefix, kind), year=year)
    raise RuntimeError(f"sequence {name} could not be created")  # pragma: no cover - three lost races


async def _create_sequence(session: AsyncSession, *, name: str, scope: str, year: int) -> None:
    """Create the series' sequence after its counter row's last value, through the owner's function
    ``number_series.create_series_sequence(name, start)`` (revision 3801: ``SECURITY DEFINER``; it
    accepts only the names :func:`sequence_name` produces, creates the sequence if missing and grants
    the connected role USAGE, SELECT and UPDATE on it), so the application's role needs no CREATE.

    Two first registrations of a series at once: the second ``CREATE`` waits for the first
    transaction, then fails on the catalogue's unique index (or succeeds if the first rolled
    back); its savepoint absorbs that and the caller draws from the sequence that now exists.
    """
    stmt = select(NumberCounter.last_value).where(NumberCounter.scope == scope, NumberCounter.year == year)
    start = ((await session.execute(stmt)).scalar_one_or_none() or 0) + 1
    try:
        async with session.begin_nested():
            await session.execute(_CREATE_SEQUENCE, {"name": name, "start": start})
    except DBAPIError:
        pass


_CREATE_SEQUENCE = text(f"SELECT {SEQUENCE_SCHEMA}.create_series_sequence(:name, :start)")
