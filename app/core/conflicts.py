"""412 answers that carry the server's current version, so an app that edited offline can merge.

RFC 9110 §13.1.1 leaves the body of a 412 to the server; the problem (RFC 9457) gets two extension
members: ``current_etag`` and ``current``, the record as a read of it renders it now. The app
merges its change into ``current`` and sends it again with ``If-Match: <current_etag>``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import PreconditionFailed, Problem


async def with_current(
    stale: PreconditionFailed, render: Callable[[], Awaitable[tuple[dict[str, Any], str]]]
) -> Problem:
    """``stale`` with ``current`` and ``current_etag`` from ``render`` (which reads the record and
    audits the read so that it survives the rollback); unchanged when the record cannot be read
    any more (a concurrent writer's flush failed the transaction, the record is gone)."""
    try:
        current, etag = await render()
    except (SQLAlchemyError, Problem):
        return stale
    stale.extra["current"] = current
    stale.extra["current_etag"] = etag
    return stale
