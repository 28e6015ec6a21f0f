"""Human-readable numbers per desk and year (``CASA-2026-000123``, ``CASA-2026-C-000042``)."""

from __future__ import annotations

from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class NumberCounter(Base):
    """The last number issued for one series (``scope``) in one year."""

    __tablename__ = "number_counters"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


async def next_number(session: AsyncSession, *, scope: str, year: int) -> int:
    """The next number of series ``scope`` in ``year`` (1, 2, …), gap-free within a transaction.

    The counter row is locked until the caller's transaction ends, so concurrent requests get
    distinct numbers.
    """
    stmt = select(NumberCounter).where(NumberCounter.scope == scope, NumberCounter.year == year).with_for_update()
    counter = (await session.execute(stmt)).scalar_one_or_none()
    if counter is None:
        try:
            async with session.begin_nested():
                session.add(NumberCounter(scope=scope, year=year, last_value=0))
        except IntegrityError:
            pass  # a concurrent transaction created the series first; lock its row below
        counter = (await session.execute(stmt)).scalar_one()
    counter.last_value += 1
    await session.flush()
    return counter.last_value
