"""Operator log lines that one cause repeats on every request, said once a minute at most.

While the database is unreachable, or the app sits behind PgBouncer without being told, every
request fails the same way: logging a line per request is hundreds of identical lines a second
under load, burying everything else. :class:`RepeatedLines` lets the first line of a kind through
at once, then at most one every :data:`INTERVAL_SECONDS`, which says how many of that kind were
not logged since the last one; those go to DEBUG, with their request ids. Each request still gets
its own answer (a 503 carrying its ``request_id``): only the log is thinned.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

INTERVAL_SECONDS = 60.0
"""The least time between two lines of one kind at their own level."""


@dataclass
class _Kind:
    said_at: float
    suppressed: int = 0


class RepeatedLines:
    """Per kind of line (``"database-unreachable"``…): the first at its level at once, then at most
    one per ``interval_seconds`` (monotonic ``clock`` seconds), ending ``(N more like it in the last
    M s not logged)`` when some were held back. One per app (``app.state.repeated_lines``), used
    from its event loop only."""

    def __init__(self, *, interval_seconds: float = INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.interval_seconds = interval_seconds
        self.clock = clock
        self._kinds: dict[str, _Kind] = {}

    def log(self, logger: logging.Logger, level: int, kind: str, message: str, *args: object) -> bool:
        """Log ``message % args`` on ``logger`` at ``level`` if ``kind`` was not said in the last
        ``interval_seconds`` (with how many were held back since), else at DEBUG; True when said at
        ``level``."""
        now = self.clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen.said_at < self.interval_seconds:
            seen.suppressed += 1
            logger.debug(message, *args)
            return False
        if seen is not None and seen.suppressed:
            held = f" ({seen.suppressed} more like it in the last {round(now - seen.said_at)} s not logged)"
            logger.log(level, message + "%s", *args, held)
        else:
            logger.log(level, message, *args)
        self._kinds[kind] = _Kind(said_at=now)
        return True
