"""Cursor (keyset) pagination, stable under concurrent inserts.

Lists are ordered by a unique key (usually ``(created_at, id)``, newest first). The cursor is an
opaque URL-safe token encoding the last row's key; the next page holds the rows strictly after it,
so rows inserted meanwhile never shift or repeat a page. Cursors are sealed
(:mod:`app.core.cursors`): one the API did not issue for this list — made up, edited, or another
list's — answers 400.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core import cursors
from app.core.errors import BadRequest
from app.core.integers import column_range

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """A page of results; pass ``next_cursor`` as ``cursor`` to get the next one (null: no more)."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque cursor of the next page, or null.")


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.astimezone(dt.UTC).isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    """One key value of a cursor; raises ``ValueError`` (or ``TypeError``, ``OverflowError``) for a
    value no cursor of this API holds. A time is read in UTC, whatever offset it was written with
    (SQLite compares stored times as written)."""
    if isinstance(value, dict) and "t" in value:
        at = dt.datetime.fromisoformat(value["t"])
        return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    if isinstance(value, dict) and "d" in value:
        if not isinstance(value["d"], str):
            raise TypeError("a date is written as a string")
        return dt.date.fromisoformat(value["d"])
    if isinstance(value, dict) and "u" in value:
        if not isinstance(value["u"], str):
            raise TypeError("a UUID is written as a string")
        return uuid.UUID(value["u"])
    return value


def _list_of(keys: Sequence[InstrumentedAttribute[Any]]) -> str:
    """The list a cursor belongs to, named by its ordering columns (``cases.created_at,cases.id``)."""
    return "list:" + ",".join(f"{k.class_.__tablename__}.{k.key}" for k in keys)


def encode_cursor(values: Sequence[Any], *, key: bytes, context: str) -> str:
    """The sealed cursor of a row's key ``values`` for the list ``context``."""
    return cursors.seal({"k": [_encode_value(v) for v in values]}, key=key, context=context)


def decode_cursor(cursor: str, width: int, *, key: bytes, context: str) -> list[Any]:
    """The key values in ``cursor``; raises ``BadRequest`` for a cursor this API did not issue
    for the list ``context`` (sealed under ``key``)."""
    try:
        raw = cursors.unseal(cursor, key=key, context=context)["k"]
        values = [_decode_value(v) for v in raw]
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise BadRequest("The cursor is not valid.", detail_fr="Le curseur n'est pas valide.") from exc
    if len(values) != width:
        raise BadRequest("The cursor is not valid.", detail_fr="Le curseur n'est pas valide.")
    return values


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
    descending: bool = True,
) -> tuple[list[T], str | None]:
    """Run ``stmt`` for one page ordered by ``keys``; return the rows and the next cursor.

    Raises ``BadRequest`` for an invalid cursor (one this API did not issue for this list: made
    up or edited — its seal does not match —, a key value of another type, or an integer beyond
    its column's range).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    secret, context = cursors.key_of(session), _list_of(keys)
    if cursor:
        values = decode_cursor(cursor, len(keys), key=secret, context=context)
        for key, value in zip(keys, values, strict=True):
            expected = key.type.python_type
            if (
                not isinstance(value, expected)
                or (expected is int and isinstance(value, bool))
                or (expected is dt.date and isinstance(value, dt.datetime))
            ):
                raise BadRequest("The cursor is not valid.", detail_fr="Le curseur n'est pas valide.")
            bounds = column_range(key.type)
            if bounds is not None and not bounds[0] <= value <= bounds[1]:
                # no row holds it: a number the database cannot take never reaches it
                raise BadRequest("The cursor is not valid.", detail_fr="Le curseur n'est pas valide.")
        row_key = tuple_(*keys) if len(keys) > 1 else keys[0]
        bound = tuple_(*values) if len(keys) > 1 else values[0]
        stmt = stmt.where(row_key < bound if descending else row_key > bound)
    order = [k.desc() if descending else k.asc() for k in keys]
    rows = list((await session.execute(stmt.order_by(*order).limit(limit + 1))).scalars().all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys], key=secret, context=context)
    return rows, next_cursor
