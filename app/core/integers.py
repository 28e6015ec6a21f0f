"""The integer ranges the databases store, so that a number beyond them is refused at the edge
(422 naming the field) instead of failing in a driver — differently on each database: SQLite
stores any 64-bit integer in an INTEGER column and overflows its driver beyond, PostgreSQL's
INTEGER stops at 2,147,483,647 and BIGINT at 9,223,372,036,854,775,807.

The bound of a column is PostgreSQL's, the stricter, so both databases answer alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger

INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
"""SQL ``INTEGER`` (PostgreSQL ``int4``): a serial id such as a consent's."""
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
"""SQL ``BIGINT`` (``int8``): audit event ids and ``seq``; SQLite's INTEGER too."""


def column_range(column_type: Any) -> tuple[int, int] | None:
    """``(least, greatest)`` a column of ``column_type`` stores on every database, or ``None``
    for a type that is not an integer. A type with a SQLite variant is read as its own (the
    PostgreSQL) type: ``BigInteger().with_variant(Integer(), "sqlite")`` is BIGINT."""
    if isinstance(column_type, SmallInteger):
        return -(2**15), 2**15 - 1
    if isinstance(column_type, BigInteger):
        return BIGINT_MIN, BIGINT_MAX
    if isinstance(column_type, Integer):
        return INTEGER_MIN, INTEGER_MAX
    return None
